"""The hall's calling screen and kiosk pages: the screen draws the public board and carries no personal data; the
kiosk takes tickets (source kiosk), guides, answers the progress query without names, verifies a licence and checks
an appointment in by its number and the booking phone's last four digits."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hall import factories as hf
from tests.web.helpers import csrf_of
from yiwang.core import clock
from yiwang.core.errors import TooManyRequests
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import service as hall
from yiwang.hall.errors import AppointmentNotFound, CheckInClosed
from yiwang.hall.models import Appointment, Ticket
from yiwang.identity.models import Person

TUESDAY_1350 = dt.datetime(2026, 3, 3, 5, 50, tzinfo=dt.UTC)  # 13:50 local, ten minutes before a 14:00 slot


def _setup(session: Session) -> hf.Hall:
    h = hf.build(session)
    session.commit()
    return h


def _phone(session: Session, h: hf.Hall) -> str:
    person = session.get(Person, int(h.w.applicant.label.split(":")[1]))
    assert person is not None and person.phone
    return person.phone


def _book(session: Session, h: hf.Hall) -> str:
    with clock.frozen(hf.MONDAY):
        appt = hall.book(session, h.w.applicant, hall_code=h.code, day=dt.date(2026, 3, 3), start="14:00")
    session.commit()
    return appt.appointment_no


def test_the_screen_shows_calls_and_queues_and_no_personal_data(session: Session, client: TestClient) -> None:
    h = _setup(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, h.w.applicant, h.code, source="phone")
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        session.commit()
        r = client.get("/hall/H1/screen")
        board = client.get("/api/v1/halls/H1/board").json()
    assert r.status_code == 200, r.text
    html = r.text
    assert "越秀区政务服务中心" in html and "工作日 09:00–17:00" in html and "2026 年 3 月 2 日 星期一" in html
    latest = re.search(r'id="scr-latest".*?</div>', html, re.S)
    assert latest and "A001" in latest.group(0) and "H1-01 综合窗口" in latest.group(0)
    assert 'data-board-url="/api/v1/halls/H1/board"' in html and '<script src="/static/hall-screen.js">' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither inline script nor style
    assert board["calling"][0]["ticket_no"] == "A001"
    general = next(q for q in board["queues"] if q["window_type"] == "综合")
    assert f"<strong>{general['waiting']}</strong> 人" in html
    person = session.get(Person, int(h.w.applicant.label.split(":")[1]))
    assert person is not None
    for private in (person.name, person.phone, h.w.applicant_id, h.w.applicant.label):
        assert private not in html
    assert r.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self';")
    assert client.get("/hall/NOPE/screen").status_code == 404
    js = client.get("/static/hall-screen.js")
    assert js.status_code == 200 and "XMLHttpRequest" in js.text and "=>" not in js.text and "fetch(" not in js.text


def test_the_kiosk_takes_a_ticket_with_source_kiosk(session: Session, client: TestClient) -> None:
    _setup(session)
    with clock.frozen(hf.MONDAY):
        start = client.get("/kiosk/H1")
        assert start.status_code == 200 and "取号" in start.text and "预约签到" in start.text
        assert start.headers["cache-control"] == "no-store"
        form = client.get("/kiosk/H1/ticket")
        assert form.status_code == 200 and 'name="window_type" value="综合"' in form.text
        token = csrf_of(form.text)
        r = client.post("/kiosk/H1/ticket", data={"csrf_token": token, "window_type": "综合", "priority": "elderly"},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/kiosk/H1/ticket/A001?priority=elderly"
        page = client.get(r.headers["location"])
        assert page.status_code == 200
        assert 'id="ticket-no">A001<' in page.text and "请留意叫号屏" in page.text and "老年人优先" in page.text
        assert 'http-equiv="refresh" content="60;url=/kiosk/H1"' in page.text  # no-JS way back to the start
        bad = client.post("/kiosk/H1/ticket", data={"csrf_token": token, "window_type": "投资项目"})
        assert bad.status_code == 422 and "本大厅没有投资项目窗口" in bad.text
        forged = client.post("/kiosk/H1/ticket", data={"csrf_token": "nope", "window_type": "综合"})
        assert forged.status_code == 403
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.source, ticket.priority_reason, ticket.applicant) == ("kiosk", "elderly", None)


def test_the_kiosk_guide_searches_and_shows_a_simple_guide(session: Session, client: TestClient) -> None:
    h = _setup(session)
    listing = client.get("/kiosk/H1/guide")
    assert listing.status_code == 200 and f"/kiosk/H1/guide/{h.w.code}" in listing.text
    item = client.get(f"/kiosk/H1/guide/{h.w.code}")
    assert item.status_code == 200 and "需要带的材料" in item.text and "在本大厅哪里办" in item.text
    assert "H1-03 专项窗口" in item.text  # the special window lists this item
    assert client.get("/kiosk/H1/guide/NO-SUCH").status_code == 404
    with clock.frozen(hf.MONDAY):
        r = client.post("/kiosk/H1/ticket", data={"csrf_token": csrf_of(item.text), "item_code": h.w.code},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/kiosk/H1/ticket/C")


def test_the_kiosk_progress_query_shows_status_and_step_but_no_name(session: Session, client: TestClient) -> None:
    h = _setup(session)
    from tests.cases import factories as cw

    case_no = cw.submit(session, h.w)
    session.commit()
    phone = _phone(session, h)
    page = client.get("/kiosk/H1/progress")
    token = csrf_of(page.text)
    assert page.text.count('name="key"') == 12
    # the digit pad without scripts: each press posts the form and comes back with the digit added
    typed = client.post("/kiosk/H1/progress", data={"csrf_token": token, "step": "0", "case_no": case_no[:-1],
                                                    "key": case_no[-1]})
    assert typed.status_code == 200 and f'value="{case_no}"' in typed.text
    nxt = client.post("/kiosk/H1/progress", data={"csrf_token": token, "step": "0", "case_no": case_no,
                                                  "action": "next"})
    assert 'name="tail"' in nxt.text and f'type="hidden" name="case_no" value="{case_no}"' in nxt.text
    short = client.post("/kiosk/H1/progress", data={"csrf_token": token, "step": "1", "case_no": case_no,
                                                    "tail": "12", "action": "go"})
    assert short.status_code == 422 and "应为 4 位" in short.text
    wrong = client.post("/kiosk/H1/progress", data={"csrf_token": token, "step": "1", "case_no": case_no,
                                                    "tail": "0000" if not phone.endswith("0000") else "1111",
                                                    "action": "go"})
    assert wrong.status_code == 404 and "未找到该办件" in wrong.text
    found = client.post("/kiosk/H1/progress", data={"csrf_token": token, "step": "1", "case_no": case_no,
                                                    "tail": phone[-4:], "action": "go"})
    assert found.status_code == 200, found.text
    assert 'id="progress-status"' in found.text and "最新环节" in found.text and case_no in found.text
    person = session.get(Person, int(h.w.applicant.label.split(":")[1]))
    assert person is not None
    for private in (person.name, "张三", phone, h.w.applicant_id):
        assert private not in found.text
    assert found.headers["cache-control"] == "no-store"


def test_the_kiosk_verifies_a_licence_without_naming_the_holder(session: Session, client: TestClient) -> None:
    _setup(session)
    page = client.get("/kiosk/H1/verify")
    token = csrf_of(page.text)
    missing = client.post("/kiosk/H1/verify", data={"csrf_token": token, "license_id": "   "})
    assert missing.status_code == 422 and "请扫描证照上的二维码" in missing.text
    unknown = client.post("/kiosk/H1/verify", data={"csrf_token": token,
                                                    "license_id": "http://x/verify/NoSuchLicence"})
    assert unknown.status_code == 200 and "核验未通过" in unknown.text and "证照库中没有该证照" in unknown.text


def test_kiosk_check_in_by_appointment_number_and_phone_tail(session: Session, client: TestClient) -> None:
    h = _setup(session)
    number = _book(session, h)
    phone = _phone(session, h)
    wrong_tail = "0000" if not phone.endswith("0000") else "1111"
    with clock.frozen(TUESDAY_1350):
        page = client.get("/kiosk/H1/check-in")
        token = csrf_of(page.text)
        data = {"csrf_token": token, "step": "1", "appointment_no": number[1:], "action": "go"}
        wrong = client.post("/kiosk/H1/check-in", data=data | {"phone_tail": wrong_tail})
        assert wrong.status_code == 404 and "未找到该预约，请核对预约号和预约手机号后四位" in wrong.text
        unknown = client.post("/kiosk/H1/check-in", data=data | {"appointment_no": "2026030399999999",
                                                                 "phone_tail": phone[-4:]})
        assert unknown.status_code == 404 and unknown.text.count("未找到该预约，请核对预约号和预约手机号后四位") == 1
        right = client.post("/kiosk/H1/check-in", data=data | {"phone_tail": phone[-4:]}, follow_redirects=False)
        assert right.status_code == 303, right.text
        assert right.headers["location"].endswith("?checked_in=1")
        shown = client.get(right.headers["location"])
        assert "预约签到成功" in shown.text and "预约" in shown.text
    session.expire_all()
    appt = session.scalars(select(Appointment).where(Appointment.appointment_no == number)).one()
    assert appt.status == "checked_in" and appt.ticket_id is not None
    ticket = session.get(Ticket, appt.ticket_id)
    assert ticket is not None and ticket.priority_reason == "appointment" and ticket.applicant == h.w.applicant.label


def test_kiosk_check_in_refuses_another_hall_and_limits_failures(session: Session) -> None:
    h = _setup(session)
    hall.import_halls(session, SYSTEM, [("第 1 行", hf.line(code="H2", windows=[{"code": "H2-01", "type": "综合"}]))])
    session.commit()
    number = _book(session, h)
    phone = _phone(session, h)
    with clock.frozen(TUESDAY_1350):
        with pytest.raises(AppointmentNotFound) as err:  # the right pair at another hall's kiosk
            hall.kiosk_check_in(session, "H2", number, phone[-4:], client="k2")
        assert err.value.message == "未找到该预约，请核对预约号和预约手机号后四位"
        for _ in range(hall.KIOSK_CHECK_IN_FAILURES_PER_NUMBER - 1):
            with pytest.raises(AppointmentNotFound):
                hall.kiosk_check_in(session, h.code, number, "0000" if not phone.endswith("0000") else "1111",
                                    client="k1")
        with pytest.raises(TooManyRequests):  # five failures on this number within the hour
            hall.kiosk_check_in(session, h.code, number, phone[-4:], client="k1")
    with clock.frozen(TUESDAY_1350 + dt.timedelta(minutes=61)):  # the hour has passed (and check-in closed)
        with pytest.raises(CheckInClosed):
            hall.kiosk_check_in(session, h.code, number, phone[-4:], client="k1")


def test_every_kiosk_form_refuses_a_post_without_a_valid_csrf_token(session: Session, client: TestClient) -> None:
    _setup(session)
    client.get("/kiosk/H1")  # the anonymous CSRF cookie
    for path in ("ticket", "progress", "verify", "check-in"):
        r = client.post(f"/kiosk/H1/{path}", data={"csrf_token": "forged", "window_type": "综合", "key": "1"})
        assert r.status_code == 403, (path, r.status_code)
    assert session.scalars(select(Ticket)).first() is None
