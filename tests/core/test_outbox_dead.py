"""Issue 13, point 3: an outbox event that dies surfaces — administrators get a message and a page listing
dead events with a resend button, and the case page says the license could not be issued."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from tests.web.helpers import applicant_login, csrf, staff_login
from yiwang.core import clock, outbox
from yiwang.core.audit import AuditRecord
from yiwang.core.config import reset_settings
from yiwang.core.outbox import OutboxEvent
from yiwang.notify import service as notify
from yiwang.org import service as org_service


def test_a_dead_license_event_is_told_and_shown(session, engine, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang.jobs import register_all

    register_all()
    w = lf.world(session)
    admin = f.staff(session, "root", ["admin"], "区政务服务数据管理局")
    no = lf.approved_case(session, w)
    # the department loses its USCC after the approval: the license cannot be issued any more
    org_service.find_department(session, cw.DEPT, "440104").uscc = None
    session.commit()
    monkeypatch.setenv("YIWANG_OUTBOX_MAX_ATTEMPTS", "2")
    reset_settings()
    try:
        t0 = clock.now()
        for i in range(4):
            with clock.frozen(t0 + dt.timedelta(hours=2 * i)):
                outbox.run_once(engine)
    finally:
        monkeypatch.delenv("YIWANG_OUTBOX_MAX_ATTEMPTS")
        reset_settings()
    session.expire_all()
    dead = session.scalars(select(OutboxEvent).where(OutboxEvent.status == "dead")).all()
    assert [(e.topic, e.subject) for e in dead] == [("case.approve", f"case:{no}")]
    # the administrator's inbox
    total, messages = notify.inbox(session, admin)
    assert total == 1 and no in messages[0].title and messages[0].link == "/admin/outbox"
    assert "统一社会信用代码" in messages[0].body
    # the case pages
    staff_login(client, "approver")
    assert "证照签发失败，已通知管理员" in client.get(f"/workbench/cases/{no}").text
    client.cookies.clear()
    applicant_login(client, w.applicant_id)
    assert "证照签发失败，已通知管理员" in client.get(f"/my/cases/{no}").text
    client.cookies.clear()
    # only administrators see the dead events
    staff_login(client, "approver")
    assert client.get("/admin/outbox").status_code == 403
    client.cookies.clear()
    staff_login(client, "root")
    page = client.get("/admin/outbox")
    assert page.status_code == 200 and no in page.text and "统一社会信用代码" in page.text
    token = csrf(client, "/admin/outbox")
    r = client.post(f"/admin/outbox/{dead[0].id}/resend", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(OutboxEvent, dead[0].id).status == "pending"
    assert session.scalars(select(AuditRecord).where(AuditRecord.action == "outbox.resend")).first() is not None
    assert client.post(f"/admin/outbox/{dead[0].id}/resend", data={"csrf_token": token}).status_code == 404
    assert "没有失败的任务" in client.get("/admin/outbox").text


def test_dead_hook_failure_does_not_stop_the_event_dying(session, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    @outbox.handler("test.dead_fail")
    def _fail(s, event) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("always")

    def broken_hook(s, event) -> None:  # type: ignore[no-untyped-def]
        calls.append(event.id)
        raise RuntimeError("hook broken")

    outbox.on_dead(broken_hook)
    monkeypatch.setenv("YIWANG_OUTBOX_MAX_ATTEMPTS", "1")
    reset_settings()
    try:
        ev = outbox.emit(session, "test.dead_fail", {}, subject="case:X")
        session.commit()
        outbox.run_once(engine)
    finally:
        outbox._dead_hooks.remove(broken_hook)
        monkeypatch.delenv("YIWANG_OUTBOX_MAX_ATTEMPTS")
        reset_settings()
    session.expire_all()
    assert calls == [ev.id] and session.get(OutboxEvent, ev.id).status == "dead"
    assert [e.id for e in outbox.dead_for(session, "case:X")] == [ev.id]
