"""Failed background tasks are narrowed to the administrator's region: a district administrator sees, resends
and is told about the failed tasks of their own region's cases only (and every task about no case); the top
region's administrators see all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from tests.web.helpers import csrf, staff_login
from yiwang.core import clock, outbox
from yiwang.core.config import reset_settings
from yiwang.core.outbox import OutboxEvent
from yiwang.notify import service as notify
from yiwang.org import service as org_service


def _kill_licence_event(session, engine, monkeypatch) -> tuple[str, OutboxEvent]:  # type: ignore[no-untyped-def]
    from yiwang.jobs import register_all

    register_all()
    w = lf.world(session)
    no = lf.approved_case(session, w)
    org_service.find_department(session, cw.DEPT, "440104").uscc = None  # the licence cannot be issued
    session.commit()
    monkeypatch.setenv("YIWANG_OUTBOX_MAX_ATTEMPTS", "1")
    reset_settings()
    try:
        t0 = clock.now()
        for i in range(2):
            with clock.frozen(t0 + dt.timedelta(hours=2 * i)):
                outbox.run_once(engine)
    finally:
        monkeypatch.delenv("YIWANG_OUTBOX_MAX_ATTEMPTS")
        reset_settings()
    session.expire_all()
    dead = session.scalars(select(OutboxEvent).where(OutboxEvent.status == "dead")).one()
    return no, dead


def test_a_district_administrator_sees_only_failed_tasks_of_their_region(session, engine, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    own = f.staff(session, "own_admin", ["admin"], "区政务服务数据管理局", "440104")
    other = f.staff(session, "other_admin", ["admin"], "区政务服务数据管理局", "440106")
    top = f.staff(session, "top_admin", ["admin"], "省政务服务数据管理局", "440000")
    session.commit()
    no, dead = _kill_licence_event(session, engine, monkeypatch)
    # told: the case's district and the province, not another district
    told = {a.name: notify.inbox(session, a)[0] for a in (own, other, top)}
    assert told == {own.name: 1, other.name: 0, top.name: 1}
    # the page
    staff_login(client, "other_admin")
    page = client.get("/admin/outbox")
    assert page.status_code == 200 and no not in page.text and "没有失败的任务" in page.text
    r = client.post(f"/admin/outbox/{dead.id}/resend", data={"csrf_token": csrf(client, "/admin/outbox")})
    assert r.status_code == 404
    # a failed task about no case concerns the whole deployment: every administrator sees it
    nocase = OutboxEvent(topic="catalog.item_published", payload={"code": "X"}, status="dead", attempts=1,
                         created_at=clock.now(), available_at=clock.now(), last_error="检索更新失败")
    session.add(nocase)
    session.commit()
    page = client.get("/admin/outbox")
    assert "检索更新失败" in page.text and no not in page.text
    session.expire_all()
    assert session.get(OutboxEvent, dead.id).status == "dead"
    for login in ("own_admin", "top_admin"):
        client.cookies.clear()
        staff_login(client, login)
        page = client.get("/admin/outbox")
        assert page.status_code == 200 and no in page.text, login
    r = client.post(f"/admin/outbox/{dead.id}/resend", data={"csrf_token": csrf(client, "/admin/outbox")},
                    follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(OutboxEvent, dead.id).status == "pending"
