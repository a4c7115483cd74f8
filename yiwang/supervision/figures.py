"""Supervision's figures for the operations screen: the cases lit yellow and red now."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yiwang.supervision.models import Alert


def lights(session: Session, *, region_prefix: str | None) -> dict[str, int]:
    """Cases with an open red light, and those with an open yellow light but no red one, in a region subtree
    (a joint case counts once, whichever branch is lit; hotline orders are not counted here)."""
    where = [Alert.region_code.startswith(region_prefix)] if region_prefix else []
    worst = func.max(case((Alert.level == "red", 2), (Alert.level == "yellow", 1), else_=0)).label("worst")
    per_case = (select(Alert.case_no, worst)
                .where(Alert.status == "open", Alert.subject != "hotline", Alert.level.in_(["yellow", "red"]), *where)
                .group_by(Alert.case_no).subquery())
    rows: dict[int, int] = {int(k): int(n) for k, n in session.execute(
        select(per_case.c.worst, func.count()).group_by(per_case.c.worst))}
    return {"red": int(rows.get(2, 0)), "yellow": int(rows.get(1, 0))}
