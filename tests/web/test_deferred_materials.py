"""Issue 12 item 2: 容缺后补 — an applicant who deferred a material is asked for it (a page to supply it,
linked from their case and list), staff see "待补材料" on their lists and the case page before the approver's
guard refuses, the applicant is reminded once before the supplement date, and supplying the materials lets
the case proceed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from tests.cases import factories as cw
from tests.notify import factories as nf
from tests.web.helpers import applicant_login, csrf, staff_login
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.calendar import get_calendar

pytestmark = pytest.mark.db

MONDAY = nf.MONDAY
MATERIALS = [{"name": "申请书", "required": True}, {"name": "检测报告", "required": True, "deficiency_allowed": True}]


def _deferred_case(session) -> tuple[cw.World, str]:  # type: ignore[no-untyped-def]
    w = cw.world(session, materials=MATERIALS, promised_limit={"value": 20, "unit": "working_day"})
    with clock.frozen(MONDAY):
        no = cw.submit(session, w, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
        cases.apply(session, w.handler, case_no=no, action="accept")
    session.commit()
    return w, no


def test_row02_deferred_material_is_asked_for_and_supplied_through_the_page(client, session) -> None:  # type: ignore[no-untyped-def]
    w, no = _deferred_case(session)
    case = cases.get_case(session, w.applicant, no)
    due = get_calendar(session).add_working_days(MONDAY.date(), 5)  # YIWANG_SUPPLEMENT_WORKING_DAYS
    assert case.deferred == ["检测报告"] and case.supplement_due == due
    with clock.frozen(MONDAY + dt.timedelta(hours=2)):
        # the applicant: the list marks the case, the case page links to the supplement page
        applicant_login(client, w.applicant_id)
        listing = client.get("/my/cases").text
        assert "待补材料" in listing and f"/my/cases/{no}/supplement" in listing
        page = client.get(f"/my/cases/{no}").text
        assert "请补交容缺材料" in page and "检测报告" in page and f"/my/cases/{no}/supplement" in page
        assert due.isoformat() in page
        form = client.get(f"/my/cases/{no}/supplement")
        assert form.status_code == 200 and 'name="s0"' in form.text and "检测报告" in form.text
        client.cookies.clear()

        # staff: every list and the case page carry the marker before anyone reaches the approver's guard
        for login in ("handler", "checker", "approver"):
            staff_login(client, login)
            for view in ("all", "mine"):
                queue = client.get(f"/workbench/cases?view={view}").text
                if no in queue:
                    assert "待补材料" in queue, (login, view)
            detail = client.get(f"/workbench/cases/{no}").text
            assert "待补材料" in detail and "检测报告" in detail, login
            client.cookies.clear()

        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
        session.commit()
        staff_login(client, "approver")
        detail = client.get(f"/workbench/cases/{no}").text
        assert "尚有材料未补齐" in detail  # the guard is preceded by visible state
        api = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"},
                          headers=f.api_login(client, "approver"))
        assert api.status_code == 409 and "尚有材料未补齐" in api.json()["error"]["message"]
        client.cookies.clear()

        # the applicant supplies it: the case proceeds and the marker is gone
        applicant_login(client, w.applicant_id)
        token = csrf(client, f"/my/cases/{no}/supplement")
        empty = client.post(f"/my/cases/{no}/supplement", data={"csrf_token": token},
                            files=[("s0", ("", b"", "application/octet-stream"))])
        assert empty.status_code == 422 and "请至少为一项待补材料选择文件" in empty.text
        nocsrf = client.post(f"/my/cases/{no}/supplement", data={"csrf_token": "x"},
                             files=[("s0", ("r.pdf", cw.PDF, "application/pdf"))])
        assert nocsrf.status_code in (400, 403)
        r = client.post(f"/my/cases/{no}/supplement", data={"csrf_token": token},
                        files=[("s0", ("report.pdf", cw.PDF + b"report", "application/pdf"))], follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("?done=supplemented")
        page = client.get(r.headers["location"]).text
        assert "容缺材料已补交" in page and "请补交容缺材料" not in page and "补交容缺材料" in page  # timeline
        assert "待补材料" not in client.get("/my/cases").text
        client.cookies.clear()
        staff_login(client, "approver")
        assert "待补材料" not in client.get(f"/workbench/cases/{no}").text
        client.cookies.clear()
        ok = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"},
                         headers=f.api_login(client, "approver"))
        assert ok.status_code == 200 and ok.json()["outcome"] == "approved", ok.text
    session.rollback()
    session.expire_all()
    case = cases.get_case(session, w.applicant, no)
    assert case.outcome == "approved" and not case.deferred and case.supplement_due is None


def test_row02_another_applicant_cannot_open_the_supplement_page(client, session) -> None:  # type: ignore[no-untyped-def]
    _, no = _deferred_case(session)
    _, other_id = f.person(session, "李四")
    session.commit()
    applicant_login(client, other_id)
    assert client.get(f"/my/cases/{no}/supplement").status_code == 404
    token = csrf(client, "/my/cases")
    r = client.post(f"/my/cases/{no}/supplement", data={"csrf_token": token},
                    files=[("s0", ("r.pdf", cw.PDF, "application/pdf"))])
    assert r.status_code == 404


def test_row02_one_reminder_before_the_supplement_date(session, engine) -> None:  # type: ignore[no-untyped-def]
    w, no = _deferred_case(session)
    case = cases.get_case(session, w.applicant, no)
    cal = get_calendar(session)
    assert case.supplement_due is not None
    assert cases.remind_deferred(session, cal.add_working_days(MONDAY.date(), 2)) == []  # 3 days left: not yet
    # YIWANG_SUPPLEMENT_REMIND_DAYS (2) working days before the date: reminded once
    day = cal.add_working_days(MONDAY.date(), 3)
    assert cal.add_working_days(day, 2) == case.supplement_due
    with clock.frozen(dt.datetime.combine(day, dt.time(1, 30), tzinfo=dt.UTC)):
        assert cases.remind_deferred(session) == [no]
        assert cases.remind_deferred(session) == []
        session.commit()
    nf.drain(engine, dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC))
    got = [m for m in nf.messages(session, w.applicant.label) if m.topic == "case.supplement_reminder"]
    assert len(got) == 1
    assert "检测报告" in got[0].body and case.supplement_due.isoformat() in got[0].body
    assert got[0].link == f"/my/cases/{no}/supplement"
    accepted = [m for m in nf.messages(session, w.applicant.label) if m.topic == "case.accept"]
    assert accepted and "容缺受理" in accepted[0].body and "检测报告" in accepted[0].body


def test_row02_supplement_date_never_beyond_the_decision_deadline(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, materials=MATERIALS, promised_limit={"value": 3, "unit": "working_day"})
    with clock.frozen(MONDAY):
        no = cw.submit(session, w, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
        case = cases.apply(session, w.handler, case_no=no, action="accept")
    assert case.supplement_due == case.deadline
