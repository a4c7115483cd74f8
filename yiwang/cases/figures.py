"""The cases' counters for the indicators (:mod:`yiwang.metrics`): what happened to cases in a span of time, per
the handling region and department, counted in SQL. Keys are the metrics domain's counter names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from yiwang.cases.models import Case
from yiwang.cases.states import Outcome

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts(session: Session, start: dt.datetime, end: dt.datetime, *, bundle_items: Collection[str],
           license_versions: Collection[int]) -> list[Row]:
    """The counters of [start, end):

    - by submission: ``cases.submitted``, ``cases.online`` (filed online), ``cases.bundle_eligible`` (of items that
      belong to a 一件事) and ``cases.bundled`` (of those, filed through a 一件事 application);
    - by acceptance: ``cases.accepted``;
    - by conclusion: ``cases.concluded``, ``cases.on_time``, ``cases.approved``, ``licenses.expected`` (approved
      cases filed under an item version whose result is a licence) and ``cases.anomaly`` (办件异常: concluded late, approved
      without ever being accepted, or concluded before it was accepted).
    """
    c = Case
    eligible = c.item_code.in_(sorted(bundle_items)) if bundle_items else false()
    licensed = c.item_version_id.in_(sorted(license_versions)) if license_versions else false()
    approved = c.outcome == Outcome.APPROVED.value
    out: list[Row] = []
    submitted = {"cases.submitted": true(), "cases.online": c.channel == "online",
                 "cases.bundle_eligible": eligible, "cases.bundled": and_(eligible, c.bundle_application_id.is_not(None))}
    concluded = {"cases.concluded": true(), "cases.on_time": c.on_time.is_(True), "cases.approved": approved,
                 "licenses.expected": and_(approved, licensed),
                 "cases.anomaly": or_(c.on_time.is_(False), and_(approved, c.accepted_at.is_(None)),
                                      c.concluded_at < c.accepted_at)}
    for column, conditions in ((c.submitted_at, submitted), (c.accepted_at, {"cases.accepted": true()}),
                               (c.concluded_at, concluded)):
        names = list(conditions)
        stmt = (select(c.region_code, c.department_id, *[_sum(conditions[n]) for n in names])
                .where(column >= start, column < end).group_by(c.region_code, c.department_id))
        for region, dept, *values in session.execute(stmt):
            out += [(name, region, int(dept), int(v)) for name, v in zip(names, values, strict=True) if v]
    return out


def item_codes_with_cases(session: Session, start: dt.datetime, end: dt.datetime) -> set[str]:
    """The item codes of the cases submitted in [start, end)."""
    return set(session.scalars(select(Case.item_code).where(Case.submitted_at >= start, Case.submitted_at < end)
                               .distinct()))


def today(session: Session, start: dt.datetime, end: dt.datetime, *, region_prefix: str | None) -> dict[str, int]:
    """Submitted, accepted and concluded in [start, end) (today on the operations screen), in a region subtree."""
    where = [Case.region_code.startswith(region_prefix)] if region_prefix else []
    out = {}
    for name, column in (("submitted", Case.submitted_at), ("accepted", Case.accepted_at),
                         ("concluded", Case.concluded_at)):
        out[name] = int(session.scalar(select(func.count()).select_from(Case)
                                       .where(column >= start, column < end, *where)) or 0)
    return out


def running(session: Session, *, region_prefix: str | None) -> int:
    """Cases with a clock running now, in a region subtree: waiting for acceptance (the answer's date), in review
    (the decision's date) or concluded and not yet delivered (the delivery's date) — ``due`` is set exactly then."""
    where = [Case.region_code.startswith(region_prefix)] if region_prefix else []
    return int(session.scalar(select(func.count()).select_from(Case).where(Case.due.is_not(None), *where)) or 0)


def top_items(session: Session, start: dt.datetime, end: dt.datetime, *, region_prefix: str | None,
              limit: int = 8) -> list[tuple[str, int]]:
    """(item code, cases) of the items most applied for in [start, end), in a region subtree (an index-only scan of
    ``ix_case_submitted``, which carries the region and item code)."""
    where = [Case.region_code.startswith(region_prefix)] if region_prefix else []
    n = func.count().label("n")
    stmt = (select(Case.item_code, n).where(Case.submitted_at >= start, Case.submitted_at < end, *where)
            .group_by(Case.item_code).order_by(n.desc(), Case.item_code).limit(limit))
    return [(code, int(count)) for code, count in session.execute(stmt)]
