"""Computing the aggregates the indicators are read from — never the records themselves on a request.

Two tables, both keyed by (counter key, region code, department id):

- ``metric_daily``: what happened on one local day — cases submitted, accepted and concluded, ratings, licences
  issued, hall tickets, hotline orders answered and called back. Each domain counts its own records
  (``<domain>.figures.counts``) with one GROUP BY per span of time.
- ``metric_monthly``: per month, the sum of its days' counters plus the counters only a whole month or its end
  can give: distinct items with cases or ratings, users who signed in, items, accounts, licences and seals in use
  at the month's end (for the current month: now), last month's seals for the growth rate.

Computing a day deletes and rewrites that day's rows; computing a month rewrites its days (up to today) and then its
monthly rows — so running it again gives the same rows (idempotent). The worker recomputes today and yesterday and
re-rolls the current month every hour, and the whole of yesterday's month every night (an answer sent back or a
rectification answered after its day changes that day's counters).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from yiwang.cases import figures as case_figures
from yiwang.catalog import figures as catalog_figures
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock
from yiwang.core.months import midnight
from yiwang.core.permissions import Actor
from yiwang.evaluation import figures as rating_figures
from yiwang.hall import figures as hall_figures
from yiwang.hotline import figures as hotline_figures
from yiwang.identity import figures as user_figures
from yiwang.licenses import figures as license_figures
from yiwang.metrics import repository as repo
from yiwang.metrics.models import ComputeRun, DailyCount, MonthlyCount
from yiwang.metrics.periods import Month
from yiwang.org import service as org
from yiwang.seals import figures as seal_figures

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)
INSERT_BATCH = 5000
LOCK_BASE = 0x6D6574_000000  # advisory lock keys of the months: this base + YYYYMM


def day_counts(session: Session, day: dt.date, *, bundle_items: Iterable[str],
               license_versions: Iterable[int]) -> list[Row]:
    """Every domain's counters of one local day."""
    start, end = midnight(day), midnight(day + dt.timedelta(days=1))
    rows = case_figures.counts(session, start, end, bundle_items=set(bundle_items),
                               license_versions=set(license_versions))
    rows += rating_figures.counts(session, start, end)
    rows += license_figures.counts(session, start, end)
    rows += hall_figures.counts(session, day)
    rows += hotline_figures.counts(session, start, end)
    return _merged(rows)


def _merged(rows: Iterable[Row]) -> list[Row]:
    out: dict[tuple[str, str, int], int] = defaultdict(int)
    for key, region, dept, value in rows:
        out[(key, region or "", int(dept or 0))] += int(value)
    return [(key, region, dept, value) for (key, region, dept), value in out.items() if value]


def _write(session: Session, model: type[DailyCount] | type[MonthlyCount], fixed: dict[str, object],
           rows: list[Row]) -> None:
    values = [{**fixed, "key": key, "region_code": region, "department_id": dept, "value": value}
              for key, region, dept, value in rows]
    for i in range(0, len(values), INSERT_BATCH):
        session.execute(insert(model), values[i:i + INSERT_BATCH])


def compute_days(session: Session, days: Iterable[dt.date]) -> int:
    """Rewrite the daily counters of ``days``; returns the rows written."""
    bundle_items = {code for b in catalog.search_bundles(session) for code in b.items}
    license_versions = catalog_figures.license_version_ids(session)
    written = 0
    for day in sorted(set(days)):
        rows = day_counts(session, day, bundle_items=bundle_items, license_versions=license_versions)
        session.execute(delete(DailyCount).where(DailyCount.day == day))
        _write(session, DailyCount, {"day": day}, rows)
        written += len(rows)
    session.flush()
    return written


def month_rows(session: Session, month: Month) -> list[Row]:
    """The monthly counters of ``month`` (its days must be computed first)."""
    start, next_start = midnight(month.first), midnight(month.next_first)
    end = min(next_start, clock.now())  # the month's end, or now in the current month
    as_of = min(month.last, clock.today())
    rows: list[Row] = repo.month_of_days(session, month.first, month.next_first)
    item_rows, items = catalog_figures.snapshot(session, end)
    rows += item_rows
    with_cases = case_figures.item_codes_with_cases(session, start, next_start)
    rated = rating_figures.item_codes_rated(session, start, next_start)
    for item in items:
        if item.code in with_cases:
            rows.append(("items.with_cases", item.region_code, item.department_id, 1))
        if item.code in rated:
            rows.append(("items.with_ratings", item.region_code, item.department_id, 1))
    rows += user_figures.counts(session, start, end)
    rows += license_figures.held(session, end)
    previous = month.previous
    this_sealed = {(r, d): n for key, r, d, n in rows if key == "licenses.sealed"}
    last_sealed = {(r, d): n for key, r, d, n in license_figures.counts(
        session, midnight(previous.first), midnight(previous.next_first)) if key == "licenses.sealed"}
    for where in set(this_sealed) | set(last_sealed):
        rows.append(("licenses.sealed_last", *where, last_sealed.get(where, 0)))
        rows.append(("licenses.seal_growth", *where, this_sealed.get(where, 0) - last_sealed.get(where, 0)))
    departments = org.departments_by_ids(session, {dept for dept, _ in seal_figures.active(session, end)})
    for dept, n in seal_figures.active(session, end):
        if dept in departments:
            rows.append(("seals.active", departments[dept].region_code, dept, n))
    rows += hotline_figures.knowledge(session, end, as_of)
    # growth rows may be negative; every other counter is positive: keep the non-zero ones
    return _merged(rows)


@dataclass(frozen=True)
class RunReport:
    period: str
    days: int
    daily_rows: int
    monthly_rows: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {"period": self.period, "days": self.days, "daily_rows": self.daily_rows,
                "monthly_rows": self.monthly_rows, "seconds": round(self.seconds, 3)}


def lock_period(session: Session, month: Month) -> None:
    """Computations of one month take turns (every worker process runs the jobs on its own clock): on PostgreSQL
    a transaction-scoped advisory lock; SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_BASE + month.year * 100 + month.month})


def has_whole_run(session: Session, month: Month) -> bool:
    return repo.last_run(session, month.key, whole=True) is not None


def compute_month(session: Session, actor: Actor, month: Month, *, days: Iterable[dt.date] | None = None,
                  unless_done: bool = False) -> RunReport | None:
    """Rewrite ``days`` of ``month`` (default: all of its days up to today), then the month's rows. With
    ``unless_done``, nothing when the month has been computed whole meanwhile (a first reading waited for another)."""
    lock_period(session, month)
    if unless_done and has_whole_run(session, month):
        return None
    t0 = time.perf_counter()
    started = clock.now()
    today = clock.today()
    wanted = [d for d in (days if days is not None else month.days()) if month.first <= d <= min(month.last, today)]
    daily = compute_days(session, wanted)
    rows = month_rows(session, month)
    session.execute(delete(MonthlyCount).where(MonthlyCount.period == month.key))
    _write(session, MonthlyCount, {"period": month.key}, rows)
    seconds = time.perf_counter() - t0
    scope = "month" if days is None else "days"
    session.add(ComputeRun(period=month.key, scope=scope, days=len(wanted), rows=daily + len(rows),
                           seconds=round(seconds, 3), started_at=started, actor=actor.label))
    audit.record(session, actor, "metrics.compute", "metric_period", month.key,
                 {"scope": scope, "days": len(wanted), "daily_rows": daily, "monthly_rows": len(rows)})
    session.flush()
    return RunReport(month.key, len(wanted), daily, len(rows), seconds)
