"""The hall's staff pages: the window page (call, serve, identify, the person's cases, transfer and finish, with
the shown version checked), who may open it, the front desk (a ticket for the person in front, re-queueing,
appointment check-in) and the administrator's hall page (import with a bad line, a tablet's key shown once)."""

from __future__ import annotations

import datetime as dt
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from tests.hall import factories as hf
from tests.web.helpers import csrf_of, staff_login
from yiwang.core import clock
from yiwang.core.permissions import ANONYMOUS
from yiwang.hall import service as hall

WINDOW = "/workbench/hall/windows/H1-01"


def _ticket_no(html: str) -> str:
    m = re.search(r'<p class="ticket-no"[^>]*>([A-Z]\d{3})</p>', html)
    assert m, "the page shows no ticket number"
    return m.group(1)


def _version(html: str) -> str:
    m = re.search(r'name="version" value="(\d*)"', html)
    assert m
    return m.group(1)


def _act(client: TestClient, url: str, action: str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_of(page.text), "action": action, "version": _version(page.text),
            "ticket_no": (_ticket_no(page.text) if 'class="ticket-no"' in page.text else "")} | fields
    return client.post(url + "/actions", data=data, follow_redirects=False)


def test_the_window_page_calls_serves_identifies_transfers_and_finishes(session: Session, client: TestClient) -> None:
    h = hf.build(session)
    case_no = cw.submit(session, h.w)
    session.commit()
    staff_login(client, "clerk")
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, "H1", source="kiosk")
        session.commit()
        home = client.get("/workbench")
        assert 'href="/workbench/hall"' in home.text and "窗口叫号" in home.text and "前台取号" in home.text
        assert client.get("/workbench/hall", follow_redirects=False).headers["location"] == WINDOW
        page = client.get(WINDOW)
        assert "叫下一号" in page.text and "当前没有已叫的号" in page.text
        assert re.search(r'<strong class="count">1</strong>', page.text)

        stale = client.get(WINDOW).text
        called = _act(client, WINDOW, "call")
        assert called.status_code == 303 and called.headers["location"] == WINDOW + "?done=call"
        page = client.get(called.headers["location"])
        assert _ticket_no(page.text) == "A001" and "已叫号，请等候" in page.text and "开始办理" in page.text
        # a second click from the page as it was (nothing called) must not pass A001 over
        again = client.post(WINDOW + "/actions", data={"csrf_token": csrf_of(stale), "action": "call",
                                                       "ticket_no": "", "version": ""})
        assert again.status_code == 409 and "窗口状态在您打开页面之后已经变化" in again.text
        assert _ticket_no(again.text) == "A001" and "已叫号" in again.text

        old_version = _version(client.get(WINDOW).text)
        assert _act(client, WINDOW, "recall").status_code == 303
        late = client.post(WINDOW + "/actions", data={"csrf_token": csrf_of(stale), "action": "serve",
                                                      "ticket_no": "A001", "version": old_version})
        assert late.status_code == 409 and "本次操作没有执行" in late.text

        assert _act(client, WINDOW, "serve").status_code == 303
        page = client.get(WINDOW).text
        assert "办理中" in page and "首问负责人" in page and "clerk员" in page and "办理完成" in page
        assert "核验身份" in page and "/workbench/intake" in page

        bad = _act(client, WINDOW, "identify", visit_no=re.search(r'name="visit_no" value="([^"]+)"', page)[1],
                   id_code="123")
        assert bad.status_code == 422 and "请输入有效的身份证号码" in bad.text and 'aria-invalid="true"' in bad.text
        visit_no = re.search(r'name="visit_no" value="([^"]+)"', page)[1]
        ok = _act(client, WINDOW, "identify", visit_no=visit_no, id_code=h.w.applicant_id)
        assert ok.status_code == 303
        page = client.get(WINDOW).text
        assert "办事人在办事项与证照" in page and f'href="/workbench/cases/{case_no}"' in page
        assert "张*" in page and h.w.applicant_id not in page and "有效电子证照" in page

        nothing = _act(client, WINDOW, "finish")
        assert nothing.status_code == 422 and "请选择办理结果" in nothing.text

        moved = _act(client, WINDOW, "transfer", window_type="专项", reason="需专项窗口审核")
        assert moved.status_code == 303
        assert "当前没有已叫的号" in client.get(WINDOW).text

    special = TestClient(client.app)
    staff_login(special, "handler")
    with clock.frozen(hf.MONDAY + dt.timedelta(minutes=5)):
        url = "/workbench/hall/windows/H1-03"
        assert _act(special, url, "call").status_code == 303
        assert _act(special, url, "serve").status_code == 303
        page = special.get(url).text
        assert _ticket_no(page) == "A001" and "移交记录" in page and "clerk员 → handler员" in page
        assert re.search(r"<dt>首问负责人</dt><dd>clerk员</dd>", page)
        assert re.search(r"<dt>当前负责人</dt><dd>handler员</dd>", page)
        done = _act(special, url, "finish", outcome="intake", case_no=case_no, note="已收件")
        assert done.status_code == 303
        page = special.get(done.headers["location"]).text
        assert "办理结果已登记" in page and "当前没有已叫的号" in page


def test_only_staff_on_duty_use_a_window_and_other_districts_do_not_see_it(session: Session,
                                                                           client: TestClient) -> None:
    hf.build(session)
    session.commit()
    with clock.frozen(hf.MONDAY):
        staff_login(client, "clerk2")
        refused = client.get(WINDOW)
        assert refused.status_code == 403 and "不在" in refused.text
        token = csrf_of(client.get("/workbench/hall/windows/H1-02").text)
        posted = client.post(WINDOW + "/actions", data={"csrf_token": token, "action": "call"})
        assert posted.status_code == 403

        outsider = TestClient(client.app)
        staff_login(outsider, "tianhe_clerk")
        assert outsider.get(WINDOW).status_code == 404
        assert outsider.get("/workbench/hall/desk/H1").status_code == 404
        listing = outsider.get("/workbench/hall")
        assert listing.status_code == 200 and "没有安排在服务大厅的任何窗口值班" in listing.text
        token = csrf_of(listing.text)
        assert outsider.post(WINDOW + "/actions", data={"csrf_token": token, "action": "call"}).status_code == 404
        assert outsider.post("/workbench/hall/desk/H1/tickets",
                             data={"csrf_token": token, "priority": "normal"}).status_code == 404

        handler = TestClient(client.app)
        staff_login(handler, "handler")
        assert handler.get("/workbench/hall/desk").status_code == 403  # not a window clerk
        anonymous = TestClient(client.app)
        assert anonymous.get(WINDOW, follow_redirects=False).status_code == 303


def test_the_front_desk_takes_a_ticket_requeues_and_checks_in(session: Session, client: TestClient) -> None:
    h = hf.build(session)
    session.commit()
    staff_login(client, "clerk2")
    with clock.frozen(hf.MONDAY):
        appt = hall.book(session, h.w.applicant, hall_code="H1", day=dt.date(2026, 3, 2), start="10:00")
        session.commit()
        listing = client.get("/workbench/hall/desk")
        assert 'href="/workbench/hall/desk/H1"' in listing.text
        page = client.get("/workbench/hall/desk/H1")
        assert page.status_code == 200 and "今日预约" in page.text and "10:00–10:30" in page.text
        token = csrf_of(page.text)
        taken = client.post("/workbench/hall/desk/H1/tickets", follow_redirects=False,
                            data={"csrf_token": token, "window_type": "综合", "item_code": "", "priority": "elderly"})
        assert taken.status_code == 303 and taken.headers["location"] == "/workbench/hall/desk/H1?ticket=A001"
        page = client.get(taken.headers["location"]).text
        assert _ticket_no(page) == "A001" and "老年人优先" in page and "ticket-slip" in page and "has-slip" in page
        row = re.search(r"<tr><td data-label=\"号码\"><strong class=\"code\">A001</strong>.*?</tr>", page, re.S)
        assert row and "老年人优先" in row[0] and "分钟" in row[0]
        from yiwang.hall.models import Ticket

        assert session.query(Ticket).filter_by(ticket_no="A001").one().source == "desk"

        unknown = client.post("/workbench/hall/desk/H1/tickets",
                              data={"csrf_token": token, "item_code": "NO-SUCH-ITEM", "priority": "normal"})
        assert unknown.status_code == 422 and "事项不存在或未发布" in unknown.text
        vip = client.post("/workbench/hall/desk/H1/tickets", data={"csrf_token": token, "priority": "appointment"})
        assert vip.status_code == 422

        hall.call_next(session, h.clerk2, "H1-02")
        hall.skip(session, h.clerk2, "H1-02")
        session.commit()
        page = client.get("/workbench/hall/desk/H1").text
        assert "A001 重新排队" in page
        back = client.post("/workbench/hall/desk/H1/requeue", follow_redirects=False,
                           data={"csrf_token": token, "ticket_no": "A001"})
        assert back.status_code == 303
        page = client.get(back.headers["location"]).text
        assert "已重新排队" in page and "A001 重新排队" not in page
        twice = client.post("/workbench/hall/desk/H1/requeue", data={"csrf_token": token, "ticket_no": "A001"})
        assert twice.status_code == 409

        checked = client.post("/workbench/hall/desk/H1/check-in", follow_redirects=False,
                              data={"csrf_token": token, "appointment_no": appt.appointment_no})
        assert checked.status_code == 303, checked.text
        page = client.get(checked.headers["location"]).text
        assert "预约已签到" in page and _ticket_no(page) == "A002" and "预约" in page
        again = client.post("/workbench/hall/desk/H1/check-in",
                            data={"csrf_token": token, "appointment_no": appt.appointment_no})
        assert again.status_code == 409


def test_the_admin_imports_halls_and_issues_a_tablet_key(session: Session, client: TestClient) -> None:
    hf.build(session)
    f.staff(session, "admin", ["admin"], "区政务服务数据管理局")
    f.staff(session, "tianhe_admin", ["admin"], "天河区政务服务数据管理局", "440106")
    session.commit()
    staff_login(client, "admin")
    home = client.get("/admin")
    assert 'href="/admin/halls"' in home.text and "服务大厅" in home.text
    page = client.get("/admin/halls")
    assert page.status_code == 200 and "H1-01" in page.text and "clerk员" in page.text and "未登记" in page.text
    token = csrf_of(page.text)
    good = hf.line("H2", windows=[{"code": "H2-01", "type": "综合", "staff": ["clerk2"]}]) | {"name": "新大厅"}
    bad = hf.line("H3", windows=[{"code": "H3-01", "type": "不存在的类型"}])
    body = "\n".join([json.dumps(good, ensure_ascii=False), json.dumps(bad, ensure_ascii=False), "{not json"])
    r = client.post("/admin/halls/import", data={"csrf_token": token},
                    files={"file": ("halls.jsonl", body.encode(), "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert "共 3 行：新增 1" in r.text and "错误 2" in r.text and "第 2 行" in r.text and "第 3 行" in r.text
    assert "新大厅" in r.text and "H2-01" in r.text
    assert hall.get_hall(session, "H2").windows[0]["staff_logins"] == ["clerk2"]
    empty = client.post("/admin/halls/import", data={"csrf_token": token},
                        files={"file": ("halls.jsonl", b"", "application/octet-stream")})
    assert empty.status_code == 422 and "请选择要导入的大厅文件" in empty.text

    issued = client.post("/admin/halls/windows/H1-01/tablet", data={"csrf_token": token})
    assert issued.status_code == 200
    m = re.search(r"/hall/rate/H1-01\?key=([A-Za-z0-9_-]+)", issued.text)
    assert m and "只显示这一次" in issued.text
    session.expire_all()
    window, _ = hall.tablet_visit(session, "H1-01", m[1])
    assert window.code == "H1-01"
    later = client.get("/admin/halls").text
    assert m[1] not in later and "已登记" in later

    other = TestClient(client.app)
    staff_login(other, "tianhe_admin")
    listing = other.get("/admin/halls")
    assert listing.status_code == 200 and "H1-01" not in listing.text
    assert other.post("/admin/halls/windows/H1-01/tablet",
                      data={"csrf_token": csrf_of(listing.text)}).status_code == 404
    clerk = TestClient(client.app)
    staff_login(clerk, "clerk")
    assert clerk.get("/admin/halls").status_code == 403
