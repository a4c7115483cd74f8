"""Every select() of the hotline's work orders. A caller sees the orders they filed; a unit's liaisons the orders
of their department; the centre's operators, supervisors and report readers the orders of their region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from yiwang.core.lifecycle import LifecycleEvent
from yiwang.core.permissions import Actor, ActorKind, Perm, region_prefix
from yiwang.hotline.models import HotlineTicket
from yiwang.hotline.states import SATISFIED, Action, Status


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


# --- the monthly figures (report.py) ----------------------------------------------------------------------------

REPORT_COUNTS = ("registered", "voided", "dispatched", "answered", "answered_on_time", "answered_returned",
                 "closed", "called_back", "satisfied", "overdue_open")


def report_counts(session: Session, actor: Actor, *, start: dt.datetime, end: dt.datetime,
                  overdue_before: dt.date) -> list[tuple[int | None, str, dict[str, int]]]:
    """(department id, channel, counts named as :data:`REPORT_COUNTS`) of the orders in ``actor``'s scope, for
    the month [start, end): one GROUP BY over the orders that have anything to report in it. The definitions are
    in :mod:`yiwang.hotline.report`."""
    t = HotlineTicket

    def within(col: Any) -> Any:
        return and_(col >= start, col < end)

    standing_answer = t.status.in_([Status.ANSWERED.value, Status.REVIEWED.value, Status.CLOSED.value])
    answered = and_(within(t.answered_at), standing_answer)
    closed = and_(within(t.closed_at), t.status == Status.CLOSED.value)
    called_back = and_(closed, t.satisfaction.is_not(None))
    # still with its unit at the month's end and past its deadline by then: not answered before the month ended
    # (an answer given later does not change a past month's figure); an answer sent back does not stand
    answered_by_end = and_(standing_answer, t.answered_at < end)
    overdue = and_(t.dispatched_at < end, t.deadline < overdue_before, ~answered_by_end,
                   t.status.notin_([Status.VOIDED.value, Status.RETURNED.value]))
    conditions = {
        "registered": within(t.created_at),
        "voided": and_(within(t.created_at), t.status == Status.VOIDED.value),
        "dispatched": within(t.dispatched_at),
        "answered": answered,
        "answered_on_time": and_(answered, t.on_time.is_(True)),
        "answered_returned": and_(answered, t.returned_count > 0),
        "closed": closed,
        "called_back": called_back,
        "satisfied": and_(called_back, t.satisfaction.in_(sorted(SATISFIED))),
        "overdue_open": overdue,
    }
    columns = [func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name) for name, cond in conditions.items()]
    stmt = (select(t.department_id, t.channel, *columns)
            .where(ticket_scope(actor), or_(within(t.created_at), within(t.dispatched_at), within(t.answered_at),
                                            within(t.closed_at), overdue))
            .group_by(t.department_id, t.channel))
    return [(row[0], str(row[1]), {name: int(row[i + 2]) for i, name in enumerate(conditions)})
            for row in session.execute(stmt)]


def report_returns(session: Session, actor: Actor, *, start: dt.datetime,
                   end: dt.datetime) -> list[tuple[int | None, str, int]]:
    """(department that returned, channel, count) of the returns (退回：非本单位职责) taken in [start, end) on
    orders in ``actor``'s scope: the unit is in the timeline entry, since the order leaves it on return."""
    returned_by = LifecycleEvent.data["department_id"].as_integer().label("department_id")
    events = (select(returned_by, HotlineTicket.channel.label("channel"))
              .select_from(LifecycleEvent)
              .join(HotlineTicket, HotlineTicket.ticket_no == LifecycleEvent.subject)
              .where(LifecycleEvent.kind == "hotline_ticket", LifecycleEvent.action == Action.RETURN.value,
                     LifecycleEvent.at >= start, LifecycleEvent.at < end, ticket_scope(actor))
              .subquery())
    return [(dept, str(channel), int(n)) for dept, channel, n in session.execute(
        select(events.c.department_id, events.c.channel, func.count())
        .group_by(events.c.department_id, events.c.channel))]
