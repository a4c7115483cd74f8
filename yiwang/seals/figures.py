"""The seals' counter for the indicators (:mod:`yiwang.metrics`): electronic seals in use (电子印章归集量)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yiwang.seals.models import Seal


def active(session: Session, at: dt.datetime) -> list[tuple[int, int]]:
    """(department id, seals made before ``at`` and not revoked by then) per department."""
    stmt = (select(Seal.department_id, func.count()).where(
        Seal.created_at < at, or_(Seal.revoked_at.is_(None), Seal.revoked_at >= at)).group_by(Seal.department_id))
    return [(int(dept), int(n)) for dept, n in session.execute(stmt)]
