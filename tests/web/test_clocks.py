"""Issue 12 item 6: one clock, shown the same on applicant and staff pages — the running one labelled
(受理答复期限 / 办理期限 / 送达期限), a paused one as paused, a stopped one as stopped ("已办结，用时 N 个工作日，
按期办结") and never a remaining-days light next to a passed deadline."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.cases import factories as cw
from tests.notify import factories as nf
from tests.web.helpers import applicant_login, staff_login
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.calendar import get_calendar

pytestmark = pytest.mark.db

MONDAY = nf.MONDAY


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _pages(client, w: cw.World, no: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = {}
    applicant_login(client, w.applicant_id)
    out["my_case"] = _text(client.get(f"/my/cases/{no}").text)
    out["my_cases"] = _text(client.get("/my/cases").text)
    client.cookies.clear()
    staff_login(client, "handler")
    out["case"] = _text(client.get(f"/workbench/cases/{no}").text)
    out["queue"] = _text(client.get("/workbench/cases?view=all").text)
    client.cookies.clear()
    return out


def test_row06_concluded_case_shows_the_delivery_clock_and_a_stopped_decision_clock(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit={"value": 5, "unit": "working_day"})
    cal = get_calendar(session)
    with clock.frozen(MONDAY):
        no = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=no, action="accept")
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
    decided = dt.datetime.combine(cal.add_working_days(MONDAY.date(), 3), dt.time(2, 0), tzinfo=dt.UTC)
    with clock.frozen(decided):
        case = cases.apply(session, w.approver, case_no=no, action="approve")
    session.commit()
    decision_deadline, deliver_due = case.deadline, case.deliver_due
    assert decision_deadline and deliver_due and deliver_due > decision_deadline
    # the day after the decision deadline, while the delivery clock still has days to run
    later = dt.datetime.combine(decision_deadline + dt.timedelta(days=1), dt.time(2, 0), tzinfo=dt.UTC)
    with clock.frozen(later):
        pages = _pages(client, w, no)
    for name in ("my_case", "case"):
        page = pages[name]
        assert "送达期限" in page and deliver_due.isoformat() in page, name
        assert "已办结，用时 3 个工作日，按期办结" in page, name
        assert decision_deadline.isoformat() not in page, name  # no passed date next to a running light
        assert "已超期" not in page, name
    for name in ("my_cases", "queue"):
        assert "送达期限" in pages[name] and deliver_due.isoformat() in pages[name], name
        assert decision_deadline.isoformat() not in pages[name], name
    api = cases.clock_view(session, case, later.date())
    assert api["kind"] == "delivery" and api["label"] == "送达期限" and api["state"] == "running"


def test_row06_delivered_case_shows_only_the_stopped_clock(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit={"value": 2, "unit": "working_day"})
    cal = get_calendar(session)
    with clock.frozen(MONDAY):
        no = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=no, action="accept")
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
    late = dt.datetime.combine(cal.add_working_days(MONDAY.date(), 4), dt.time(2, 0), tzinfo=dt.UTC)
    with clock.frozen(late):
        cases.apply(session, w.approver, case_no=no, action="approve")
        cases.apply(session, w.handler, case_no=no, action="deliver")
        session.commit()
        pages = _pages(client, w, no)
    for name in ("my_case", "case"):
        page = pages[name]
        assert "已办结，用时 4 个工作日，超期办结" in page, name
        assert "剩余" not in page and "绿灯" not in page and "送达期限" not in page, name
    assert "超期办结" in pages["queue"] and "超期办结" in pages["my_cases"]


def test_row06_running_and_paused_clocks_are_labelled(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit={"value": 10, "unit": "working_day"})
    with clock.frozen(MONDAY):
        submitted = cw.submit(session, w)
        paused = cw.submit(session, w)
        case = cases.apply(session, w.handler, case_no=paused, action="accept")
        cases.apply(session, w.handler, case_no=paused, action="suspend", kind="expert_review", days=5)
        session.commit()
        first = _pages(client, w, submitted)
        second = _pages(client, w, paused)
    assert "受理答复期限" in first["my_case"] and "受理答复期限" in first["case"]
    for name in ("my_case", "case"):
        assert "办理期限" in second[name] and "暂停计时" in second[name] and case.deadline.isoformat() in second[name]
