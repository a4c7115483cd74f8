"""Staff page of the 12345 message board (/workbench/hotline/board): the moderation queue of the region's posts,
where a hotline operator publishes a post (editing the masked text first) or keeps it off the board with a reason,
and where an operator or a supervisor puts a published post whose problem was confirmed into 曝光纠错."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.hotline import board
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(prefix="/workbench/hotline/board", include_in_schema=False)

PAGE_SIZE = 20
FILTERS = {board.PENDING: "待审核", board.PUBLISHED: "已公开", board.REJECTED: "不予公开", "exposure": "曝光纠错"}
DONE = {"published": "留言已公开。", "rejected": "已设为不予公开，留言人可看到理由；工单照常办理。",
        "exposed": "已列入曝光纠错栏目。"}


def _text(posted: FormData, name: str, limit: int) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _post_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
        raise NotFound("留言不存在", field="id")
    return int(raw)


def _board_staff(actor: Actor) -> Actor:
    require_staff(actor)
    if not board.may_expose(actor):
        actor.require(Perm.HOTLINE_MODERATE)
    return actor


def _shown(raw: str, actor: Actor) -> str:
    default = board.PENDING if board.may_moderate(actor) else board.PUBLISHED
    return raw if raw in FILTERS else default


def _url(shown: str, number: int, done: str = "") -> str:
    query = {"status": shown, "page": str(number) if number > 1 else "", "done": done}
    return "/workbench/hotline/board?" + urlencode({k: v for k, v in query.items() if v})


def _queue(request: Request, session: Session, actor: Actor, *, shown: str, number: int, status: int = 200,
           error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
           notice: str | None = None) -> Any:
    exposure = shown == "exposure"
    listed_error = None
    found = board.moderation_queue(session, actor, status=board.PUBLISHED if exposure else shown,
                                   exposure=exposure, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    if error is not None and not any(r.post.id == error.get("id") for r in found.rows):
        listed_error, error = error, None  # the post left this list meanwhile: the message goes above it
    return render(request, "workbench/hotline/board.html", {
        "listed_error": listed_error,
        "rows": [{"row": r, "view": board.view(r, actor), "moderate": board.may_moderate(actor, r.ticket),
                  "expose": board.may_expose(actor, r.ticket)} for r in found.rows],
        "total": found.total, "shown": shown, "filters": FILTERS, "page": number,
        "error": error, "values": values or {}, "notice": notice,
        "pager": pager("/workbench/hotline/board", {"status": shown}, number, found.total, PAGE_SIZE)}, status=status)


@router.get("")
def queue_page(request: Request, status: str = "", page: str = "1", done: str = "",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _board_staff(actor)
    return _queue(request, session, actor, shown=_shown(status, actor), number=page_number(page),
                  notice=DONE.get(done))


def _act(request: Request, session: Session, actor: Actor, raw_id: str, posted: FormData, form: str,
         run: Callable[[int, dict[str, str]], str]) -> Any:
    """One form of the queue: run it in a savepoint and go back to the list the form was on, or show that list
    again with the error beside the form that was sent."""
    _board_staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    post_id = _post_id(raw_id)
    shown = _shown(_text(posted, "shown", 12), actor)
    number = page_number(_text(posted, "page", 6))
    values = {"title": _text(posted, "title", 200), "content": _text(posted, "content", 8000),
              "note": _text(posted, "note", 1000), "reason": _text(posted, "reason", 1000),
              "problem": _text(posted, "problem", 4000), "correction": _text(posted, "correction", 4000)}
    try:
        with session.begin_nested():
            done = run(post_id, values)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _queue(request, session, actor, shown=shown, number=number, status=exc.status,
                      error=form_error(exc) | {"id": post_id, "form": form}, values=values)
    return redirect(_url(shown, number, done))


@router.post("/{post_id}/moderation")
def moderation(request: Request, post_id: str, posted: FormData = Depends(posted_form),
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    action = _text(posted, "action", 10)

    def run(pid: int, values: dict[str, str]) -> str:
        if action == "publish":
            board.publish(session, actor, pid, title=values["title"], content=values["content"],
                          note=values["note"] or None)
            return "published"
        if action == "reject":
            board.reject(session, actor, pid, reason=values["reason"])
            return "rejected"
        raise ValidationFailed("请选择公开或不予公开", field="action", code="unknown_action")

    return _act(request, session, actor, post_id, posted, action if action in ("publish", "reject") else "publish",
                run)


@router.post("/{post_id}/exposure")
def exposure(request: Request, post_id: str, posted: FormData = Depends(posted_form),
             session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def run(pid: int, values: dict[str, str]) -> str:
        board.expose(session, actor, pid, problem=values["problem"], correction=values["correction"])
        return "exposed"

    return _act(request, session, actor, post_id, posted, "exposure", run)
