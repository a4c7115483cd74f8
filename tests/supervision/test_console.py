"""The supervision console pages: overview, orders with the department's reply, scores and exports, rules."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from tests.cases import factories as cw
from tests.supervision.test_tick import _accepted, _tick
from tests.web.helpers import csrf_of, staff_login
from yiwang.cases import service as cases
from yiwang.core.permissions import SYSTEM


@pytest.mark.db
def test_console_overview_orders_scores_and_rules(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = _accepted(session, w)
    _tick(session, dt.date(2026, 10, 9))
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    dept = cases.get_case(session, SYSTEM, no).department_id
    session.commit()

    staff_login(client, "handler")
    assert client.get("/console").status_code == 403  # handlers reply to orders; they do not supervise
    client.cookies.clear()

    staff_login(client, "jiancha")
    page = client.get("/console")
    assert page.status_code == 200 and no in page.text and cw.DEPT in page.text and "红灯" in page.text
    assert no in client.get(f"/console?level=red&department={dept}").text
    assert no not in client.get("/console?level=red_card").text
    token = csrf_of(client.get("/console/orders").text)
    refused = client.post("/console/orders", data={"department_id": str(dept), "subject": "", "content": "x",
                                                   "reply_days": "2", "csrf_token": token})
    assert refused.status_code == 422 and "督办事由" in refused.text
    made = client.post("/console/orders", data={"department_id": str(dept), "subject": "超期办件督办",
                                                "content": "请说明原因", "reply_days": "2", "case_no": no,
                                                "csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303
    order_url = made.headers["location"].split("?")[0]
    scores = client.get("/console/scores?month=2026-10")
    assert scores.status_code == 200 and cw.DEPT in scores.text
    csv = client.get("/console/scores?month=2026-10&format=csv")
    assert csv.status_code == 200 and cw.DEPT in csv.content.decode("utf-8-sig")
    assert client.get("/console/scores?month=2026-13").status_code == 422
    assert "办理期限即将届满" in client.get("/console/rules").text
    client.cookies.clear()

    staff_login(client, "handler")  # the ordered department replies
    order_page = client.get(order_url)
    assert order_page.status_code == 200 and "答复督办" in order_page.text
    replied = client.post(order_url + "/reply", data={"reply": "已办结", "csrf_token": csrf_of(order_page.text)},
                          follow_redirects=True)
    assert replied.status_code == 200 and "已答复" in replied.text
