"""The ratings' counters for the indicators (:mod:`yiwang.metrics`), per the rated department and its region,
counted in SQL with the definitions of :func:`yiwang.evaluation.service.department_figures`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.evaluation.models import Evaluation, Rectification
from yiwang.evaluation.states import RectStatus

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts(session: Session, start: dt.datetime, end: dt.datetime) -> list[Row]:
    """Of the ratings given in [start, end) that count (an upheld appeal removes one): ``ratings.total``,
    ``ratings.good`` (1–3) and ``ratings.bad`` (4–5); of the rectification tasks their bad reviews opened:
    ``rect.due`` (all but those still open before their deadline) and ``rect.on_time`` (answered by it)."""
    e, r = Evaluation, Rectification
    counted = e.excluded.is_(False)
    in_span = and_(e.created_at >= start, e.created_at < end, counted)
    out: list[Row] = []
    stmt = (select(e.region_code, e.department_id, func.count(), _sum(e.level <= 3), _sum(e.level >= 4))
            .where(in_span).group_by(e.region_code, e.department_id))
    for region, dept, total, good, bad in session.execute(stmt):
        out += [("ratings.total", region, dept, int(total)), ("ratings.good", region, dept, int(good)),
                ("ratings.bad", region, dept, int(bad))]
    pending = and_(r.status == RectStatus.OPEN.value, r.deadline >= clock.today())
    stmt = (select(r.region_code, r.department_id, _sum(~pending), _sum(r.on_time.is_(True)))
            .join(e, e.id == r.evaluation_id).where(in_span).group_by(r.region_code, r.department_id))
    for region, dept, due, on_time in session.execute(stmt):
        out += [("rect.due", region, dept, int(due)), ("rect.on_time", region, dept, int(on_time))]
    return [row for row in out if row[3]]


def item_codes_rated(session: Session, start: dt.datetime, end: dt.datetime) -> set[str]:
    """The item codes of the counted ratings given in [start, end)."""
    return set(session.scalars(select(Evaluation.item_code).where(
        Evaluation.created_at >= start, Evaluation.created_at < end, Evaluation.excluded.is_(False)).distinct()))


def today(session: Session, start: dt.datetime, end: dt.datetime, *, region_prefix: str | None) -> dict[str, int]:
    """Ratings given in [start, end) in a region subtree: total and bad ones (the operations screen)."""
    where = [Evaluation.region_code.startswith(region_prefix)] if region_prefix else []
    total, bad = session.execute(select(func.count(), _sum(Evaluation.level >= 4)).where(
        Evaluation.created_at >= start, Evaluation.created_at < end, Evaluation.excluded.is_(False), *where)).one()
    return {"ratings": int(total or 0), "bad": int(bad or 0)}
