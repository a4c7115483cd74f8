"""The hall's counters for the indicators (:mod:`yiwang.metrics`) and the operations screen: tickets per day and
hall region, and the queues now."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yiwang.hall.models import Hall, Ticket
from yiwang.hall.states import TicketStatus

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)


def counts(session: Session, day: dt.date) -> list[Row]:
    """``hall.tickets`` taken on ``day`` and ``hall.kiosk``, those taken at a self-service kiosk, per the hall's
    region (a ticket has no department)."""
    kiosk = func.coalesce(func.sum(case((Ticket.source == "kiosk", 1), else_=0)), 0)
    stmt = (select(Hall.region_code, func.count(), kiosk).join(Hall, Hall.id == Ticket.hall_id)
            .where(Ticket.day == day).group_by(Hall.region_code))
    out: list[Row] = []
    for region, n, n_kiosk in session.execute(stmt):
        out += [("hall.tickets", region, 0, int(n)), ("hall.kiosk", region, 0, int(n_kiosk))]
    return [row for row in out if row[3]]


def queues(session: Session, day: dt.date, *, region_prefix: str | None) -> list[dict[str, object]]:
    """Per active hall in the region subtree: tickets taken today, waiting now and being served now."""
    waiting = func.coalesce(func.sum(case((Ticket.status == TicketStatus.WAITING.value, 1), else_=0)), 0)
    serving = func.coalesce(func.sum(case((Ticket.status.in_([TicketStatus.CALLED.value,
                                                                TicketStatus.SERVING.value]), 1), else_=0)), 0)
    stmt = (select(Hall.code, Hall.name, func.count(Ticket.id), waiting, serving)
            .outerjoin(Ticket, (Ticket.hall_id == Hall.id) & (Ticket.day == day))
            .where(Hall.active.is_(True)).group_by(Hall.code, Hall.name).order_by(Hall.code))
    if region_prefix:
        stmt = stmt.where(Hall.region_code.startswith(region_prefix))
    return [{"code": code, "name": name, "taken": int(n), "waiting": int(w), "serving": int(s)}
            for code, name, n, w, s in session.execute(stmt)]
