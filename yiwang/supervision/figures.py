"""Supervision's figures for the operations screen: the cases lit yellow and red now."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yiwang.supervision import lights as case_lights
from yiwang.supervision.models import Alert


def lights(session: Session, *, region_prefix: str | None) -> dict[str, int]:
    """Cases with a red light, and those with a yellow light but no red one, in a region subtree (a case counts
    once, whichever of its lights or its joint branches' lights is lit; hotline orders are not counted here).
    The case lights are derived from the clock; the branch lights are stored: a case whose stored light is worse
    than its derived one moves up."""
    c = case_lights.feed_columns()
    counts, _ = case_lights.worst_by_case(session, [c.region_code.startswith(region_prefix)] if region_prefix else [])
    where = [Alert.region_code.startswith(region_prefix)] if region_prefix else []
    worst = func.max(case((Alert.level == "red", 2), (Alert.level == "yellow", 1), else_=0))
    stored = {str(no): int(w) for no, w in session.execute(
        select(Alert.case_no, worst).where(Alert.status == "open", Alert.subject != "hotline",
                                           Alert.level.in_(["yellow", "red"]), *where).group_by(Alert.case_no))}
    if stored:
        _, derived = case_lights.worst_by_case(session, [], stored)
        for no, w in stored.items():
            was = derived.get(no, 0)
            if w > was:
                counts[w] += 1
                if was:
                    counts[was] -= 1
    return {"red": counts[2], "yellow": counts[1]}

