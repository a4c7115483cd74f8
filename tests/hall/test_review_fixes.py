"""Rules found by review: no ticket in a queue nobody calls, one ticket called to a window at a time, what a window
sees of a person, visits closed at the end of the day, limits on anonymous tickets, who sees a hall's queue, odd
digits, appointments past their time, a ticket's priority kept private, re-imports, the desk by region, and the
queue's positions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests import factories as f
from tests.catalog import factories as cf
from tests.hall import factories as hf
from yiwang.core import clock
from yiwang.core.db import session_factory
from yiwang.core.errors import NotFound, TooManyRequests, ValidationFailed
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import service as hall
from yiwang.hall.errors import CheckInClosed
from yiwang.hall.models import Ticket, Visit
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity
from yiwang.web.pagekit import shown_version


def test_no_ticket_goes_to_a_queue_whose_windows_list_other_items(session: Session) -> None:
    h = hf.build(session)
    other = cf.published(session, department="区卫生健康局", name="另一个事项")
    session.flush()
    with clock.frozen(hf.MONDAY):
        with pytest.raises(ValidationFailed) as err:
            hall.take_ticket(session, ANONYMOUS, h.code, item_code=other, window_type="专项")
        assert err.value.code == "no_window_for_item"
        t = hall.take_ticket(session, ANONYMOUS, h.code, item_code=other)  # to 综合, which lists no items
        assert t.window_type == "综合"
        hall.call_next(session, h.w.clerk, "H1-01")
        with pytest.raises(ValidationFailed) as err:
            hall.transfer(session, h.w.clerk, "H1-01", window_type="专项")
        assert err.value.code == "no_window_for_item"


def test_two_calls_at_one_window_at_once_leave_one_ticket_called(engine: Engine, session: Session) -> None:
    hf.build(session)
    with clock.frozen(hf.MONDAY):
        for _ in range(4):
            hall.take_ticket(session, ANONYMOUS, "H1")
    session.commit()
    errors: list[BaseException] = []

    def call() -> None:
        with session_factory(engine)() as s:
            clerk = identity.actor_for_staff(s, identity_repo.staff_by_login(s, "clerk"))
            try:
                hall.call_next(s, clerk, "H1-01")
                s.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                if "locked" not in str(exc) and "stale" not in str(exc).lower():
                    errors.append(exc)

    with clock.frozen(hf.MONDAY):
        threads = [threading.Thread(target=call) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    session.expire_all()
    at_window = session.scalars(select(Ticket.status).where(Ticket.window_id.is_not(None))).all()
    assert sorted(at_window).count("called") == 1


def test_a_visit_left_open_is_closed_at_the_end_of_the_day(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        visit = hall.serve(session, h.w.clerk, "H1-01")
    with clock.frozen(hf.MONDAY + dt.timedelta(days=1)):
        assert hall.sweep(session)["expired"] == 1
        with pytest.raises(NotFound):
            hall.identify(session, h.w.clerk, visit.visit_no, h.w.applicant_id)
    closed = session.scalars(select(Visit)).one()
    assert closed.finished_at is not None and closed.outcome is None


def test_anonymous_tickets_from_one_address_are_limited(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    h = hf.build(session)
    monkeypatch.setattr(hall, "ANONYMOUS_TICKETS_PER_CLIENT", 3)
    with clock.frozen(hf.MONDAY):
        for _ in range(3):
            hall.take_ticket(session, ANONYMOUS, h.code, source="phone", client="10.0.0.9")
        with pytest.raises(TooManyRequests):
            hall.take_ticket(session, ANONYMOUS, h.code, source="phone", client="10.0.0.9")
        hall.take_ticket(session, ANONYMOUS, h.code, source="kiosk", client="10.0.0.9")  # the kiosk is not limited
        hall.take_ticket(session, h.w.applicant, h.code, source="phone", client="10.0.0.9")  # nor a signed-in person


def test_only_hall_roles_of_the_region_see_its_queue(session: Session) -> None:
    h = hf.build(session)
    operator = f.staff(session, "op", ["hotline_operator"], "区政务服务数据管理局")
    proxy = f.staff(session, "px", ["proxy"], "区政务服务数据管理局")
    supervisor = f.staff(session, "sv", ["supervisor"], "区纪委监委")
    for someone in (operator, proxy):
        with pytest.raises(NotFound):
            hall.queue(session, someone, h.code)
    assert hall.queue(session, supervisor, h.code)[0].code == "H1"


def test_odd_digits_are_not_a_version() -> None:
    assert shown_version("²") is None and shown_version("12") == 12


def test_an_appointment_past_its_check_in_time_cannot_be_moved_or_cancelled(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        no = hall.book(session, h.w.applicant, hall_code="H1", day=dt.date(2026, 3, 3), start="10:00").appointment_no
    with clock.frozen(dt.datetime(2026, 3, 3, 2, 20, tzinfo=dt.UTC)):  # 10:20
        with pytest.raises(CheckInClosed) as err:
            hall.cancel_appointment(session, h.w.applicant, no)
        assert err.value.code == "appointment_past"
        with pytest.raises(CheckInClosed):
            hall.change_appointment(session, h.w.applicant, no, day=dt.date(2026, 3, 4), start="10:00")
        assert hall.sweep(session)["no_show"] == 1


def test_a_tickets_priority_and_item_are_shown_only_to_its_taker(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = hall.take_ticket(session, h.w.applicant, h.code, source="phone", priority="disabled", item_code=h.w.code)
        public = hall.find_ticket(session, h.code, t.ticket_no)
        assert (public.priority, public.item_code) == ("", None)
        assert hall.find_ticket(session, h.code, t.ticket_no, viewer=ANONYMOUS).priority == ""
        own = hall.find_ticket(session, h.code, t.ticket_no, viewer=h.w.applicant)
        assert (own.priority, own.item_code) == ("disabled", h.w.code)


def test_reimporting_keeps_a_busy_window_open_and_records_who_is_on_duty(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.clerk2, "H1-02")
        line = hf.line(windows=[{"code": "H1-01", "type": "综合", "staff": ["clerk", "clerk2"]}])
        report = hall.import_halls(session, SYSTEM, [("第 1 行", line)])
    assert "正在叫号或办理" in report.errors[0][1]
    admin = f.staff(session, "yx_admin", ["admin"], "区政务服务数据管理局")
    outsider_login = h.outsider.name.removesuffix("员")
    line = hf.line(special_items=[h.w.code])
    line["windows"][0]["staff"] = ["clerk", outsider_login]
    report = hall.import_halls(session, admin, [("第 1 行", line)])
    assert "不在您的管辖范围内" in report.errors[0][1]


def test_the_desk_goes_by_region_not_by_a_duty_elsewhere(session: Session) -> None:
    h = hf.build(session)
    line = hf.line(special_items=[h.w.code])
    line["windows"][1]["staff"] = [h.outsider.name.removesuffix("员")]  # a 天河 clerk on duty at a 越秀 window
    assert not hall.import_halls(session, SYSTEM, [("第 1 行", line)]).errors
    with clock.frozen(hf.MONDAY):
        t = hall.take_ticket(session, ANONYMOUS, h.code)
        assert hall.call_next(session, h.outsider, "H1-02").ticket_no == t.ticket_no  # their window: yes
        with pytest.raises(NotFound):
            hall.take_ticket(session, h.outsider, h.code, source="desk")  # the 越秀 desk: no


def test_queue_positions_match_each_tickets_own(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        for i in range(6):
            hall.take_ticket(session, ANONYMOUS, h.code, priority="elderly" if i == 3 else None,
                             window_type="一件事" if i == 4 else None)
        _, rows = hall.queue(session, h.w.clerk, h.code)
        for row in rows:
            own = hall.find_ticket(session, h.code, row.ticket_no)
            assert (row.position, row.estimated_wait_minutes) == (own.position, own.estimated_wait_minutes)
