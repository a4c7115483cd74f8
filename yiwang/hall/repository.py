"""Every select() of the hall domain. Staff read a hall when their region covers it (region-scoped roles) or when
they are on duty at one of its windows; the public reads only the calling board and slot availability."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, ActorKind, Perm, region_prefix
from yiwang.hall.models import Appointment, Hall, HallWindow, Slot, Ticket, TicketCounter, Visit, WindowStaff
from yiwang.hall.states import AppointmentStatus, TicketStatus


def hall_scope(actor: Actor) -> Any:
    """Halls ``actor`` may see the queue of: the region subtree of the hall roles (window clerks, supervisors,
    administrators — not a region's proxies, hotline operators or data officers), and every hall where they staff a
    window."""
    if actor.kind is ActorKind.SYSTEM:
        return Hall.id.is_not(None)
    if not actor.is_staff:
        return Hall.id.is_(None)
    on_duty = select(HallWindow.hall_id).join(WindowStaff, WindowStaff.window_id == HallWindow.id).where(
        WindowStaff.staff_id == actor.id)
    clauses: list[Any] = [Hall.id.in_(on_duty)]
    hall_roles = actor.can(Perm.HALL_DESK) or actor.can(Perm.HALL_REPORT) or actor.can(Perm.HALL_MANAGE)
    if actor.region_scoped and actor.region_code and hall_roles:
        clauses.append(Hall.region_code.startswith(region_prefix(actor.region_code)))
    return or_(*clauses)


def hall_by_code(session: Session, code: str) -> Hall | None:
    return session.scalars(select(Hall).where(Hall.code == code)).first()


def hall_in_scope(session: Session, actor: Actor, code: str) -> Hall | None:
    return session.scalars(select(Hall).where(Hall.code == code, hall_scope(actor))).first()


def halls_in_scope(session: Session, actor: Actor) -> list[Hall]:
    return list(session.scalars(select(Hall).where(hall_scope(actor)).order_by(Hall.region_code, Hall.code)))


def all_halls(session: Session) -> list[Hall]:
    return list(session.scalars(select(Hall).where(Hall.active.is_(True)).order_by(Hall.region_code, Hall.code)))


def window_by_code(session: Session, code: str) -> HallWindow | None:
    return session.scalars(select(HallWindow).where(HallWindow.code == code)).first()


def windows_of(session: Session, hall_id: int, *, active_only: bool = True) -> list[HallWindow]:
    stmt = select(HallWindow).where(HallWindow.hall_id == hall_id)
    if active_only:
        stmt = stmt.where(HallWindow.active.is_(True))
    return list(session.scalars(stmt.order_by(HallWindow.code)))


def staff_of_windows(session: Session, window_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in window_ids}
    if window_ids:
        for w, s in session.execute(select(WindowStaff.window_id, WindowStaff.staff_id)
                                    .where(WindowStaff.window_id.in_(window_ids))):
            out[w].append(s)
    return out


def on_duty(session: Session, window_id: int, staff_id: int | None) -> bool:
    if staff_id is None:
        return False
    return session.get(WindowStaff, (window_id, staff_id)) is not None


def windows_of_staff(session: Session, staff_id: int) -> list[HallWindow]:
    return list(session.scalars(select(HallWindow).join(WindowStaff, WindowStaff.window_id == HallWindow.id)
                                .where(WindowStaff.staff_id == staff_id, HallWindow.active.is_(True))
                                .order_by(HallWindow.code)))


def next_seq(session: Session, hall_id: int, day: dt.date) -> int:
    """The hall's next ticket number of the day, taken with one INSERT … ON CONFLICT DO UPDATE … RETURNING."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    t: Any = TicketCounter.__table__
    upsert = insert(t).values(hall_id=hall_id, day=day, n=1)
    returning = upsert.on_conflict_do_update(index_elements=[t.c.hall_id, t.c.day],
                                             set_={"n": t.c.n + 1}).returning(t.c.n)
    return int(session.execute(returning).scalar_one())


def _queue(hall_id: int, day: dt.date, window_type: str) -> Any:
    return and_(Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == TicketStatus.WAITING.value,
                Ticket.window_type == window_type)


def next_waiting(session: Session, window: HallWindow, day: dt.date) -> Ticket | None:
    """The ticket this window calls next: highest priority, then the longest in the queue; a window that serves
    listed items takes those items' tickets and tickets naming no item. Locked (PostgreSQL: SKIP LOCKED, so 50
    windows calling at once each get a different ticket; SQLite: the caller holds the write lock)."""
    stmt = select(Ticket).where(_queue(window.hall_id, day, window.type))
    if window.item_codes:
        stmt = stmt.where(or_(Ticket.item_code.is_(None), Ticket.item_code.in_(list(window.item_codes))))
    stmt = stmt.order_by(Ticket.priority.desc(), Ticket.queued_at, Ticket.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    else:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def ahead_of(session: Session, ticket: Ticket) -> int:
    """Waiting tickets of the same queue a window would call before this one."""
    return int(session.scalar(select(func.count()).select_from(Ticket).where(
        _queue(ticket.hall_id, ticket.day, ticket.window_type),
        or_(Ticket.priority > ticket.priority,
            and_(Ticket.priority == ticket.priority,
                 or_(Ticket.queued_at < ticket.queued_at,
                     and_(Ticket.queued_at == ticket.queued_at, Ticket.id < ticket.id)))))) or 0)


def waiting_counts(session: Session, hall_id: int, day: dt.date) -> dict[str, int]:
    rows = session.execute(select(Ticket.window_type, func.count()).where(
        Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == TicketStatus.WAITING.value)
        .group_by(Ticket.window_type))
    return {t: int(n) for t, n in rows}


def mean_service_seconds(session: Session, hall_id: int, day: dt.date, window_type: str, limit: int = 30
                         ) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    """(served_at, finished_at) of the latest finished tickets of a queue today: the estimate learns from them."""
    return [(a, b) for a, b in session.execute(
        select(Ticket.served_at, Ticket.finished_at).where(
            Ticket.hall_id == hall_id, Ticket.day == day, Ticket.window_type == window_type,
            Ticket.status == TicketStatus.DONE.value, Ticket.served_at.is_not(None))
        .order_by(Ticket.finished_at.desc()).limit(limit))]


def ticket(session: Session, hall_id: int, day: dt.date, ticket_no: str, *, lock: bool = False) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.hall_id == hall_id, Ticket.day == day, Ticket.ticket_no == ticket_no)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def ticket_by_id(session: Session, ticket_id: int, *, lock: bool = False) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def current_at_window(session: Session, window_id: int, day: dt.date) -> list[Ticket]:
    """The window's called or serving tickets today (at most one of each, normally)."""
    return list(session.scalars(select(Ticket).where(
        Ticket.window_id == window_id, Ticket.day == day,
        Ticket.status.in_((TicketStatus.CALLED.value, TicketStatus.SERVING.value)))
        .order_by(Ticket.called_at.desc())))


def recent_calls(session: Session, hall_id: int, day: dt.date, limit: int) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(
        Ticket.hall_id == hall_id, Ticket.day == day, Ticket.called_at.is_not(None),
        Ticket.status.in_((TicketStatus.CALLED.value, TicketStatus.SERVING.value)))
        .order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(limit)))


def queue_page(session: Session, hall_id: int, day: dt.date, *, statuses: Sequence[str], limit: int) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.hall_id == hall_id, Ticket.day == day,
                                                     Ticket.status.in_(statuses))
                                .order_by(Ticket.window_type, Ticket.priority.desc(), Ticket.queued_at, Ticket.id)
                                .limit(limit)))


def tickets_of_applicant(session: Session, applicant: str, day: dt.date) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.applicant == applicant, Ticket.day == day)
                                .order_by(Ticket.id.desc())))


def open_tickets_before(session: Session, day: dt.date, limit: int) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(
        Ticket.day < day, Ticket.status.in_((TicketStatus.WAITING.value, TicketStatus.CALLED.value,
                                              TicketStatus.SKIPPED.value, TicketStatus.SERVING.value)))
        .order_by(Ticket.id).limit(limit)))


def day_tickets(session: Session, hall_id: int, day: dt.date) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.hall_id == hall_id, Ticket.day == day)))


# --- appointments ---------------------------------------------------------------------------------------------

def slot(session: Session, hall_id: int, window_type: str, day: dt.date, start: str) -> Slot | None:
    return session.scalars(select(Slot).where(Slot.hall_id == hall_id, Slot.window_type == window_type,
                                              Slot.day == day, Slot.start == start)).first()


def ensure_slot(session: Session, hall_id: int, window_type: str, day: dt.date, start: str, end: str,
                capacity: int) -> int:
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    t: Any = Slot.__table__
    session.execute(insert(t).values(hall_id=hall_id, window_type=window_type, day=day, start=start, end=end,
                                     capacity=capacity, booked=0)
                    .on_conflict_do_nothing(index_elements=[t.c.hall_id, t.c.window_type, t.c.day, t.c.start]))
    found = slot(session, hall_id, window_type, day, start)
    assert found is not None
    return found.id


def take_place(session: Session, slot_id: int, capacity: int) -> bool:
    """One place in the slot, if any is left: a conditional UPDATE, so concurrent bookings never overfill it."""
    t: Any = Slot.__table__
    done = session.execute(update(t).where(t.c.id == slot_id, t.c.booked < capacity)
                           .values(booked=t.c.booked + 1, capacity=capacity).returning(t.c.id)).first()
    return done is not None


def give_place(session: Session, slot_id: int) -> None:
    t: Any = Slot.__table__
    session.execute(update(t).where(t.c.id == slot_id, t.c.booked > 0).values(booked=t.c.booked - 1))


def slots_of_day(session: Session, hall_id: int, day: dt.date) -> dict[tuple[str, str], Slot]:
    return {(s.window_type, s.start): s for s in session.scalars(
        select(Slot).where(Slot.hall_id == hall_id, Slot.day == day))}


def appointment(session: Session, appointment_no: str, *, lock: bool = False) -> Appointment | None:
    stmt = select(Appointment).where(Appointment.appointment_no == appointment_no)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def appointments_of(session: Session, applicant: str, *, limit: int = 50) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.applicant == applicant)
                                .order_by(Appointment.day.desc(), Appointment.start.desc()).limit(limit)))


def booked_on(session: Session, applicant: str, hall_id: int, day: dt.date) -> Appointment | None:
    return session.scalars(select(Appointment).where(
        Appointment.applicant == applicant, Appointment.hall_id == hall_id, Appointment.day == day,
        Appointment.status == AppointmentStatus.BOOKED.value)).first()


def no_shows_since(session: Session, applicant: str, since: dt.date) -> list[dt.date]:
    return list(session.scalars(select(Appointment.day).where(
        Appointment.applicant == applicant, Appointment.status == AppointmentStatus.NO_SHOW.value,
        Appointment.day >= since).order_by(Appointment.day)))


def booked_until(session: Session, before_day: dt.date, limit: int) -> list[Appointment]:
    """Booked appointments of days before ``before_day`` (no-show candidates), plus today's to be checked by time."""
    return list(session.scalars(select(Appointment).where(
        Appointment.status == AppointmentStatus.BOOKED.value, Appointment.day <= before_day)
        .order_by(Appointment.id).limit(limit)))


def to_remind(session: Session, day: dt.date, limit: int) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(
        Appointment.status == AppointmentStatus.BOOKED.value, Appointment.day == day,
        Appointment.reminded.is_(False)).order_by(Appointment.id).limit(limit)))


def day_appointments(session: Session, hall_id: int, day: dt.date) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.hall_id == hall_id, Appointment.day == day)))


def hall_appointments(session: Session, hall_id: int, day: dt.date) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.hall_id == hall_id, Appointment.day == day)
                                .order_by(Appointment.start, Appointment.id)))


# --- visits ---------------------------------------------------------------------------------------------------

def visit_of_ticket(session: Session, ticket_id: int) -> Visit | None:
    return session.scalars(select(Visit).where(Visit.ticket_id == ticket_id)).first()


def visit(session: Session, visit_no: str, *, lock: bool = False) -> Visit | None:
    stmt = select(Visit).where(Visit.visit_no == visit_no)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def last_finished_visit(session: Session, window_id: int, since: dt.datetime) -> Visit | None:
    return session.scalars(select(Visit).where(Visit.window_id == window_id, Visit.finished_at.is_not(None),
                                               Visit.finished_at >= since)
                           .order_by(Visit.finished_at.desc()).limit(1)).first()


def day_visits(session: Session, hall_id: int, day: dt.date) -> list[Visit]:
    return list(session.scalars(select(Visit).where(Visit.hall_id == hall_id, Visit.day == day)))


# --- daily report (branch hall-report-bench) -------------------------------------------------------------------

def report_ticket_counts(session: Session, hall_id: int, day: dt.date) -> list[tuple[str, str, str, int]]:
    """(first letter of the ticket number — the queue it was taken for —, current window type, status, count) of
    a hall's tickets of a day, counted in SQL."""
    first = func.substr(Ticket.ticket_no, 1, 1)
    return [(str(a), str(b), str(c), int(n)) for a, b, c, n in session.execute(
        select(first, Ticket.window_type, Ticket.status, func.count())
        .where(Ticket.hall_id == hall_id, Ticket.day == day)
        .group_by(first, Ticket.window_type, Ticket.status))]


def report_service_times(session: Session, hall_id: int, day: dt.date) -> list[tuple[str, float]]:
    """(window type, seconds from serve to finish) of a hall's finished tickets of a day."""
    return [(wtype, (b - a).total_seconds()) for wtype, a, b in session.execute(
        select(Ticket.window_type, Ticket.served_at, Ticket.finished_at).where(
            Ticket.hall_id == hall_id, Ticket.day == day, Ticket.status == TicketStatus.DONE.value,
            Ticket.served_at.is_not(None), Ticket.finished_at.is_not(None))) if a is not None and b is not None]


def report_ticket_starts(session: Session, hall_id: int, day: dt.date) -> dict[str, dt.datetime]:
    """ticket number → taken_at of a hall's tickets of a day."""
    return {no: at for no, at in session.execute(
        select(Ticket.ticket_no, Ticket.taken_at).where(Ticket.hall_id == hall_id, Ticket.day == day))}


def report_ticket_events(session: Session, hall_id: int, day: dt.date
                         ) -> list[tuple[str, str, dt.datetime, dict[str, Any]]]:
    """(ticket number, action, at, data) of every action on a hall's tickets of a day, in order (the tickets'
    timeline, read by its subject prefix)."""
    from yiwang.core.lifecycle import LifecycleEvent

    prefix = f"{hall_id}/{day.isoformat()}/"
    rows = session.execute(select(LifecycleEvent.subject, LifecycleEvent.action, LifecycleEvent.at,
                                  LifecycleEvent.data)
                           .where(LifecycleEvent.kind == "hall_ticket", LifecycleEvent.subject.startswith(prefix))
                           .order_by(LifecycleEvent.subject, LifecycleEvent.seq, LifecycleEvent.id))
    return [(subject[len(prefix):], action, at, data or {}) for subject, action, at, data in rows]


def report_visit_counts(session: Session, hall_id: int, day: dt.date) -> list[tuple[str, str | None, int]]:
    """(window type, outcome, count) of a hall's visits of a day."""
    return [(str(t), o, int(n)) for t, o, n in session.execute(
        select(Visit.window_type, Visit.outcome, func.count()).where(Visit.hall_id == hall_id, Visit.day == day)
        .group_by(Visit.window_type, Visit.outcome))]


def report_rated_visits(session: Session, hall_id: int, day: dt.date) -> list[tuple[str, str]]:
    """(visit number, window type) of a hall's rated visits of a day."""
    return [(no, t) for no, t in session.execute(
        select(Visit.visit_no, Visit.window_type).where(Visit.hall_id == hall_id, Visit.day == day,
                                                        Visit.rated.is_(True)))]


def report_appointment_counts(session: Session, hall_id: int, day: dt.date) -> list[tuple[str, str, int]]:
    """(window type, status, count) of a hall's appointments for a day."""
    return [(str(t), str(s), int(n)) for t, s, n in session.execute(
        select(Appointment.window_type, Appointment.status, func.count())
        .where(Appointment.hall_id == hall_id, Appointment.day == day)
        .group_by(Appointment.window_type, Appointment.status))]


def window_on_duty(session: Session, code: str, staff_id: int | None, *, lock: bool = False
                   ) -> tuple[HallWindow, Hall, bool] | None:
    """A window by its code with its hall and whether ``staff_id`` is on duty there, in one round trip (every
    action at a window starts with it: calling is on the hot path). With ``lock`` the window's row is locked for
    the transaction (PostgreSQL: ``FOR UPDATE OF hall_window``; SQLite: the write lock), so two actions at one
    window — two clerks, a double click — run one after the other."""
    duty = select(WindowStaff.window_id).where(WindowStaff.window_id == HallWindow.id,
                                               WindowStaff.staff_id == (staff_id if staff_id is not None else -1))
    stmt = select(HallWindow, Hall, duty.exists()).join(Hall, Hall.id == HallWindow.hall_id).where(
        HallWindow.code == code)
    if lock:
        stmt = stmt.with_for_update(of=HallWindow)
    found = session.execute(stmt).first()
    return None if found is None else (found[0], found[1], bool(found[2]))
