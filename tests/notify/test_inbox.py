"""Reading messages: only one's own, newest first; mark one or all read — service, API contract and pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from tests.notify import factories as nf
from tests.web.helpers import applicant_login, csrf_of, staff_login
from yiwang.core import clock
from yiwang.notify import service as notify
from yiwang.notify.errors import MessageNotFound

pytestmark = pytest.mark.db


def _message(session, recipient: str, n: int, title: str | None = None) -> int:  # type: ignore[no-untyped-def]
    with clock.frozen(nf.MONDAY + dt.timedelta(minutes=n)):
        msg = notify.send(session, recipient=recipient, topic="case.accept", title=title or f"消息{n}",
                          body=f"第 {n} 条消息的正文", link=f"/my/cases/{n}", event_key=f"t-{n}:{recipient}",
                          channels=())
    assert msg is not None
    return msg.id


def _people(session):  # type: ignore[no-untyped-def]
    zhang, zhang_id = f.person(session, "张三")
    li, li_id = f.person(session, "李四")
    return zhang, zhang_id, li, li_id


def test_inbox_is_ones_own_newest_first(session) -> None:  # type: ignore[no-untyped-def]
    zhang, _, li, _ = _people(session)
    ids = [_message(session, zhang.label, n) for n in (1, 2, 3)]
    theirs = _message(session, li.label, 4)
    total, rows = notify.inbox(session, zhang, limit=2)
    assert total == 3 and [r.id for r in rows] == [ids[2], ids[1]]
    assert notify.inbox(session, zhang, limit=2, offset=2)[1][0].id == ids[0]
    with pytest.raises(MessageNotFound):
        notify.mark_read(session, zhang, theirs)
    read = notify.mark_read(session, zhang, ids[0])
    assert read.read_at is not None and notify.mark_read(session, zhang, ids[0]).read_at == read.read_at
    assert notify.unread_count(session, zhang) == 2
    assert [r.id for r in notify.inbox(session, zhang, unread_only=True)[1]] == [ids[2], ids[1]]
    assert notify.mark_all_read(session, zhang) == 2 and notify.unread_count(session, zhang) == 0
    assert notify.unread_count(session, li) == 1  # the other person's message is untouched


def test_api_contract(client, session) -> None:  # type: ignore[no-untyped-def]
    zhang, zhang_id, li, li_id = _people(session)
    first, second = _message(session, zhang.label, 1), _message(session, zhang.label, 2)
    theirs = _message(session, li.label, 3)
    session.commit()
    headers = f.api_login(client, zhang_id)
    assert client.get("/api/v1/messages").status_code == 401
    body = client.get("/api/v1/messages", headers=headers).json()
    assert body["total"] == 2 and body["unread"] == 2
    assert set(body["items"][0]) == {"id", "topic", "title", "body", "link", "created_at", "read_at"}
    assert [i["id"] for i in body["items"]] == [second, first]
    assert body["items"][0]["link"] == "/my/cases/2" and body["items"][0]["read_at"] is None
    page = client.get("/api/v1/messages?limit=1&offset=1", headers=headers).json()
    assert page["total"] == 2 and [i["id"] for i in page["items"]] == [first]

    r = client.post(f"/api/v1/messages/{first}/read", headers=headers)
    assert r.status_code == 200 and r.json()["id"] == first and r.json()["read_at"]
    unread = client.get("/api/v1/messages?unread=true", headers=headers).json()
    assert unread["total"] == 1 and unread["unread"] == 1 and [i["id"] for i in unread["items"]] == [second]
    other = client.post(f"/api/v1/messages/{theirs}/read", headers=headers)
    assert other.status_code == 404 and other.json()["error"]["code"] == "message_not_found"
    assert client.post("/api/v1/messages/abc/read", headers=headers).status_code == 404
    assert client.get("/api/v1/messages?unread=maybe", headers=headers).status_code == 422
    assert client.get("/api/v1/messages?limit=0", headers=headers).status_code == 422

    assert client.post("/api/v1/messages/read-all", headers=headers).json() == {"updated": 1}
    assert client.post("/api/v1/messages/read-all", headers=headers).json() == {"updated": 0}
    theirs_now = client.get("/api/v1/messages", headers=f.api_login(client, li_id)).json()
    assert theirs_now["unread"] == 1 and [i["id"] for i in theirs_now["items"]] == [theirs]


def test_applicant_pages(client, session) -> None:  # type: ignore[no-untyped-def]
    zhang, zhang_id, li, _ = _people(session)
    first = _message(session, zhang.label, 1, "您申请的事项已受理")
    _message(session, zhang.label, 2, "请补正材料")
    _message(session, li.label, 3, "别人的消息")
    session.commit()
    anonymous = client.get("/my/messages", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    applicant_login(client, zhang_id)
    page = client.get("/my/messages")
    assert page.status_code == 200
    assert "您申请的事项已受理" in page.text and "请补正材料" in page.text and "别人的消息" not in page.text
    assert page.text.index("请补正材料") < page.text.index("您申请的事项已受理")  # newest first
    assert page.text.count("message unread") == 2 and "全部标为已读" in page.text
    token = csrf_of(page.text)
    assert client.post(f"/my/messages/{first}/read", data={"csrf_token": "forged"}).status_code == 403
    done = client.post(f"/my/messages/{first}/read", data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and done.text.count("message unread") == 1 and "已标为已读" in done.text
    unread = client.get("/my/messages?unread=1")
    assert "请补正材料" in unread.text and "您申请的事项已受理" not in unread.text
    all_read = client.post("/my/messages/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert all_read.status_code == 200 and "message unread" not in all_read.text
    assert "全部消息已标为已读" in all_read.text
    assert client.get("/workbench/messages", follow_redirects=False).status_code == 303  # staff only


def test_staff_page_and_someone_elses_message(client, session) -> None:  # type: ignore[no-untyped-def]
    clerk = f.staff(session, "clerk", ["handler"])
    zhang, _, _, _ = _people(session)
    mine = _message(session, clerk.label, 1, "差评整改待办")
    theirs = _message(session, zhang.label, 2, "申请人的消息")
    session.commit()
    staff_login(client, "clerk")
    page = client.get("/workbench/messages")
    assert page.status_code == 200 and "差评整改待办" in page.text and "申请人的消息" not in page.text
    token = csrf_of(page.text)
    assert client.post(f"/workbench/messages/{theirs}/read", data={"csrf_token": token}).status_code == 404
    ok = client.post(f"/workbench/messages/{mine}/read", data={"csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/workbench/messages")
    assert client.get("/my/messages", follow_redirects=False).status_code == 303  # applicants only
