"""Issue 12 item 7: 督办单 pages show times in Asia/Shanghai (not raw UTC ISO strings), confirm issuing,
replying and closing with a message, hide the reply form once the department has replied, and preselect the
department when an order is issued from an alert."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories as f
from tests.cases import factories as cw
from tests.supervision.test_tick import _accepted, _tick
from tests.web.helpers import csrf_of, staff_login
from yiwang.cases import service as cases
from yiwang.core.permissions import SYSTEM
from yiwang.supervision.models import SupervisionOrder

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@pytest.mark.db
def test_item7_order_pages(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = _accepted(session, w)
    _tick(session, dt.date(2026, 10, 9))
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    dept = cases.get_case(session, SYSTEM, no).department_id
    session.commit()

    staff_login(client, "jiancha")
    overview = client.get("/console")
    link = re.search(r'href="(/console/orders\?case_no=[^"]+)"', overview.text)
    assert link, "the alert offers 督办"
    form = client.get(link.group(1).replace("&amp;", "&"))
    assert re.search(rf'<option value="{dept}"\s+selected', form.text), "the alert's department is preselected"
    assert f'value="{no}"' in form.text

    made = client.post("/console/orders", data={"department_id": str(dept), "subject": "超期办件督办",
                                                "content": "请说明原因", "reply_days": "2", "case_no": no,
                                                "csrf_token": csrf_of(form.text)}, follow_redirects=True)
    assert made.status_code == 200 and "督办单已发出" in made.text
    order_url = str(made.url).split("?")[0].split("testserver", 1)[1]
    client.cookies.clear()

    staff_login(client, "handler")
    page = client.get(order_url)
    assert "答复督办" in page.text and 'name="reply"' in page.text
    replied = client.post(order_url + "/reply", data={"reply": "已办结", "csrf_token": csrf_of(page.text)},
                          follow_redirects=True)
    assert replied.status_code == 200 and "答复已提交" in replied.text
    assert 'name="reply"' not in replied.text, "the reply form is gone once replied"
    visible = re.sub(r"<[^>]+>", " ", replied.text.split("<main", 1)[1])
    assert not ISO_UTC.search(visible), "no raw ISO timestamps on the page"

    order = session.query(SupervisionOrder).filter_by(case_no=no).one()
    session.refresh(order)
    replied_at = order.replied_at if order.replied_at.tzinfo else order.replied_at.replace(tzinfo=dt.UTC)
    local = replied_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert local in replied.text, f"the reply time in Asia/Shanghai ({local})"
    client.cookies.clear()

    staff_login(client, "jiancha")
    page = client.get(order_url)
    assert "已答复" in page.text and local in page.text
    closed = client.post(order_url + "/close", data={"note": "答复属实", "csrf_token": csrf_of(page.text)},
                         follow_redirects=True)
    assert closed.status_code == 200 and "督办单已办结" in closed.text
