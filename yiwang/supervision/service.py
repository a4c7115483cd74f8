"""Electronic supervision (电子监察): rules as data, the supervision tick, alerts and cards, supervision orders
(督办) and department scores.

The tick is set-based. For each rule it issues one INSERT … SELECT that raises the alerts whose condition now
holds and has no open alert yet, and (for lights) one UPDATE that clears open alerts whose condition no
longer holds. A partial unique index allows one open alert per case and rule, so running the tick twice for
the same day changes nothing, and two workers ticking at once cannot raise a second copy.

Rules (defaults from the national rules in STANDARDS.md; an item's own rule beats its item type's, which beats
the default):
- ``approaching`` (yellow): a running clock is due within N working days (default ``YIWANG_WARN_WORKING_DAYS``);
- ``overdue`` (red): a running clock is past due;
- ``step_overdue`` (yellow): the current review step has run longer than its own limit in working days;
- ``repeated_correction`` (red card): more correction notices than allowed on one case;
- ``beyond_guide`` (red card): a correction notice asks for materials the published guide does not list;
- ``no_reason`` (yellow card): a rejection or denial whose reason is missing or a word or two.
Lights clear themselves when the condition ends (the case is handled, suspended, or concluded); cards are
findings and stay until a supervisor closes them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, outbox
from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.config import get_settings
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm, region_prefix, scope_clause
from yiwang.core.spreadsheet import safe_row
from yiwang.org import service as org_service
from yiwang.supervision.models import Alert, SupervisionOrder, SupervisionRule, SupervisionRun


class Level(enum.StrEnum):
    YELLOW = "yellow"
    RED = "red"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


LEVEL_LABELS = {Level.YELLOW: "黄灯", Level.RED: "红灯", Level.YELLOW_CARD: "黄牌", Level.RED_CARD: "红牌"}
LIGHT_RULES = ("approaching", "overdue", "step_overdue")
STEP_NAMES = {"handle": "承办", "check": "审核", "approve": "审批"}


@dataclass(frozen=True)
class RuleDef:
    code: str
    level: Level
    label: str
    params: dict[str, Any]


def default_rules() -> dict[str, RuleDef]:
    settings = get_settings()
    return {r.code: r for r in (
        RuleDef("approaching", Level.YELLOW, "办理期限即将届满", {"working_days": settings.warn_working_days}),
        RuleDef("overdue", Level.RED, "超过办理期限", {}),
        RuleDef("step_overdue", Level.YELLOW, "环节超过时限", {"handle": 3, "check": 2, "approve": 2}),
        RuleDef("repeated_correction", Level.RED_CARD, "多次要求补正材料",
                {"limit": settings.supervision_correction_limit}),
        RuleDef("beyond_guide", Level.RED_CARD, "要求办事指南以外的材料", {}),
        RuleDef("no_reason", Level.YELLOW_CARD, "不予受理或不予许可未说明理由", {"min_chars": 4, "lookback_days": 90}),
    )}


CONTENT = {
    "approaching": "办件即将超过办理期限，请抓紧办理",
    "overdue": "办件已超过办理期限",
    "step_overdue": "办件在当前环节停留超过该环节时限",
    "repeated_correction": "同一办件多次要求申请人补正材料",
    "no_reason": "不予受理或不予许可未说明充分理由",
}


# --- rules ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EffectiveRule:
    code: str
    scope: str  # default | item_type | item
    scope_value: str
    level: str
    params: dict[str, Any]
    enabled: bool
    label: str


def rules(session: Session) -> list[EffectiveRule]:
    """Every rule in force: the defaults (possibly overridden) and the scoped rules stored as data."""
    defs = default_rules()
    stored = {(r.code, r.scope, r.scope_value): r for r in session.scalars(select(SupervisionRule))}
    out = []
    for code, d in defs.items():
        row = stored.pop((code, "default", ""), None)
        out.append(EffectiveRule(code, "default", "", row.level if row else d.level.value,
                                 {**d.params, **(row.params if row else {})}, row.enabled if row else True, d.label))
    for (code, scope, value), row in sorted(stored.items()):
        if code in defs:
            out.append(EffectiveRule(code, scope, value, row.level, {**defs[code].params, **row.params}, row.enabled,
                                     defs[code].label))
    return out


def set_rule(session: Session, actor: Actor, *, code: str, scope: str = "default", scope_value: str = "",
             params: dict[str, Any] | None = None, enabled: bool = True, level: str | None = None) -> EffectiveRule:
    """Store a rule (administrators): e.g. yellow two working days ahead for item type 01 (行政许可)."""
    actor.require(Perm.SUPERVISION_RULE_MANAGE)
    defs = default_rules()
    if code not in defs:
        raise ValidationFailed("未知的监察规则：" + code, field="code", code="unknown_rule")
    if scope not in ("default", "item_type", "item") or (scope == "default") != (not scope_value):
        raise ValidationFailed("规则范围应为：默认、事项类型（附类型代码）或事项（附事项编码）", field="scope")
    if level is not None and level not in {lv.value for lv in Level}:
        raise ValidationFailed("预警级别应为 yellow、red、yellow_card 或 red_card", field="level")
    clean = _check_params(code, params or {})
    _check_rule_scope(session, actor, scope, scope_value)
    row = session.scalars(select(SupervisionRule).where(SupervisionRule.code == code, SupervisionRule.scope == scope,
                                                        SupervisionRule.scope_value == scope_value)).first()
    if row is None:
        row = SupervisionRule(code=code, scope=scope, scope_value=scope_value, level=level or defs[code].level.value,
                              params=clean, enabled=enabled, updated_at=clock.now())
        session.add(row)
    else:
        row.params, row.enabled, row.updated_at = clean, enabled, clock.now()
        row.level = level or row.level
    session.flush()
    audit.record(session, actor, "supervision.rule_set", "supervision_rule", f"{code}:{scope}:{scope_value}",
                 {"params": clean, "enabled": enabled, "level": row.level})
    return next(r for r in rules(session) if (r.code, r.scope, r.scope_value) == (code, scope, scope_value))


def _check_rule_scope(session: Session, actor: Actor, scope: str, scope_value: str) -> None:
    """Defaults and item-type rules apply everywhere: only the deployment's own administrators (whose region
    is the home region) set them. An item's rule is for the administrators of the item's region."""
    if not actor.is_staff or not actor.region_code:
        return
    home = get_settings().home_region_code
    if scope in ("default", "item_type"):
        if not home.startswith(region_prefix(actor.region_code)):
            raise PermissionDenied("默认规则和事项类型规则由本平台所在区划的管理员设置", code="out_of_region")
        return
    item_region = catalog.item_region(session, scope_value)
    if item_region is None:
        raise ValidationFailed("事项不存在", field="scope_value", code="unknown_item")
    if not item_region.startswith(region_prefix(actor.region_code)):
        raise PermissionDenied("只能为本区划的事项设置规则", code="out_of_region")


def _check_params(code: str, params: dict[str, Any]) -> dict[str, Any]:
    allowed = set(default_rules()[code].params)
    clean: dict[str, Any] = {}
    for key, value in params.items():
        if key not in allowed:
            raise ValidationFailed(f"规则 {code} 没有参数 {key}", field=f"params.{key}")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
            raise ValidationFailed(f"参数 {key} 应为 0–365 的整数", field=f"params.{key}")
        clean[key] = value
    return clean


# --- the tick -----------------------------------------------------------------------------------------

@dataclass
class TickResult:
    as_of: dt.date
    raised: int
    cleared: int
    open_by_level: dict[str, int]
    mode: str = "full"


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of a local day, in UTC (to compare with stored timestamps)."""
    return clock.as_utc(dt.datetime.combine(day, dt.time(), tzinfo=clock.LOCAL_TZ))


def _grouped(session: Session, rule_list: list[EffectiveRule], code: str
             ) -> list[tuple[ColumnElement[bool] | None, EffectiveRule]]:
    """(item filter, rule) pairs for one rule code: the most specific rule for each item. The filter is
    None for the default, which applies to every item no scoped rule names."""
    scoped = [r for r in rule_list if r.code == code and r.scope != "default"]
    default = next(r for r in rule_list if r.code == code and r.scope == "default")
    feed = cases.supervision_feed().selected_columns
    groups: list[tuple[ColumnElement[bool] | None, EffectiveRule]] = []
    item_rules = {r.scope_value: r for r in scoped if r.scope == "item"}
    type_rules = {r.scope_value: r for r in scoped if r.scope == "item_type"}
    named: set[str] = set(item_rules)
    if type_rules:
        by_type: dict[str, list[str]] = {}
        for item_code, item_type in catalog.item_types(session).items():
            if item_type in type_rules and item_code not in item_rules:
                by_type.setdefault(item_type, []).append(item_code)
        for item_type, codes in by_type.items():
            groups.append((feed.item_code.in_(codes), type_rules[item_type]))
            named.update(codes)
    for item_code, rule in item_rules.items():
        groups.append((feed.item_code == item_code, rule))
    groups.append((feed.item_code.notin_(sorted(named)) if named else None, default))
    return groups


def _conditions(session: Session, cal: WorkCalendar, as_of: dt.date) -> dict[str, tuple[ColumnElement[bool], Any]]:
    """For each rule code: the condition it raises an alert for and the level it raises, as SQL over the case
    feed (the level is per item when an item or item-type rule sets its own)."""
    rule_list = rules(session)
    c = cases.supervision_feed().selected_columns
    out: dict[str, tuple[ColumnElement[bool], Any]] = {}

    def combine(code: str, make: Any) -> tuple[ColumnElement[bool], Any]:
        parts = []
        levels: list[tuple[ColumnElement[bool], Any]] = []
        default_level = literal(default_rules()[code].level.value)
        for item_filter, rule in _grouped(session, rule_list, code):
            if not rule.enabled:
                continue
            cond = make(rule)
            parts.append(cond if item_filter is None else and_(item_filter, cond))
            if item_filter is None:
                default_level = literal(rule.level)
            else:
                levels.append((item_filter, literal(rule.level)))
        level = case(*levels, else_=default_level) if levels else default_level
        return (or_(*parts) if parts else false()), level

    # yellow: today <= due < the (N+1)-th working day after today, i.e. at most N working days left
    out["approaching"] = combine("approaching", lambda r: and_(
        c.due >= as_of, c.due < cal.add_working_days(as_of, int(r.params["working_days"]) + 1)))
    out["overdue"] = combine("overdue", lambda r: c.due < as_of)

    def step_late(r: EffectiveRule) -> ColumnElement[bool]:
        parts = []
        for step in STEP_NAMES:
            limit = int(r.params.get(step, 0))
            if limit <= 0:
                continue
            last_start = _latest_start_past_limit(cal, as_of, limit)
            parts.append(and_(c.review_step == step, c.last_action_at < _start_of(last_start + dt.timedelta(days=1))))
        return and_(c.status.in_(("accepted", "in_review")), c.due.is_not(None), or_(*parts)) if parts else false()

    out["step_overdue"] = combine("step_overdue", step_late)
    out["repeated_correction"] = combine("repeated_correction",
                                         lambda r: c.correction_count >= max(1, int(r.params["limit"])))
    out["no_reason"] = combine("no_reason", lambda r: and_(
        or_(c.status == "rejected", c.outcome == "denied"),
        c.closed_at.is_not(None) | c.concluded_at.is_not(None),
        func.coalesce(c.closed_at, c.concluded_at) >= _start_of(as_of - dt.timedelta(days=int(r.params["lookback_days"]))),
        or_(c.outcome_reason.is_(None), func.length(func.trim(c.outcome_reason)) < int(r.params["min_chars"]))))
    return out


def _latest_start_past_limit(cal: WorkCalendar, as_of: dt.date, limit: int) -> dt.date:
    """The latest day a step could have started and be past a limit of ``limit`` working days on ``as_of``."""
    day = as_of - dt.timedelta(days=1)
    while cal.add_working_days(day, limit) >= as_of:
        day -= dt.timedelta(days=1)
    return day


CARD_RULES = ("repeated_correction", "beyond_guide", "no_reason")


FULL_EVERY = dt.timedelta(hours=24)  # a full sweep at least daily, whatever the incremental ticks did
CHANGE_MARGIN = dt.timedelta(minutes=10)  # an action stamped before the last tick may commit after it


def _mode(session: Session, as_of: dt.date, now: dt.datetime, full: bool) -> tuple[str, SupervisionRun | None]:
    """"full", or "incremental" with the previous run to continue from."""
    last = session.scalars(select(SupervisionRun).where(SupervisionRun.finished_at.is_not(None))
                           .order_by(SupervisionRun.id.desc()).limit(1)).first()
    if full or last is None or as_of < last.as_of or (as_of - last.as_of).days > 7:
        return "full", None
    last_full = session.scalar(select(func.max(SupervisionRun.started_at)).where(
        SupervisionRun.finished_at.is_not(None), SupervisionRun.mode == "full"))
    if last_full is None or now - last_full > FULL_EVERY:
        return "full", None
    rules_changed = session.scalar(select(func.max(SupervisionRule.updated_at)))
    if rules_changed is not None and rules_changed >= last.started_at - CHANGE_MARGIN:
        return "full", None
    return "incremental", last


def _candidates(session: Session, cal: WorkCalendar, last: SupervisionRun, as_of: dt.date) -> ColumnElement[bool]:
    """The cases whose alerts may differ from the last run's: those acted on since (with a margin), and those
    whose dates crossed a rule's threshold between the two days."""
    c = cases.supervision_feed().selected_columns
    parts: list[ColumnElement[bool]] = [c.last_action_at >= last.started_at - CHANGE_MARGIN]
    before = last.as_of
    if as_of > before:
        parts.append(and_(c.due >= before, c.due < as_of))  # newly past due (and so no longer "approaching")
        rule_list = [r for r in rules(session) if r.enabled]
        for n in {int(r.params["working_days"]) for r in rule_list if r.code == "approaching"}:
            parts.append(and_(c.due >= cal.add_working_days(before, n + 1), c.due < cal.add_working_days(as_of, n + 1)))
        limits = {int(v) for r in rule_list if r.code == "step_overdue" for k, v in r.params.items() if int(v) > 0}
        for limit in limits:
            lo = _start_of(_latest_start_past_limit(cal, before, limit) + dt.timedelta(days=1))
            hi = _start_of(_latest_start_past_limit(cal, as_of, limit) + dt.timedelta(days=1))
            parts.append(and_(c.last_action_at >= lo, c.last_action_at < hi))
    return or_(*parts)


def tick(session: Session, actor: Actor = SYSTEM, *, as_of: dt.date | None = None, full: bool = False
         ) -> TickResult:
    """Evaluate the cases against the rules for ``as_of`` (today by default): raise what holds and is not raised
    yet, clear lights that no longer hold. Idempotent; the caller commits.

    A full tick looks at every case. An incremental one (the default when a full tick ran within a day, the
    rules have not changed and time only moved forward) looks only at the cases acted on since the last tick
    and those whose dates crossed a threshold since — a few thousand rows on a busy day instead of a million."""
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_RULE_MANAGE)
    as_of = as_of or clock.today()
    if session.get_bind().dialect.name == "postgresql":
        # one tick at a time across workers; a second one waits, then finds nothing left to do
        session.execute(select(func.pg_advisory_xact_lock(7_301_001)))
    now = clock.now()
    cal = get_calendar(session)
    mode, last = _mode(session, as_of, now, full)
    conditions = _conditions(session, cal, as_of)
    feed = cases.supervision_feed()
    c = feed.selected_columns
    scope: ColumnElement[bool] | None = _candidates(session, cal, last, as_of) if last is not None else None
    run = SupervisionRun(as_of=as_of, started_at=now, raised=0, cleared=0, counts={}, mode=mode)
    session.add(run)
    session.flush()
    types = catalog.item_type_feed().subquery()
    item_type = select(types.c.item_type).where(types.c.code == c.item_code).scalar_subquery()
    raised_rows: list[Any] = []
    cleared = 0
    delta: dict[str, int] = {}
    for code, (condition, level) in conditions.items():
        # clear first (lights only), so a case that moved from yellow to red ends one alert and starts another
        if code in LIGHT_RULES:
            if scope is None:
                ended = ~exists(feed.where(c.case_no == Alert.case_no, condition))
            else:  # only candidates can have changed: look them up, not every open alert (a stopped clock
                # makes the condition NULL, not false: it ends the light too)
                ended = Alert.case_no.in_(select(c.case_no).where(scope, ~func.coalesce(condition, false())))
            ended_levels = session.scalars(
                update(Alert).where(Alert.status == "open", Alert.rule == code, ended)
                .values(status="cleared", cleared_at=now, result="条件已解除（办件已处理、暂停或办结）")
                .returning(Alert.level).execution_options(synchronize_session=False)).all()
            cleared += len(ended_levels)
            for ended_level in ended_levels:
                delta[ended_level] = delta.get(ended_level, 0) - 1
            _analyze_if_big(session, len(ended_levels))
        # a light is raised again after it cleared; a card is a finding about a case, raised once ever
        already = exists(select(Alert.id).where(Alert.case_no == c.case_no, Alert.rule == code,
                                                *([Alert.status == "open"] if code in LIGHT_RULES else [])))
        source = select(c.case_no, c.item_code, item_type, c.department_id, c.region_code, literal(code),
                        level,
                        literal(CONTENT[code]), literal({"as_of": as_of.isoformat()}, type_=Alert.detail.type),
                        c.due, literal(now, type_=Alert.raised_at.type), literal(as_of, type_=Alert.raised_on.type),
                        literal("open")).where(condition, ~already)
        if scope is not None:
            source = source.where(scope)
        stmt = insert(Alert).from_select(
            ["case_no", "item_code", "item_type", "department_id", "region_code", "rule", "level", "content", "detail",
             "due", "raised_at", "raised_on", "status"], source).returning(
            Alert.id, Alert.case_no, Alert.department_id, Alert.level, Alert.rule)
        new_rows = list(session.execute(stmt))
        raised_rows += new_rows
        for r in new_rows:
            delta[r.level] = delta.get(r.level, 0) + 1
        _analyze_if_big(session, len(new_rows))
    _announce(session, raised_rows)
    if last is not None and last.counts:
        # lights change only here: carry them forward (counting a million open alerts is not free); cards are
        # also raised and closed between ticks, and are few: count them
        counts = {k.value: int(last.counts.get(k.value, 0)) + delta.get(k.value, 0) for k in (Level.YELLOW, Level.RED)}
        cards = session.execute(select(Alert.level, func.count()).where(
            Alert.status == "open", Alert.level.in_((Level.YELLOW_CARD, Level.RED_CARD))).group_by(Alert.level)).all()
        counts |= {Level.YELLOW_CARD.value: 0, Level.RED_CARD.value: 0} | {lv: int(n) for lv, n in cards}
    else:
        counts = open_counts(session, SYSTEM)
    run.raised, run.cleared, run.counts, run.finished_at = len(raised_rows), cleared, counts, clock.now()
    audit.record(session, actor, "supervision.tick", "supervision_run", run.id,
                 {"as_of": as_of.isoformat(), "mode": mode, "raised": len(raised_rows), "cleared": cleared,
                  "open": counts})
    return TickResult(as_of=as_of, raised=len(raised_rows), cleared=cleared, open_by_level=counts, mode=mode)


BIG_CHANGE = 5000


def _analyze_if_big(session: Session, changed: int) -> None:
    """Refresh the planner's statistics after a large batch (a first sweep over a backlog), so the next
    statement's anti-join against open alerts is planned for the table's real size rather than its old one."""
    if changed >= BIG_CHANGE and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE supervision_alert"))


MAX_ANNOUNCED = 500  # per tick: beyond this (a first run over an old backlog) the console is the place to look


def _announce(session: Session, rows: Sequence[Any]) -> None:
    """One outbox event per newly raised alert, so the department's staff hear of it (notifications)."""
    for r in sorted(rows, key=lambda r: (r.level != "red", r.id))[:MAX_ANNOUNCED]:
        outbox.emit(session, "supervision.alert_raised", {"alert_id": r.id, "case_no": r.case_no,
                                                          "department_id": r.department_id, "level": r.level,
                                                          "rule": r.rule, "content": CONTENT.get(r.rule, r.rule)})


def rule_for(session: Session, code: str, item_code: str) -> EffectiveRule | None:
    """The rule in force for one item: its own, else its item type's, else the default."""
    in_force = [r for r in rules(session) if r.code == code]
    item_type = catalog.item_types(session, [item_code]).get(item_code)
    for scope, value in (("item", item_code), ("item_type", item_type or ""), ("default", "")):
        found = next((r for r in in_force if r.scope == scope and r.scope_value == value), None)
        if found is not None:
            return found
    return None


def raise_card(session: Session, *, case_no: str, rule: str, content: str, detail: dict[str, Any]) -> Alert | None:
    """Raise a card found by an event (a correction asking beyond the guide); None when one is open already."""
    case = cases.get_case(session, SYSTEM, case_no)
    found = rule_for(session, rule, case.item_code)
    if found is None or not found.enabled:
        return None
    if rule == "repeated_correction" and case.correction_count < max(1, int(found.params.get("limit", 2))):
        return None
    if session.scalars(select(Alert.id).where(Alert.case_no == case_no, Alert.rule == rule)).first() is not None:
        return None  # a card is raised once per case and rule, even after a supervisor closed it
    now = clock.now()
    alert = Alert(case_no=case_no, item_code=case.item_code,
                  item_type=catalog.item_types(session, [case.item_code]).get(case.item_code),
                  department_id=case.department_id, region_code=case.region_code, rule=rule,
                  level=found.level, content=content, detail=detail, due=case.due,
                  raised_at=now, raised_on=clock.today(), status="open")
    session.add(alert)
    session.flush()
    audit.record(session, SYSTEM, "supervision.card", "supervision_alert", alert.id, {"case_no": case_no, "rule": rule})
    outbox.emit(session, "supervision.alert_raised", {"alert_id": alert.id, "case_no": case_no,
                                                      "department_id": alert.department_id, "level": alert.level,
                                                      "rule": rule, "content": content})
    return alert


# --- reading ----------------------------------------------------------------------------------------------

def _scope(actor: Actor) -> ColumnElement[bool]:
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_READ)
    return scope_clause(actor, department_col=Alert.department_id, region_col=Alert.region_code)


def open_counts(session: Session, actor: Actor) -> dict[str, int]:
    rows = session.execute(select(Alert.level, func.count()).where(Alert.status == "open", _scope(actor))
                           .group_by(Alert.level)).all()
    counts = {lv.value: 0 for lv in Level}
    counts.update({level: int(n) for level, n in rows})
    return counts


def open_by_department(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Open alerts per department and level, busiest first (the console's overview)."""
    rows = session.execute(select(Alert.department_id, Alert.level, func.count(), func.min(Alert.raised_on))
                           .where(Alert.status == "open", _scope(actor)).group_by(Alert.department_id, Alert.level))
    out: dict[int, dict[str, Any]] = {}
    for dept_id, level, n, oldest in rows:
        entry = out.setdefault(dept_id, {"department_id": dept_id, **{lv.value: 0 for lv in Level},
                                         "total": 0, "oldest": oldest})
        entry[level] = int(n)
        entry["total"] += int(n)
        entry["oldest"] = min(entry["oldest"], oldest)
    names = org_service.departments_by_ids(session, out)
    for dept_id, entry in out.items():
        entry["department"] = names[dept_id].name if dept_id in names else str(dept_id)
    return sorted(out.values(), key=lambda e: (-e["red"] - e["red_card"], -e["total"]))


def list_alerts(session: Session, actor: Actor, *, level: str | None = None, department_id: int | None = None,
                status: str | None = "open", rule: str | None = None, min_age_days: int | None = None,
                limit: int = 50, offset: int = 0) -> tuple[int, list[Alert]]:
    """Alerts the supervisor may see, newest first, filtered by level, department, rule, status and age."""
    where: list[ColumnElement[bool]] = [_scope(actor)]
    if level:
        if level not in {lv.value for lv in Level}:
            raise ValidationFailed("预警级别应为 yellow、red、yellow_card 或 red_card", field="level")
        where.append(Alert.level == level)
    if department_id is not None:
        where.append(Alert.department_id == department_id)
    if status:
        if status not in ("open", "cleared"):
            raise ValidationFailed("状态应为 open 或 cleared", field="status")
        where.append(Alert.status == status)
    if rule:
        where.append(Alert.rule == rule)
    if min_age_days:
        where.append(Alert.raised_on <= clock.today() - dt.timedelta(days=min_age_days))
    total = session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
    rows = session.scalars(select(Alert).where(*where).order_by(Alert.raised_at.desc(), Alert.id.desc())
                           .limit(limit).offset(offset)).all()
    return total, list(rows)


def alert_out(session: Session, alert: Alert) -> dict[str, Any]:
    return {"id": alert.id, "case_no": alert.case_no, "level": alert.level,
            "level_label": LEVEL_LABELS[Level(alert.level)], "rule": alert.rule,
            "rule_label": default_rules()[alert.rule].label if alert.rule in default_rules() else alert.rule,
            "content": alert.content, "raised_at": alert.raised_at.isoformat(), "raised_on": alert.raised_on.isoformat(),
            "due": alert.due.isoformat() if alert.due else None, "status": alert.status,
            "cleared_at": alert.cleared_at.isoformat() if alert.cleared_at else None, "result": alert.result,
            "department_id": alert.department_id,
            "department": org_service.department_name(session, alert.department_id),
            "item_code": alert.item_code, "item_type": alert.item_type}


def close_card(session: Session, actor: Actor, alert_id: int, *, result: str) -> Alert:
    """A supervisor closes a card (a finding) with what was done about it."""
    actor.require(Perm.SUPERVISION_ORDER)
    alert = session.scalars(select(Alert).where(Alert.id == alert_id, _scope(actor))).first()
    if alert is None:
        raise NotFound("预警不存在", field="alert_id")
    if alert.status != "open":
        raise ValidationFailed("该预警已处理", field="alert_id", code="already_closed")
    if alert.rule not in CARD_RULES:
        raise Conflict("红灯、黄灯随办件处理自动解除，不能手工办结", field="alert_id", code="light_not_closable")
    if not result.strip():
        raise ValidationFailed("请填写处理结果", field="result", code="reason_required")
    alert.status, alert.cleared_at, alert.result = "cleared", clock.now(), result.strip()[:1000]
    audit.record(session, actor, "supervision.close_alert", "supervision_alert", alert.id, {"result": alert.result})
    return alert


# --- supervision orders (督办) --------------------------------------------------------------------------

def _order_no(session: Session, today: dt.date) -> str:
    prefix = f"DB{today:%Y%m%d}"
    n = session.scalar(select(func.count()).select_from(SupervisionOrder)
                       .where(SupervisionOrder.order_no.startswith(prefix))) or 0
    return f"{prefix}{n + 1:04d}"


def issue_order(session: Session, actor: Actor, *, department_id: int, subject: str, content: str,
                reply_days: int = 3, case_no: str | None = None, alert_id: int | None = None) -> SupervisionOrder:
    """A supervisor orders a department (within their region) to act and reply within working days."""
    actor.require(Perm.SUPERVISION_ORDER)
    dept = org_service.get_department(session, department_id)
    if actor.region_code and not dept.region_code.startswith(region_prefix(actor.region_code)):
        raise NotFound("部门不存在", field="department_id")
    subject, content = (subject or "").strip(), (content or "").strip()
    if not subject or len(subject) > 200:
        raise ValidationFailed("请填写督办事由（200 字以内）", field="subject")
    if not content:
        raise ValidationFailed("请填写督办内容", field="content")
    if not isinstance(reply_days, int) or not 1 <= reply_days <= 30:
        raise ValidationFailed("答复期限应为 1–30 个工作日", field="reply_days")
    if case_no:
        case = cases.get_case(session, actor, case_no)
        if case.department_id != dept.id:
            raise ValidationFailed("该办件不属于所选部门", field="case_no")
    if alert_id is not None and session.scalars(select(Alert.id).where(
            Alert.id == alert_id, Alert.department_id == dept.id, _scope(actor))).first() is None:
        raise NotFound("预警不存在", field="alert_id")
    now = clock.now()
    order = SupervisionOrder(order_no=_order_no(session, clock.today()), department_id=dept.id,
                             region_code=dept.region_code, case_no=case_no or None, alert_id=alert_id,
                             subject=subject, content=content[:5000],
                             reply_due=get_calendar(session).add_working_days(clock.today(), reply_days),
                             status="issued", issued_by=actor.label, issued_at=now)
    session.add(order)
    session.flush()
    audit.record(session, actor, "supervision.order_issue", "supervision_order", order.order_no,
                 {"department_id": dept.id, "case_no": case_no, "reply_due": order.reply_due.isoformat()})
    outbox.emit(session, "supervision.order_issued", {"order_no": order.order_no, "department_id": dept.id,
                                                      "subject": subject, "reply_due": order.reply_due.isoformat()})
    return order


def _visible_order(session: Session, actor: Actor, order_no: str) -> SupervisionOrder:
    if not (actor.can(Perm.SUPERVISION_READ) or actor.can(Perm.SUPERVISION_REPLY)):
        raise NotFound("督办单不存在", field="order_no")
    order = session.scalars(select(SupervisionOrder).where(
        SupervisionOrder.order_no == order_no,
        scope_clause(actor, department_col=SupervisionOrder.department_id,
                     region_col=SupervisionOrder.region_code))).first()
    if order is None:
        raise NotFound("督办单不存在", field="order_no")
    return order


def list_orders(session: Session, actor: Actor, *, status: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[int, list[SupervisionOrder]]:
    if not (actor.can(Perm.SUPERVISION_READ) or actor.can(Perm.SUPERVISION_REPLY)):
        raise PermissionDenied("您没有查看督办单的权限", code="forbidden")
    where = [scope_clause(actor, department_col=SupervisionOrder.department_id, region_col=SupervisionOrder.region_code)]
    if status:
        where.append(SupervisionOrder.status == status)
    total = session.scalar(select(func.count()).select_from(SupervisionOrder).where(*where)) or 0
    rows = session.scalars(select(SupervisionOrder).where(*where).order_by(SupervisionOrder.issued_at.desc())
                           .limit(limit).offset(offset)).all()
    return total, list(rows)


def get_order(session: Session, actor: Actor, order_no: str) -> SupervisionOrder:
    return _visible_order(session, actor, order_no)


def reply_order(session: Session, actor: Actor, order_no: str, *, reply: str) -> SupervisionOrder:
    """The ordered department replies (what it did); replying again before closure amends the reply."""
    actor.require(Perm.SUPERVISION_REPLY)
    order = _visible_order(session, actor, order_no)
    if actor.department_id != order.department_id:
        raise PermissionDenied("只有被督办部门可以答复", code="forbidden")
    if order.status == "closed":
        raise ValidationFailed("督办单已办结", field="order_no", code="order_closed")
    if not (reply or "").strip():
        raise ValidationFailed("请填写答复内容", field="reply", code="reason_required")
    order.reply, order.replied_by, order.replied_at, order.status = reply.strip()[:5000], actor.label, clock.now(), \
        "replied"
    audit.record(session, actor, "supervision.order_reply", "supervision_order", order.order_no,
                 {"on_time": clock.today() <= order.reply_due})
    outbox.emit(session, "supervision.order_replied", {"order_no": order.order_no, "issued_by": order.issued_by})
    return order


def close_order(session: Session, actor: Actor, order_no: str, *, note: str) -> SupervisionOrder:
    actor.require(Perm.SUPERVISION_ORDER)
    order = _visible_order(session, actor, order_no)
    if order.status != "replied":
        raise ValidationFailed("督办单尚未答复，不能办结", field="order_no", code="not_replied")
    order.status, order.closed_at, order.close_note = "closed", clock.now(), (note or "").strip()[:2000] or None
    audit.record(session, actor, "supervision.order_close", "supervision_order", order.order_no, {"note": order.close_note})
    return order


def order_out(session: Session, order: SupervisionOrder) -> dict[str, Any]:
    return {"order_no": order.order_no, "department_id": order.department_id,
            "department": org_service.department_name(session, order.department_id), "case_no": order.case_no,
            "subject": order.subject, "content": order.content, "reply_due": order.reply_due.isoformat(),
            "status": order.status, "issued_at": order.issued_at.isoformat(), "reply": order.reply,
            "replied_at": order.replied_at.isoformat() if order.replied_at else None,
            "overdue": order.status == "issued" and clock.today() > order.reply_due,
            "close_note": order.close_note}


# --- scores -------------------------------------------------------------------------------------------------

def month_bounds(month: str | None) -> tuple[dt.date, dt.date]:
    """The first day of ``month`` (YYYY-MM, default this month) and of the next."""
    today = clock.today()
    try:
        first = dt.date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    except ValueError:
        raise ValidationFailed("月份格式应为 YYYY-MM", field="month") from None
    if not 2000 <= first.year <= 2100:
        raise ValidationFailed("月份应在 2000–2100 年之间", field="month")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def scores(session: Session, actor: Actor, *, month: str | None = None,
           figures: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Per department for a month: cases decided and on time, alerts and cards raised, open alerts, and
    (given by the evaluation domain through the caller) the ratings figures. Sorted by score."""
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_READ)
    first, following = month_bounds(month)
    decided = cases.decision_counts(session, actor, since=_start_of(first), until=_start_of(following))
    raised = session.execute(select(Alert.department_id, Alert.level, func.count()).where(
        _scope(actor), Alert.raised_on >= first, Alert.raised_on < following).group_by(Alert.department_id, Alert.level))
    alerts: dict[int, dict[str, int]] = {}
    for dept_id, level, n in raised:
        alerts.setdefault(dept_id, {lv.value: 0 for lv in Level})[level] = int(n)
    ratings = {int(f["department_id"]): f for f in figures}
    dept_ids = set(decided) | set(alerts) | set(ratings)
    names = org_service.departments_by_ids(session, dept_ids)
    rows = []
    for dept_id in dept_ids:
        total, on_time = decided.get(dept_id, (0, 0))
        a = alerts.get(dept_id, {lv.value: 0 for lv in Level})
        r = ratings.get(dept_id, {})
        on_time_rate = on_time / total if total else None
        satisfaction = r.get("satisfaction_rate")
        # 100 points: 50 for timeliness, 30 for satisfaction, minus 2 per red light and 5 per card (floor 0)
        score = (50 * (on_time_rate if on_time_rate is not None else 1.0)
                 + 30 * (satisfaction if satisfaction is not None else 1.0) + 20
                 - 2 * a["red"] - 5 * (a["red_card"] + a["yellow_card"]) - 0.5 * a["yellow"])
        rows.append({"department_id": dept_id, "department": names[dept_id].name if dept_id in names else str(dept_id),
                     "month": f"{first:%Y-%m}", "decided": total, "on_time": on_time,
                     "on_time_rate": round(on_time_rate, 4) if on_time_rate is not None else None,
                     "yellow": a["yellow"], "red": a["red"], "yellow_card": a["yellow_card"], "red_card": a["red_card"],
                     "ratings": r.get("ratings", 0), "satisfaction_rate": satisfaction,
                     "bad_reviews": r.get("bad_reviews", 0), "score": round(max(0.0, score), 1)})
    rows.sort(key=lambda x: (-x["score"], x["department"]))
    return rows


SCORE_COLUMNS = [("department", "部门"), ("month", "月份"), ("decided", "办结件数"), ("on_time", "按期办结"),
                 ("on_time_rate", "按期办结率"), ("yellow", "黄灯"), ("red", "红灯"), ("yellow_card", "黄牌"),
                 ("red_card", "红牌"), ("ratings", "评价数"), ("satisfaction_rate", "满意率"),
                 ("bad_reviews", "差评数"), ("score", "综合得分")]


def scores_csv(rows: list[dict[str, Any]]) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(safe_row(label for _, label in SCORE_COLUMNS))
    for row in rows:
        writer.writerow(safe_row("" if row[k] is None else row[k] for k, _ in SCORE_COLUMNS))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # with a BOM, so that Excel reads the Chinese


def scores_xlsx(rows: list[dict[str, Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "部门考核"
    ws.append(safe_row(label for _, label in SCORE_COLUMNS))
    for row in rows:
        ws.append(safe_row(row[k] for k, _ in SCORE_COLUMNS))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

