"""The hall's public pages: the halls, 手机取号 and a ticket's page, appointments (book, change, cancel, check in)
with their Chinese refusals, and the window-side rating tablet."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hall import factories as hf
from tests.web.helpers import applicant_login, csrf, csrf_of
from yiwang.core import clock
from yiwang.core.permissions import SYSTEM
from yiwang.evaluation.models import Rectification
from yiwang.hall import service as hall

KEY = "tablet-key-of-h1-01"
TUESDAY = dt.date(2026, 3, 3)


def _setup(session: Session) -> hf.Hall:
    h = hf.build(session)
    hall.set_terminal_key(session, SYSTEM, "H1-01", KEY)
    session.commit()
    return h


def _take(client: TestClient, what: str = "type:综合", priority: str = "normal") -> tuple[int, str]:
    r = client.post("/hall/H1/tickets", data={"what": what, "priority": priority,
                                              "csrf_token": csrf(client, "/hall/H1")}, follow_redirects=False)
    return r.status_code, r.headers.get("location", "") if r.status_code == 303 else r.text


def test_the_halls_page_lists_hours_queues_and_links(session: Session, client: TestClient) -> None:
    _setup(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, SYSTEM, "H1", window_type="综合")
        session.commit()
        page = client.get("/hall")
    assert page.status_code == 200
    text = page.text
    assert "越秀区政务服务中心" in text and "工作日 09:00–17:00" in text and "办公中" in text
    assert "综合窗口" in text and "1 人" in text
    assert 'href="/hall/H1"' in text or 'href="/hall/H1#take"' in text
    assert 'href="/hall/H1/appointments/new"' in text
    home = client.get("/")
    assert 'href="/hall"' in home.text


def test_an_anonymous_phone_ticket_and_its_page(session: Session, client: TestClient) -> None:
    h = _setup(session)
    with clock.frozen(hf.MONDAY):
        page = client.get("/hall/H1")
        assert page.status_code == 200
        assert "手机取号" in page.text and "预约办事" in page.text and "老年人优先" in page.text
        assert f'value="item:{h.w.code}"' in page.text  # the special window's item is offered
        status, where = _take(client)
        assert status == 303 and where == "/hall/H1/tickets/A001", where
        status, second = _take(client, f"item:{h.w.code}", "elderly")
        assert status == 303 and second == "/hall/H1/tickets/C002"
        status, third = _take(client)
        ticket = client.get(third)
        assert ticket.status_code == 200
        assert "A003" in ticket.text and "等候中" in ticket.text and "前面还有 <strong>1</strong> 人" in ticket.text
        assert "预计等候约" in ticket.text
        assert ticket.headers["refresh"] == "20"
        assert "refresh" not in client.get(third + "?auto=0").headers
        assert "取消这个号" not in ticket.text  # an anonymous ticket is nobody's to cancel
        # what the phone ticket is in the record: source phone, no applicant
        found = hall.find_ticket(session, "H1", "A003")
        assert found.position == 1
        # refusals on the form, in Chinese
        status, body = _take(client, "type:投资项目")
        assert status == 422 and "本大厅没有投资项目窗口" in body
        status, body = _take(client, "")
        assert status == 422 and "请选择要办理的业务" in body
        status, body = _take(client, "type:综合", "appointment")
        assert status == 422 and "优先" in body
        missing = client.get("/hall/H1/tickets/Z999")
        assert missing.status_code == 404 and "今天没有这个号" in missing.text
        assert client.get("/hall/NOPE").status_code == 404
        bad = client.post("/hall/H1/tickets", data={"what": "type:综合", "csrf_token": "forged"})
        assert bad.status_code == 403


def test_a_signed_in_persons_tickets_are_listed_and_cancellable(session: Session, client: TestClient) -> None:
    h = _setup(session)
    applicant_login(client, h.w.applicant_id)
    with clock.frozen(hf.MONDAY):
        status, where = _take(client)
        assert status == 303
        page = client.get("/hall/H1")
        assert "我今天的号" in page.text and "A001" in page.text
        ticket = client.get(where)
        assert "取消这个号" in ticket.text
        r = client.post(where + "/cancel", data={"csrf_token": csrf_of(ticket.text)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/hall/H1?done=ticket_cancelled"
        after = client.get(r.headers["location"])
        assert "已取消该号" in after.text and "已取消" in after.text
        assert hall.find_ticket(session, "H1", "A001").status == "cancelled"
        # someone else's ticket cannot be cancelled from the page
        hall.take_ticket(session, SYSTEM, "H1", window_type="综合")
        session.commit()
        r = client.post("/hall/H1/tickets/A002/cancel", data={"csrf_token": csrf_of(after.text)})
        assert r.status_code == 404
        assert hall.find_ticket(session, "H1", "A002").status == "waiting"


def _appointment_no(location: str) -> str:
    m = re.match(r"/hall/appointments/([^?]+)\?done=booked", location)
    assert m, location
    return m.group(1)


def test_book_change_cancel_and_check_in_through_the_pages(session: Session, client: TestClient) -> None:
    h = _setup(session)
    assert client.get("/hall/H1/appointments/new", follow_redirects=False).status_code == 303  # login first
    applicant_login(client, h.w.applicant_id)
    with clock.frozen(hf.MONDAY):
        form = client.get("/hall/H1/appointments/new")
        assert form.status_code == 200
        assert "03-03 周二" in form.text and "03-07" not in form.text  # working days only
        day = client.get("/hall/H1/appointments/new", params={"date": TUESDAY.isoformat(), "window_type": "综合"})
        assert 'value="09:00"' in day.text and "余 4 个" in day.text
        token = csrf_of(day.text)
        r = client.post("/hall/H1/appointments", data={"date": TUESDAY.isoformat(), "start": "09:00",
                                                       "window_type": "综合", "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        no = _appointment_no(r.headers["location"])
        shown = client.get(r.headers["location"])
        assert "预约成功" in shown.text and "09:00–09:30" in shown.text and "已预约" in shown.text
        # a second booking the same day is refused in Chinese
        again = client.post("/hall/H1/appointments", data={"date": TUESDAY.isoformat(), "start": "10:00",
                                                           "window_type": "综合", "csrf_token": token})
        assert again.status_code == 409 and "您在该日已预约本大厅" in again.text
        # checking in a day early: the error's Chinese message
        early = client.post(f"/hall/appointments/{no}/check-in", data={"csrf_token": token})
        assert early.status_code == 409 and "尚未到签到时间" in early.text
        # change to another slot of that day
        change_form = client.get(f"/hall/appointments/{no}", params={"date": TUESDAY.isoformat()})
        assert "改约" in change_form.text and 'value="11:00"' in change_form.text
        version = re.search(r'name="version" value="(\d+)"', change_form.text)
        assert version
        r = client.post(f"/hall/appointments/{no}/change",
                        data={"date": TUESDAY.isoformat(), "start": "11:00", "version": version.group(1),
                              "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and "done=changed" in r.headers["location"]
        assert "11:00–11:30" in client.get(r.headers["location"]).text
        stale = client.post(f"/hall/appointments/{no}/change",
                            data={"date": TUESDAY.isoformat(), "start": "14:00", "version": version.group(1),
                                  "csrf_token": token})
        assert stale.status_code == 409  # the page was out of date
        mine = client.get("/hall/appointments")
        assert no in mine.text and "签到" in mine.text and "改约" in mine.text and "取消" in mine.text
    # on the day, within the window: check in → the ticket page
    with clock.frozen(dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.UTC)):  # 10:30 local
        r = client.post(f"/hall/appointments/{no}/check-in", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.text
        ticket = client.get(r.headers["location"])
        assert ticket.status_code == 200 and "预约" in ticket.text
        assert "已签到" in client.get("/hall/appointments").text
    # book again and cancel from the list
    with clock.frozen(hf.MONDAY):
        r = client.post("/hall/H1/appointments", data={"date": "2026-03-04", "start": "09:30",
                                                       "window_type": "综合", "csrf_token": token},
                        follow_redirects=False)
        other = _appointment_no(r.headers["location"])
        r = client.post(f"/hall/appointments/{other}/cancel", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/hall/appointments?done=cancelled"
        assert "预约已取消" in client.get(r.headers["location"]).text
        gone = client.post(f"/hall/appointments/{other}/cancel", data={"csrf_token": token})
        assert gone.status_code == 409  # a cancelled appointment cannot be cancelled again
        assert client.get("/hall/appointments/Y000").status_code == 404
    # another person sees none of it
    stranger, _ = hf.f.person(session)
    session.commit()
    with clock.frozen(hf.MONDAY):
        theirs = hall.book(session, stranger, hall_code="H1", day=TUESDAY, start="15:00")
        session.commit()
        assert client.get(f"/hall/appointments/{theirs.appointment_no}").status_code == 404
        r = client.post(f"/hall/appointments/{theirs.appointment_no}/cancel", data={"csrf_token": token})
        assert r.status_code == 404
        assert theirs.appointment_no not in client.get("/hall/appointments").text
        assert hall.get_appointment(session, stranger, theirs.appointment_no).status == "booked"


def test_slot_full_and_booking_barred_are_shown_in_chinese(session: Session, client: TestClient) -> None:
    h = _setup(session)
    others = [hf.f.person(session) for _ in range(4)]
    session.commit()
    with clock.frozen(hf.MONDAY):
        for actor, _ in others:  # 2 综合 windows × 2 places: the 09:00 slot is full after four
            hall.book(session, actor, hall_code="H1", day=TUESDAY, start="09:00")
        session.commit()
        applicant_login(client, h.w.applicant_id)
        day = client.get("/hall/H1/appointments/new", params={"date": TUESDAY.isoformat()})
        assert "已约满" in day.text
        r = client.post("/hall/H1/appointments", data={"date": TUESDAY.isoformat(), "start": "09:00",
                                                       "window_type": "综合", "csrf_token": csrf_of(day.text)})
        assert r.status_code == 409 and "该时段已约满" in r.text
        r = client.post("/hall/H1/appointments", data={"date": "2026-03-07", "start": "09:00",
                                                       "window_type": "综合", "csrf_token": csrf_of(day.text)})
        assert r.status_code == 422 and "不是工作日" in r.text


def test_a_year_without_holiday_data_says_so(session: Session, client: TestClient) -> None:
    h = _setup(session)
    with clock.frozen(dt.datetime(2026, 12, 28, 1, 30, tzinfo=dt.UTC)):
        applicant_login(client, h.w.applicant_id)
        page = client.get("/hall/H1/appointments/new")
        assert page.status_code == 200
        assert "2027 年的节假日安排尚未导入" in page.text
        assert "12-29" in page.text  # the days of 2026 are still offered
        day = client.get("/hall/H1/appointments/new", params={"date": "2027-01-04"})
        assert day.status_code == 200 and "2027 年的节假日安排尚未导入，暂不能预约该日" in day.text
        bad = client.get("/hall/H1/appointments/new", params={"date": "tomorrow"})
        assert bad.status_code == 200 and "日期应为 YYYY-MM-DD 格式" in bad.text


def _finish_a_visit(session: Session, h: hf.Hall, outcome: str = "consult") -> str:
    hall.take_ticket(session, SYSTEM, "H1", window_type="综合")
    hall.call_next(session, h.w.clerk, "H1-01")
    visit = hall.serve(session, h.w.clerk, "H1-01")
    hall.finish(session, h.w.clerk, "H1-01", outcome=outcome)
    session.commit()
    return visit.visit_no


def test_the_rating_tablet(session: Session, client: TestClient) -> None:
    h = _setup(session)
    url = f"/hall/rate/H1-01?key={KEY}"
    with clock.frozen(hf.MONDAY):
        idle = client.get(url)
        assert idle.status_code == 200 and "欢迎办事，办理完成后请为我们的服务评价" in idle.text
        assert idle.headers["refresh"] == "5"
        visit_no = _finish_a_visit(session, h)
        page = client.get(url)
        assert "A001" in page.text and "clerk员" in page.text and "咨询" in page.text
        for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
            assert f">{label}</button>" in page.text
        form = {"key": KEY, "visit_no": visit_no, "csrf_token": csrf_of(page.text)}
        # a bad level first asks why
        ask = client.post("/hall/rate/H1-01", data={**form, "level": "5"})
        assert ask.status_code == 200 and "至少选一项" in ask.text and "服务态度差" in ask.text
        none = client.post("/hall/rate/H1-01", data={**form, "level": "5", "step": "reasons"})
        assert none.status_code == 422 and 'role="alert"' in none.text
        done = client.post("/hall/rate/H1-01", data={**form, "level": "5", "step": "reasons",
                                                     "reasons": ["attitude", "slow"], "comment": "等了很久"},
                           follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith("done=1")
        thanks = client.get(done.headers["location"])
        assert "感谢您的评价" in thanks.text and thanks.headers["refresh"].startswith("6; url=/hall/rate/H1-01?key=")
        task = session.scalars(select(Rectification).where(Rectification.case_no == visit_no)).one()
        assert task.department_id == h.w.clerk.department_id and task.level == 5 and task.status == "open"
        twice = client.post("/hall/rate/H1-01", data={**form, "level": "1"})
        assert twice.status_code == 409 and "这次办事已经评价过了" in twice.text
        assert "欢迎办事" in client.get(url).text  # rated: back to waiting
        # a good rating opens nothing
        second = _finish_a_visit(session, h, "concluded")
        page = client.get(url)
        r = client.post("/hall/rate/H1-01", data={"key": KEY, "visit_no": second, "level": "1",
                                                   "csrf_token": csrf_of(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        assert session.scalars(select(Rectification).where(Rectification.case_no == second)).first() is None


def test_a_wrong_tablet_key_is_the_chinese_404(session: Session, client: TestClient) -> None:
    h = _setup(session)
    with clock.frozen(hf.MONDAY):
        visit_no = _finish_a_visit(session, h)
        for bad in ("/hall/rate/H1-01?key=wrong", "/hall/rate/H1-01", "/hall/rate/H1-02?key=" + KEY,
                    "/hall/rate/NOPE?key=" + KEY):
            r = client.get(bad)
            assert r.status_code == 404 and "找不到该页面" in r.text, bad
        token = csrf(client, f"/hall/rate/H1-01?key={KEY}")
        r = client.post("/hall/rate/H1-01", data={"key": "wrong", "visit_no": visit_no, "level": "1",
                                                   "csrf_token": token})
        assert r.status_code == 404
        forged = client.post("/hall/rate/H1-01", data={"key": KEY, "visit_no": visit_no, "level": "5",
                                                        "reasons": "attitude", "csrf_token": "forged"})
        assert forged.status_code == 403
    assert not session.scalars(select(Rectification)).first()
