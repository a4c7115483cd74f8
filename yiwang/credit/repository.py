"""Every select() on credit records, narrowed to the caller's scope where people read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, scope_clause
from yiwang.credit.models import CreditRecord


def scope(actor: Actor) -> Any:
    """Applicants: their own records; staff: their department's findings, supervisors their region's."""
    return scope_clause(actor, department_col=CreditRecord.department_id, region_col=CreditRecord.region_code,
                        owner_col=CreditRecord.subject)


def standing(session: Session, *, subject: str, kind: str, item_type: str, today: dt.date) -> CreditRecord | None:
    """The record that bars longest among those standing today for this subject, kind and item type."""
    return session.scalars(select(CreditRecord).where(
        CreditRecord.subject == subject, CreditRecord.kind == kind, CreditRecord.item_type == item_type,
        CreditRecord.starts_on <= today, CreditRecord.ends_on >= today)
        .order_by(CreditRecord.ends_on.desc(), CreditRecord.id.desc()).limit(1)).first()


def page(session: Session, actor: Actor, *, limit: int, offset: int) -> tuple[int, list[CreditRecord]]:
    where = scope(actor)
    total = int(session.scalar(select(func.count()).select_from(CreditRecord).where(where)) or 0)
    rows = session.scalars(select(CreditRecord).where(where)
                           .order_by(CreditRecord.recorded_at.desc(), CreditRecord.id.desc())
                           .limit(limit).offset(offset)).all()
    return total, list(rows)
