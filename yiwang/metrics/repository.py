"""Queries on the indicators' tables: the aggregates summed over a region subtree and a department, the compute
runs, the population figures and the public selection."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.metrics.models import Baseline, ComputeRun, DailyCount, MonthlyCount, Publication

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)


def last_run(session: Session, period: str, *, whole: bool = False) -> dt.datetime | None:
    """When ``period`` was last computed (with ``whole``: all of its days at once)."""
    stmt = select(func.max(ComputeRun.started_at)).where(ComputeRun.period == period)
    if whole:
        stmt = stmt.where(ComputeRun.scope == "month")
    return session.scalar(stmt)


def monthly_sums(session: Session, period: str, prefix: str | None, department_id: int | None) -> dict[str, int]:
    """Counter key → its sum over the rows of ``period`` in the region subtree and department."""
    stmt = select(MonthlyCount.key, func.sum(MonthlyCount.value)).where(MonthlyCount.period == period)
    if prefix:
        stmt = stmt.where(MonthlyCount.region_code.startswith(prefix))
    if department_id is not None:
        stmt = stmt.where(MonthlyCount.department_id == department_id)
    return {key: int(v) for key, v in session.execute(stmt.group_by(MonthlyCount.key))}


def department_sums(session: Session, period: str, prefix: str | None,
                    department_id: int | None) -> dict[int, dict[str, int]]:
    """Department → counter key → sum, for the departments with rows of ``period`` in the region subtree."""
    stmt = (select(MonthlyCount.department_id, MonthlyCount.key, func.sum(MonthlyCount.value))
            .where(MonthlyCount.period == period, MonthlyCount.department_id != 0))
    if prefix:
        stmt = stmt.where(MonthlyCount.region_code.startswith(prefix))
    if department_id is not None:
        stmt = stmt.where(MonthlyCount.department_id == department_id)
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    for dept, key, v in session.execute(stmt.group_by(MonthlyCount.department_id, MonthlyCount.key)):
        sums[int(dept)][key] = int(v)
    return sums


def region_sums(session: Session, period: str, keys: Sequence[str], prefix: str | None) -> list[tuple[str, str, int]]:
    """(region code, key, sum) of ``keys`` for ``period`` in the region subtree, per region code."""
    stmt = (select(MonthlyCount.region_code, MonthlyCount.key, func.sum(MonthlyCount.value))
            .where(MonthlyCount.period == period, MonthlyCount.key.in_(list(keys))))
    if prefix:
        stmt = stmt.where(MonthlyCount.region_code.startswith(prefix))
    return [(str(r), str(k), int(v)) for r, k, v in
            session.execute(stmt.group_by(MonthlyCount.region_code, MonthlyCount.key))]


def daily_sums(session: Session, keys: Sequence[str], first: dt.date, last: dt.date,
               prefix: str | None) -> dict[tuple[str, dt.date], int]:
    """(key, day) → sum of the daily counters from ``first`` to ``last`` (inclusive) in the region subtree."""
    stmt = (select(DailyCount.key, DailyCount.day, func.sum(DailyCount.value))
            .where(DailyCount.key.in_(list(keys)), DailyCount.day >= first, DailyCount.day <= last))
    if prefix:
        stmt = stmt.where(DailyCount.region_code.startswith(prefix))
    return {(key, day): int(v) for key, day, v in session.execute(stmt.group_by(DailyCount.key, DailyCount.day))}


def month_of_days(session: Session, first: dt.date, following: dt.date) -> list[Row]:
    """The daily counters of [first, following) summed per key, region and department."""
    return [(key, region, int(dept), int(value)) for key, region, dept, value in session.execute(
        select(DailyCount.key, DailyCount.region_code, DailyCount.department_id, func.sum(DailyCount.value))
        .where(DailyCount.day >= first, DailyCount.day < following)
        .group_by(DailyCount.key, DailyCount.region_code, DailyCount.department_id))]


def baseline_figures(session: Session, key: str) -> dict[str, int]:
    return {code: int(v) for code, v in session.execute(
        select(Baseline.region_code, Baseline.value).where(Baseline.key == key))}


def all_baselines(session: Session) -> list[Baseline]:
    return list(session.scalars(select(Baseline).order_by(Baseline.region_code, Baseline.key)))


def publication_choices(session: Session) -> dict[str, bool]:
    return {code: bool(on) for code, on in session.execute(select(Publication.code, Publication.published))}
