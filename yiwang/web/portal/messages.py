"""Message pages (消息): the applicant's inbox (/my/messages) and a staff member's (/workbench/messages). Both
list the visitor's own messages newest first, unread ones highlighted, and mark one or all read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.notify import service as notify
from yiwang.notify.errors import MessageNotFound
from yiwang.web.pagekit import current_actor, redirect, require_applicant, require_staff
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
MY, WORKBENCH = "/my/messages", "/workbench/messages"
NOTICES = {"one": "已标为已读。", "all": "全部消息已标为已读。"}


def _inbox(request: Request, session: Session, actor: Actor, base: str, page: str, unread: str, done: str) -> Any:
    number = page_number(page)
    unread_only = unread == "1"
    total, rows = notify.inbox(session, actor, unread_only=unread_only, limit=PAGE_SIZE,
                               offset=(number - 1) * PAGE_SIZE)
    params = {"unread": "1" if unread_only else ""}
    return render(request, "portal/messages.html", {
        "base": base, "items": rows, "total": total, "unread_total": notify.unread_count(session, actor),
        "unread_only": unread_only, "page": number, "notice": NOTICES.get(done),
        "staff": base == WORKBENCH, "pager": pager(base, params, number, total, PAGE_SIZE)})


def _back(base: str, page: str, unread: str, done: str) -> Any:
    query = [f"done={done}"]
    if unread == "1":
        query.append("unread=1")
    if page_number(page) > 1:
        query.append(f"page={page_number(page)}")
    return redirect(f"{base}?{'&'.join(query)}")


def _read_one(request: Request, session: Session, actor: Actor, message_id: str, csrf_token: str) -> None:
    check_csrf(request, csrf_token)
    if not message_id.isascii() or not message_id.isdigit() or len(message_id) > 18:
        raise MessageNotFound("消息不存在")
    notify.mark_read(session, actor, int(message_id))


# --- applicants -----------------------------------------------------------------------------------------

@router.get(MY)
def my_messages(request: Request, page: str = "1", unread: str = "", done: str = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _inbox(request, session, actor, MY, page, unread, done)


@router.post(MY + "/read-all")
def my_read_all(request: Request, csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, csrf_token)
    notify.mark_all_read(session, actor)
    return _back(MY, "1", "", "all")


@router.post(MY + "/{message_id}/read")
def my_read_one(request: Request, message_id: str, csrf_token: str = Form(""), page: str = Form("1"),
                unread: str = Form(""), session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    _read_one(request, session, actor, message_id, csrf_token)
    return _back(MY, page, unread, "one")


# --- staff ----------------------------------------------------------------------------------------------

@router.get(WORKBENCH)
def staff_messages(request: Request, page: str = "1", unread: str = "", done: str = "",
                   session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    return _inbox(request, session, actor, WORKBENCH, page, unread, done)


@router.post(WORKBENCH + "/read-all")
def staff_read_all(request: Request, csrf_token: str = Form(""),
                   session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    check_csrf(request, csrf_token)
    notify.mark_all_read(session, actor)
    return _back(WORKBENCH, "1", "", "all")


@router.post(WORKBENCH + "/{message_id}/read")
def staff_read_one(request: Request, message_id: str, csrf_token: str = Form(""), page: str = Form("1"),
                   unread: str = Form(""), session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    _read_one(request, session, actor, message_id, csrf_token)
    return _back(WORKBENCH, page, unread, "one")
