"""Every select() on post-check tasks: staff queries narrowed to the caller's scope (the deciding department;
region-wide roles such as supervisors their region subtree); the public listing reads only public columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, scope_clause
from yiwang.pledges.models import PledgeCheck
from yiwang.pledges.states import CheckStatus


def scope(actor: Actor) -> Any:
    return scope_clause(actor, department_col=PledgeCheck.department_id, region_col=PledgeCheck.region_code)


def by_case_no(session: Session, case_no: str) -> PledgeCheck | None:
    return session.scalars(select(PledgeCheck).where(PledgeCheck.case_no == case_no)).first()


def in_scope(session: Session, actor: Actor, check_id: int, *, lock: bool = False) -> PledgeCheck | None:
    stmt = select(PledgeCheck).where(PledgeCheck.id == check_id, scope(actor))
    # PostgreSQL: the row lock serialises two recorders; SQLite's single writer refuses the second instead
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def page(session: Session, actor: Actor, *, status: str | None, overdue_on: dt.date | None, q: str | None,
         limit: int, offset: int) -> tuple[int, list[PledgeCheck]]:
    """Pending tasks first by deadline, then those done, newest first."""
    stmt = select(PledgeCheck).where(scope(actor))
    if status:
        stmt = stmt.where(PledgeCheck.status == status)
    if overdue_on is not None:
        stmt = stmt.where(PledgeCheck.status == CheckStatus.PENDING.value, PledgeCheck.deadline < overdue_on)
    if q:
        stmt = stmt.where(or_(PledgeCheck.case_no == q, PledgeCheck.item_name.contains(q, autoescape=True)))
    return _counted(session, stmt, limit, offset, pending_first=True)


def without_deadline(session: Session, limit: int) -> list[PledgeCheck]:
    return list(session.scalars(select(PledgeCheck).where(PledgeCheck.status == CheckStatus.PENDING.value,
                                                          PledgeCheck.deadline.is_(None))
                                .order_by(PledgeCheck.id).limit(limit)))


def public_page(session: Session, *, q: str | None, department_id: int | None, limit: int, offset: int
                ) -> tuple[int, list[PledgeCheck]]:
    stmt = select(PledgeCheck)
    if q:
        stmt = stmt.where(or_(PledgeCheck.item_name.contains(q, autoescape=True), PledgeCheck.item_code == q))
    if department_id is not None:
        stmt = stmt.where(PledgeCheck.department_id == department_id)
    return _counted(session, stmt, limit, offset, pending_first=False)


def public_departments(session: Session) -> list[int]:
    return [int(d) for d in session.scalars(select(PledgeCheck.department_id).distinct())]


def _counted(session: Session, stmt: Select[Any], limit: int, offset: int, *, pending_first: bool
             ) -> tuple[int, list[PledgeCheck]]:
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    if pending_first:
        pending = sql_case((PledgeCheck.status == CheckStatus.PENDING.value, 0), else_=1)
        ordered = stmt.order_by(pending, sql_case((PledgeCheck.status == CheckStatus.PENDING.value,
                                                   PledgeCheck.deadline), else_=None),
                                PledgeCheck.checked_at.desc(), PledgeCheck.id.desc())
    else:
        ordered = stmt.order_by(PledgeCheck.decided_on.desc(), PledgeCheck.id.desc())
    return total, list(session.scalars(ordered.limit(limit).offset(offset)))
