"""The indicators: computing a month's aggregates, reading an indicator table for a region and department, the
figures per department, trends across months, the public selection and the population figures.

An indicator's numerator and denominator are sums of monthly counters over the rows whose region code lies in the
asked region's subtree (行政区划 prefix) and, when a department is asked, of that department: a county's figure is
therefore exactly the sum of its townships' numerators over the sum of their denominators, plus what the county's
own departments did.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from yiwang.core import audit, clock
from yiwang.core.config import get_settings
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, ActorKind, Perm, region_prefix
from yiwang.metrics import compute as computing
from yiwang.metrics import repository as repo
from yiwang.metrics.indicators import BY_CODE, DEFAULT_PUBLIC, INDICATORS, Indicator, sort_key
from yiwang.metrics.models import Baseline, Publication
from yiwang.metrics.periods import Month, parse_month
from yiwang.org import service as org

__all__ = ["BASELINE_KEYS", "Scope", "Value", "by_department", "compute", "computed_at", "daily_series",
           "indicator_table", "nightly", "nightly_due", "parse_month", "public_table", "published_codes", "refresh",
           "resolve_scope", "set_baseline", "set_published", "values"]

BASELINE_KEYS = {"population": "常住人口", "enterprises": "市场主体数"}
NOT_COMPUTED = "该月尚未统计，请联系系统管理员补算"
MAX_ID = 2**31 - 1  # department ids are 32-bit: a larger number names none (and must not reach the database)
FINEST_USER_REGION = 6
SETTLING_DAYS = 10  # a month's figures are recounted every night until the 10th of the next month  # accounts belong to a county (ID numbers and credit codes carry 6 digits of region)


# --- computing ---------------------------------------------------------------------------------------------------

def compute(session: Session, actor: Actor, period: str) -> computing.RunReport:
    """Recompute one month (``yiwang indicators compute --period``): idempotent."""
    if actor.kind is not ActorKind.SYSTEM:
        actor.require(Perm.METRICS_MANAGE)
    report = computing.compute_month(session, actor, parse_month(period))
    assert report is not None  # only ``unless_done`` skips
    return report


def refresh(session: Session) -> list[computing.RunReport]:
    """The hourly job: today's and yesterday's counters, and the month (or months) they fall in."""
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    months: dict[Month, list[dt.date]] = defaultdict(list)
    for day in (yesterday, today):
        months[Month.of(day)].append(day)
    return [r for month, days in sorted(months.items())
            if (r := computing.compute_month(session, SYSTEM, month, days=days)) is not None]


def nightly_months(today: dt.date) -> list[Month]:
    """The months the nightly job recounts whole: the one yesterday fell in, and during the first
    :data:`SETTLING_DAYS` days of a month also the month before — a rectification answered, an answer sent back at
    review or a callback made after the month's end still changes its figures until then; from the
    (SETTLING_DAYS + 1)th a month's figures stand (the CLI can still recount them)."""
    months = {Month.of(today - dt.timedelta(days=1))}
    if today.day <= SETTLING_DAYS:
        months.add(Month.of(today).previous)
    return sorted(months)


def nightly(session: Session) -> list[computing.RunReport]:
    """The nightly job: every day of :func:`nightly_months` recounted."""
    return [r for month in nightly_months(clock.today())
            if (r := computing.compute_month(session, SYSTEM, month)) is not None]


def nightly_due(session: Session) -> bool:
    """Whether a month the nightly job recounts has not been recounted whole since local midnight."""
    for month in nightly_months(clock.today()):
        last = repo.last_run(session, month.key, whole=True)
        if last is None or last < computing.midnight(clock.today()):
            return True
    return False


def computed_at(session: Session, month: Month) -> dt.datetime | None:
    return repo.last_run(session, month.key)


def _ensure_computed(session: Session, month: Month) -> bool:
    """Whether ``month`` has figures. This month and last month, when never computed whole (a fresh deployment
    before the worker's first run, the first hours of a month), are computed on first reading — a bounded cost,
    once; two first readers take turns and the second finds it done. Older months are computed by the CLI only
    (``yiwang indicators compute --period``): a reader asking for 2019 does not start a month's count."""
    if computing.has_whole_run(session, month):
        return True
    this_month = Month.of(clock.today())
    if month not in (this_month, this_month.previous):
        return computed_at(session, month) is not None  # older months: only the CLI computes them
    computing.compute_month(session, SYSTEM, month, unless_done=True)
    return True


# --- scope -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    region_code: str | None  # None: every region
    department_id: int | None
    region_name: str
    department_name: str | None

    @property
    def prefix(self) -> str | None:
        return region_prefix(self.region_code) if self.region_code else None

    @property
    def label(self) -> str:
        return f"{self.region_name} · {self.department_name}" if self.department_name else self.region_name


def _department_id(raw: Any) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValidationFailed("部门应为部门编号（整数）", field="department", code="invalid_department") from None
    if value <= 0:
        raise ValidationFailed("部门应为部门编号（正整数）", field="department", code="invalid_department")
    if value > MAX_ID:
        raise ValidationFailed("部门不存在", field="department", code="unknown_department")
    return value


def known_region(session: Session, raw: str | None) -> str | None:
    """A region code that exists (digits, at most 12), or None for an empty one."""
    code = (raw or "").strip() or None
    if code is not None and (len(code) > 12 or not code.isascii() or not code.isdigit()
                             or org.region_name(session, code) == code):
        raise ValidationFailed("没有这个行政区划代码", field="region_code", code="unknown_region")
    return code


def resolve_scope(session: Session, actor: Actor, region_code: str | None, department: Any) -> Scope:
    """The region and department an actor asks about, checked against what it may see: the centre's leaders
    (region-scoped roles) their region's subtree, and any department in it; a department's staff their own
    department only."""
    actor.require(Perm.METRICS_READ)
    code = known_region(session, region_code)
    dept_id = _department_id(department)
    home = region_prefix(actor.region_code) if actor.is_staff and actor.region_code else None
    region_wide = actor.can(Perm.METRICS_REGION)
    if actor.is_staff and region_wide:
        if code is None:
            code = actor.region_code
        elif home and not region_prefix(code).startswith(home):
            raise PermissionDenied("只能查看本辖区的指标", field="region_code", code="out_of_scope")
    elif actor.is_staff:
        if dept_id is not None and dept_id != actor.department_id:
            raise PermissionDenied("只能查看本部门的指标", field="department", code="out_of_scope")
        dept_id = actor.department_id
        if code is not None and actor.region_code:
            own, asked = region_prefix(actor.region_code), region_prefix(code)
            if not (own.startswith(asked) or asked.startswith(own)):
                raise PermissionDenied("只能查看本部门所在地区的指标", field="region_code", code="out_of_scope")
    dept_name = None
    if dept_id is not None:
        try:
            dept = org.get_department(session, dept_id)
        except NotFound:
            raise ValidationFailed("部门不存在", field="department", code="unknown_department") from None
        if actor.is_staff and region_wide and home and not region_prefix(dept.region_code).startswith(home):
            raise PermissionDenied("只能查看本辖区的部门", field="department", code="out_of_scope")
        dept_name = dept.name
    if code:
        region_name = org.region_name(session, code)
    elif dept_id is not None:
        region_name = org.region_name(session, dept.region_code)  # a department's staff: their department's region
    else:
        region_name = "全部地区"
    return Scope(code, dept_id, region_name, dept_name)


# --- values ------------------------------------------------------------------------------------------------------

@dataclass
class Value:
    indicator: Indicator
    value: float | int | None
    numerator: float | None
    denominator: float | None
    note: str | None = None  # why the value is missing where the indicator is computable

    @property
    def met(self) -> bool | None:
        return self.indicator.met(self.value)

    def as_dict(self) -> dict[str, Any]:
        i = self.indicator
        return {"code": i.code, "name": i.name, "value": self.value, "unit": i.unit, "numerator": self.numerator,
                "denominator": self.denominator, "formula": i.formula, "target": i.target, "met": self.met,
                "direction": i.direction, "kind": i.kind, "source": i.source,
                "numerator_definition": i.numerator, "denominator_definition": i.denominator,
                "computable": i.computable, "reason": i.reason or self.note}


def baseline_for(figures: dict[str, int], region_code: str | None) -> int | None:
    """The population (or enterprises) of a region: the figure entered for that region itself. Never a sum of its
    sub-regions' figures — the count covers the whole region, and the figures of some sub-regions would not."""
    return figures.get(region_code) if region_code else None


def _round(value: float, unit: str) -> float:
    """Two decimals; a small figure (a per-capita one) keeps four significant digits."""
    if 0 < abs(value) < 0.1:
        return float(f"{value:.4g}")
    return round(value, 2)


def value_of(indicator: Indicator, sums: dict[str, int], *, department_id: int | None, region_code: str | None,
             baselines: dict[str, dict[str, int]]) -> Value:
    i = indicator
    if not i.computable or i.counters is None:
        return Value(i, None, None, None)
    if department_id is not None and not i.department_level:
        return Value(i, None, None, None, note="该指标按地区统计，不分部门")
    if i.source == "identity" and region_code and len(region_prefix(region_code)) > FINEST_USER_REGION:
        return Value(i, None, None, None, note="个人和企业用户只能按身份证号、统一社会信用代码归属到区县")
    num_key, den_key = i.counters
    numerator = sums.get(num_key, 0)
    scale = 100.0 if i.unit == "%" else 1.0
    if i.kind == "count":
        if i.requires and not sums.get(i.requires, 0):
            return Value(i, None, numerator, None, note="本期没有办结的办件，不作评价")
        return Value(i, numerator, numerator, None)
    if i.kind == "per_capita":
        base = baseline_for(baselines.get(i.basis or "", {}), region_code)
        if not base:
            return Value(i, None, numerator, None,
                         note=f"该地区未录入{BASELINE_KEYS.get(i.basis or '', '')}，无法计算")
        return Value(i, _round(numerator * scale / base, i.unit), numerator, base)
    denominator = sums.get(den_key, 0)
    if not denominator:
        return Value(i, None, numerator, 0, note="本期没有可计入分母的记录")
    return Value(i, _round(numerator * scale / denominator, i.unit), numerator, denominator)


def values(session: Session, month: Month, scope: Scope, codes: Iterable[str] | None = None, *,
           compute_missing: bool = True) -> list[Value]:
    """The indicators (all, or ``codes``) of ``month`` in ``scope``, in the seed's order. A month never computed
    is computed first, unless ``compute_missing`` is off (anonymous readers: their requests never compute)."""
    computed = _ensure_computed(session, month) if compute_missing else computed_at(session, month) is not None
    wanted = [BY_CODE[c] for c in codes if c in BY_CODE] if codes is not None else list(INDICATORS)
    wanted.sort(key=lambda i: sort_key(i.code))
    if not computed:
        return [Value(i, None, None, None, note=None if not i.computable else NOT_COMPUTED) for i in wanted]
    sums = repo.monthly_sums(session, month.key, scope.prefix, scope.department_id)
    baselines = {key: repo.baseline_figures(session, key) for key in BASELINE_KEYS}
    return [value_of(i, sums, department_id=scope.department_id, region_code=scope.region_code, baselines=baselines)
            for i in wanted]


def indicator_table(session: Session, actor: Actor, *, period: str | None, region_code: str | None = None,
                    department: Any = None) -> dict[str, Any]:
    """``GET /api/v1/indicators``: every indicator of the month in the asked scope; those the platform cannot
    compute are listed with ``computable`` false, a null value and the reason."""
    scope = resolve_scope(session, actor, region_code, department)
    month = parse_month(period)
    items = values(session, month, scope)
    at = computed_at(session, month)
    return {"period": month.key, "region_code": scope.region_code, "region": scope.region_name,
            "department": scope.department_id, "department_name": scope.department_name,
            "computed_at": at.isoformat() if at else None, "items": [v.as_dict() for v in items]}


def by_department(session: Session, month: Month, scope: Scope,
                  codes: Sequence[str]) -> list[tuple[int, str, list[Value]]]:
    """(department id, name, values of ``codes``) for every department with counters in the scope's region."""
    if not _ensure_computed(session, month):
        return []
    sums = repo.department_sums(session, month.key, scope.prefix, scope.department_id)
    names = {d.id: d.name for d in org.departments_by_ids(session, set(sums)).values()}
    wanted = [BY_CODE[c] for c in codes]
    return [(dept, names[dept], [value_of(i, s, department_id=dept, region_code=scope.region_code, baselines={})
                                 for i in wanted])
            for dept, s in sums.items() if dept in names]


def daily_series(session: Session, keys: Sequence[str], first: dt.date, last: dt.date,
                 prefix: str | None) -> dict[str, list[int]]:
    """Per counter key, its value on each day from ``first`` to ``last`` (inclusive) in a region subtree."""
    got = repo.daily_sums(session, keys, first, last, prefix)
    n = (last - first).days + 1
    return {key: [got.get((key, first + dt.timedelta(days=i)), 0) for i in range(n)] for key in keys}


# --- the public figures page and the population figures ---------------------------------------------------------

def published_codes(session: Session) -> list[str]:
    """The computable indicators on the public figures page: the administrators' choice, or the defaults."""
    chosen = repo.publication_choices(session)
    codes = [i.code for i in INDICATORS if i.computable and chosen.get(i.code, i.code in DEFAULT_PUBLIC)]
    return sorted(codes, key=sort_key)


def may_publish(actor: Actor) -> bool:
    """The public selection serves the whole deployment: its home region's administrators choose it."""
    if actor.kind is ActorKind.SYSTEM:
        return True
    home = get_settings().home_region_code
    return actor.can(Perm.METRICS_MANAGE) and bool(actor.region_code) and \
        home.startswith(region_prefix(actor.region_code or ""))


def set_published(session: Session, actor: Actor, codes: Iterable[str]) -> list[str]:
    """Publish exactly ``codes`` (computable indicators only). One choice serves the whole deployment: only the
    administrators of its home region (not a district's inside a city's deployment) make it, and the system."""
    actor.require(Perm.METRICS_MANAGE)
    if not may_publish(actor):
        raise PermissionDenied("公开哪些指标由平台（最高一级区划）管理员决定", field="codes", code="publication_scope")
    wanted = {c.strip() for c in codes if c and c.strip()}
    unknown = sorted(c for c in wanted if c not in BY_CODE or not BY_CODE[c].computable)
    if unknown:
        raise ValidationFailed(f"不能公开的指标编号：{'、'.join(unknown)}", field="codes", code="unknown_indicator")
    now = clock.now()
    session.execute(delete(Publication))
    for i in INDICATORS:
        if i.computable:
            session.add(Publication(code=i.code, published=i.code in wanted, updated_at=now, updated_by=actor.label))
    audit.record(session, actor, "metrics.publish", "metric_publication", "public",
                 {"codes": sorted(wanted, key=sort_key)})
    session.flush()
    return published_codes(session)


def public_table(session: Session, *, period: str | None, region_code: str | None) -> dict[str, Any]:
    """The published indicators of a month (绩效评估结果公开): no sign-in; never a department's detail. The
    current month is not published before it ends (its figures still move): the default is last month."""
    today = clock.today()
    month = parse_month(period) if (period or "").strip() else Month.of(today).previous
    if month >= Month.of(today):
        raise ValidationFailed("本月尚未结束，公开的是已结束月份的结果", field="period", code="period_not_closed")
    code = known_region(session, region_code)
    scope = Scope(code, None, org.region_name(session, code) if code else "全部地区", None)
    items = values(session, month, scope, published_codes(session), compute_missing=False)
    at = computed_at(session, month)
    return {"period": month.key, "region_code": code, "region": scope.region_name,
            "computed_at": at.isoformat() if at else None, "items": [v.as_dict() for v in items]}


def set_baseline(session: Session, actor: Actor, *, region_code: str, key: str, value: int) -> None:
    """Enter a region's resident population or enterprise count (per-capita indicators divide by it)."""
    if actor.kind is not ActorKind.SYSTEM:
        actor.require(Perm.METRICS_MANAGE)
    if key not in BASELINE_KEYS:
        raise ValidationFailed("基数应为 population（常住人口）或 enterprises（市场主体数）", field="key",
                               code="unknown_baseline")
    code = region_code.strip()
    if org.region_name(session, code) == code:
        raise ValidationFailed("没有这个行政区划代码", field="region_code", code="unknown_region")
    if actor.is_staff and actor.region_code and not region_prefix(code).startswith(region_prefix(actor.region_code)):
        raise PermissionDenied("只能录入本辖区的基数", field="region_code", code="out_of_scope")
    if value <= 0:
        raise ValidationFailed("基数应为正整数", field="value", code="invalid_value")
    row = session.get(Baseline, (code, key))
    if row is None:
        row = Baseline(region_code=code, key=key, value=value, updated_at=clock.now(), updated_by=actor.label)
        session.add(row)
    else:
        row.value, row.updated_at, row.updated_by = value, clock.now(), actor.label
    audit.record(session, actor, "metrics.baseline", "metric_baseline", f"{code}:{key}", {"value": value})
    session.flush()


def baselines(session: Session) -> list[dict[str, Any]]:
    rows = repo.all_baselines(session)
    return [{"region_code": b.region_code, "region": org.region_name(session, b.region_code), "key": b.key,
             "label": BASELINE_KEYS.get(b.key, b.key), "value": b.value} for b in rows]

