"""The service hall (政务服务大厅): halls in the region tree, their windows and the staff on duty, queue tickets,
appointment slots and appointments, and the visits the windows register (来办事要有登记)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class Hall(Base):
    """A service hall: the county centre, a township's centre or a village service room (by its region's level)."""

    __tablename__ = "hall"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    opens: Mapped[str] = mapped_column(String(5), default="09:00")  # on working days of the calendar
    closes: Mapped[str] = mapped_column(String(5), default="17:00")
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)  # appointment slot length
    slot_capacity: Mapped[int] = mapped_column(Integer, default=2)  # appointments per window per slot
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class HallWindow(Base):
    """A window of a hall: its type, the items it serves (none listed: every item of its type) and its staff."""

    __tablename__ = "hall_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(12))  # 综合 | 投资项目 | 专项 | 一件事 | 帮办代办
    item_codes: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the window-side rating tablet proves itself with this key (its SHA-256 is stored)
    terminal_key_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]


class WindowStaff(Base):
    """Who works at a window (on duty while the window is open)."""

    __tablename__ = "hall_window_staff"

    window_id: Mapped[int] = mapped_column(ForeignKey("hall_window.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)


class TicketCounter(Base):
    """The next ticket number of a hall on a day: one row, incremented with INSERT … ON CONFLICT … RETURNING, so
    numbers are unique per hall and day however many kiosks take tickets at once."""

    __tablename__ = "hall_ticket_counter"

    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    """A queue ticket (排队号): waiting → called → serving → done, or skipped, transferred back to waiting,
    cancelled or expired at the end of the day. A clocked lifecycle: taken_at, called_at, served_at, finished_at."""

    __tablename__ = "hall_ticket"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    ticket_no: Mapped[str] = mapped_column(String(12))
    window_type: Mapped[str] = mapped_column(String(12))
    item_code: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 normal, 1 appointment, 2 elderly / disabled
    priority_reason: Mapped[str | None] = mapped_column(String(12))  # elderly | disabled | appointment
    source: Mapped[str] = mapped_column(String(12))  # kiosk | phone | desk | api | appointment
    status: Mapped[str] = mapped_column(String(12))
    applicant: Mapped[str | None] = mapped_column(String(64))  # actor label when taken signed in
    appointment_id: Mapped[int | None] = mapped_column(BigId)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("hall_window.id"))
    called_by: Mapped[int | None] = mapped_column(Integer)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    taken_at: Mapped[dt.datetime]
    queued_at: Mapped[dt.datetime]  # taken_at, or the moment of the last transfer (its place in the new queue)
    called_at: Mapped[dt.datetime | None]
    served_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    last_action_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("hall_id", "day", "seq", name="uq_hall_ticket_seq"),
        Index("ix_hall_ticket_queue", "hall_id", "day", "status", "window_type", "priority", "queued_at"),
        Index("ix_hall_ticket_applicant", "applicant", "day"),
    )


class Slot(Base):
    """An appointment slot of a hall for a window type on a working day, with its capacity and bookings."""

    __tablename__ = "hall_slot"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    window_type: Mapped[str] = mapped_column(String(12))
    day: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("hall_id", "window_type", "day", "start", name="uq_hall_slot"),)


class Appointment(Base):
    """An appointment (预约): booked → checked in (its ticket has appointment priority), or cancelled, or a
    no-show once its slot has passed."""

    __tablename__ = "hall_appointment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    appointment_no: Mapped[str] = mapped_column(String(24), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    slot_id: Mapped[int] = mapped_column(BigId)
    window_type: Mapped[str] = mapped_column(String(12))
    item_code: Mapped[str | None] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    applicant: Mapped[str] = mapped_column(String(64))
    applicant_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    last_action_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_hall_appointment_day", "hall_id", "day", "status"),
        Index("ix_hall_appointment_applicant", "applicant", "day"),
        # one booked appointment per person, hall and day, even when two bookings race
        Index("uq_hall_appointment_booked", "applicant", "hall_id", "day", unique=True,
              sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'")),
    )


class Visit(Base):
    """One person's visit to a window (来办事要有登记): who first served it (首问负责) — named on the visit until it
    is handed over — who is responsible now, the person if identified, and the outcome."""

    __tablename__ = "hall_visit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    visit_no: Mapped[str] = mapped_column(String(24), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    ticket_id: Mapped[int | None] = mapped_column(BigId, unique=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("hall_window.id"))
    window_type: Mapped[str] = mapped_column(String(12))
    first_staff_id: Mapped[int] = mapped_column(Integer)
    first_staff_name: Mapped[str] = mapped_column(String(200))
    responsible_staff_id: Mapped[int] = mapped_column(Integer)
    responsible_staff_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))  # the responsible staff's
    handovers: Mapped[list[Any]]
    person: Mapped[str | None] = mapped_column(String(64))  # actor label once identified
    person_name: Mapped[str | None] = mapped_column(String(200))
    item_code: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(12))  # concluded | intake | consult | correction
    case_no: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    day: Mapped[dt.date] = mapped_column(Date)
    rated: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_hall_visit_day", "hall_id", "day"),
                      Index("ix_hall_visit_window", "window_id", "finished_at"))
