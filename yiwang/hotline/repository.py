"""Every select() of the hotline's work orders. A caller sees the orders they filed; a unit's liaisons the orders
of their department; the centre's operators, supervisors and report readers the orders of their region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, ActorKind, Perm, region_prefix
from yiwang.hotline.models import HotlineTicket


def ticket_scope(actor: Actor) -> Any:
    if actor.kind is ActorKind.SYSTEM:
        return true()
    if actor.is_applicant:
        return HotlineTicket.owner == actor.label
    if not actor.is_staff:
        return false()
    clauses: list[Any] = []
    centre = (actor.can(Perm.HOTLINE_TICKET) or actor.can(Perm.HOTLINE_REPORT)
              or actor.can(Perm.SUPERVISION_READ))
    if centre and actor.region_scoped and actor.region_code:
        clauses.append(HotlineTicket.region_code.startswith(region_prefix(actor.region_code)))
    if actor.can(Perm.HOTLINE_HANDLE) and actor.department_id is not None:
        clauses.append(HotlineTicket.department_id == actor.department_id)
    return or_(*clauses) if clauses else false()


def ticket_in_scope(session: Session, actor: Actor, ticket_no: str, *, lock: bool = False) -> HotlineTicket | None:
    stmt = select(HotlineTicket).where(HotlineTicket.ticket_no == ticket_no, ticket_scope(actor))
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()
