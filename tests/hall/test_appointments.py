"""Appointments as a clocked lifecycle: capacity per slot, cancel and change give places back, check-in turns the
appointment into a priority ticket, no-shows and the booking bar, reminders by SMS through the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hall import factories as hf
from yiwang.core import clock, outbox
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import IllegalTransition
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import service as hall
from yiwang.hall.errors import BookingBarred, SlotFull
from yiwang.hall.models import Appointment
from yiwang.jobs import register_all
from yiwang.notify.models import Message

TUESDAY = dt.date(2026, 3, 3)


def _capacity_one(session: Session) -> hf.Hall:
    h = hf.build(session)
    hall.import_halls(session, SYSTEM, [("第 1 行", hf.line(slot_capacity=1, special_items=[h.w.code]))])
    return h


def test_a_slot_takes_as_many_as_its_windows_times_the_capacity(session: Session) -> None:
    h = _capacity_one(session)  # two general windows × 1 = 2 places
    people = [f.person(session, name)[0] for name in ("甲", "乙", "丙")]
    with clock.frozen(hf.MONDAY):
        hall.book(session, people[0], hall_code="H1", day=TUESDAY, start="10:00")
        hall.book(session, people[1], hall_code="H1", day=TUESDAY, start="10:00")
        with pytest.raises(SlotFull):
            hall.book(session, people[2], hall_code="H1", day=TUESDAY, start="10:00")
        slot = next(s for s in hall.slots(session, "H1", TUESDAY, "综合") if s.start == "10:00")
        assert (slot.booked, slot.available) == (2, 0)
        mine = hall.my_appointments(session, people[0])[0]
        hall.cancel_appointment(session, people[0], mine.appointment_no)
        hall.book(session, people[2], hall_code="H1", day=TUESDAY, start="10:00")  # the place came back
        with pytest.raises(ValidationFailed) as err:
            hall.book(session, h.w.applicant, hall_code="H1", day=TUESDAY, start="10:10")
        assert err.value.code == "unknown_slot"
        with pytest.raises(ValidationFailed) as err:
            hall.book(session, h.w.applicant, hall_code="H1", day=TUESDAY + dt.timedelta(days=30), start="10:00")
        assert err.value.code == "date_out_of_range"
        with pytest.raises(PermissionDenied):
            hall.book(session, h.w.clerk, hall_code="H1", day=TUESDAY, start="10:00")


def test_three_no_shows_bar_booking_for_thirty_days(session: Session) -> None:
    h = hf.build(session)
    person = h.w.applicant
    days = [dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 5)]
    for day in days:
        with clock.frozen(hf.MONDAY):
            hall.book(session, person, hall_code="H1", day=day, start="10:00")
    with clock.frozen(dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC)):  # 11:00 on the third day
        assert hall.sweep(session)["no_show"] == 3
        with pytest.raises(BookingBarred) as err:
            hall.book(session, person, hall_code="H1", day=dt.date(2026, 3, 9), start="10:00")
    assert err.value.extra["until"] == "2026-04-04"
    assert set(session.scalars(select(Appointment.status))) == {"no_show"}
    with clock.frozen(dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)):  # the bar has lifted
        hall.book(session, person, hall_code="H1", day=dt.date(2026, 4, 7), start="10:00")


def test_an_appointment_is_not_a_no_show_before_its_check_in_time_ends(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.book(session, h.w.applicant, hall_code="H1", day=TUESDAY, start="10:00")
    with clock.frozen(dt.datetime(2026, 3, 3, 2, 10, tzinfo=dt.UTC)):  # 10:10: still within the quarter hour
        assert hall.sweep(session)["no_show"] == 0
    with clock.frozen(dt.datetime(2026, 3, 3, 2, 16, tzinfo=dt.UTC)):
        assert hall.sweep(session)["no_show"] == 1


def test_check_in_at_the_desk_gives_a_priority_ticket_once(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        no = hall.book(session, h.w.applicant, hall_code="H1", day=TUESDAY, start="10:00").appointment_no
    with clock.frozen(dt.datetime(2026, 3, 3, 1, 30, tzinfo=dt.UTC)):  # 09:30
        hall.take_ticket(session, ANONYMOUS, "H1")
        ticket = hall.check_in(session, h.w.clerk, no)  # the front desk checks them in
        assert ticket.priority == "appointment" and ticket.position == 0
        with pytest.raises(IllegalTransition):
            hall.check_in(session, h.w.applicant, no)
        assert hall.get_appointment(session, h.w.applicant, no).ticket_no == ticket.ticket_no
        with pytest.raises(NotFound):
            hall.check_in(session, h.outsider, no)  # another district's desk cannot find it


def test_booking_confirmation_and_the_day_before_reminder_are_sent(session: Session, engine) -> None:  # type: ignore[no-untyped-def]
    register_all()
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.book(session, h.w.applicant, hall_code="H1", day=TUESDAY, start="10:00")
        assert hall.send_reminders(session) == 1
        assert hall.send_reminders(session) == 0  # once
    session.commit()
    with clock.frozen(hf.MONDAY + dt.timedelta(minutes=1)):
        while outbox.run_once(engine):
            pass
    session.expire_all()
    titles = sorted(m.title for m in session.scalars(select(Message).where(Message.recipient == h.w.applicant.label)))
    assert titles == ["明天有预约", "预约成功"]


def test_a_reminder_is_not_sent_before_nine(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.book(session, h.w.applicant, hall_code="H1", day=TUESDAY, start="10:00")
    with clock.frozen(dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)):  # 08:30
        assert hall.send_reminders(session) == 0
