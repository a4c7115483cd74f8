"""Staff pages of 好差评: the department's rectification tasks (list; one task: record the callback, reply,
appeal a malicious or mistaken rating) and the supervisor's appeal decisions (/workbench/appeals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.cases import service as cases
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.states import APPEAL_STATUS_LABELS, RECT_STATUS_LABELS
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(prefix="/workbench", include_in_schema=False)

PAGE_SIZE = 30
STATUS_FILTERS = {"": "全部", **RECT_STATUS_LABELS}
DONE = {"callback": "回访核实情况已记录。", "reply": "整改答复已提交，申请人可在评价页面看到答复。",
        "appeal": "申诉已提交，等待监察员审核。"}
STALE = "该整改任务在您打开页面之后已被其他人处理，您的答复没有提交。下面是任务的最新情况，请核对后再决定是否操作。"
APPEAL_FILTERS = {"requested": "待审核", "upheld": "申诉成立", "rejected": "申诉不成立", "": "全部"}


def _id(raw: str, what: str) -> int:
    """A numeric id from the path; anything else is simply not found."""
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 16):
        raise NotFound(f"{what}不存在", field="id")
    return int(raw)


def _text(posted: FormData, name: str, limit: int = 4000) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _reader(actor: Actor) -> Actor:
    require_staff(actor)
    if not actor.can(Perm.EVALUATION_APPEAL):
        actor.require(Perm.EVALUATION_RECTIFY)
    return actor


@router.get("/rectifications")
def rectification_list(request: Request, status: str = "", overdue: str = "", page: str = "1",
                       session: Session = Depends(get_session, scope="function"),
                       actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _reader(actor)
    number = page_number(page)
    status = status if status in STATUS_FILTERS else ""
    late = overdue == "1"
    total, rows = evaluation.list_rectifications(session, actor, status=status or None, overdue=late,
                                                 limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "workbench/rectifications.html", {
        "items": rows, "total": total, "status": status, "overdue": late, "filters": STATUS_FILTERS,
        "can_decide": actor.can(Perm.EVALUATION_APPEAL),
        "pager": pager("/workbench/rectifications", {"status": status, "overdue": "1" if late else ""}, number, total,
                       PAGE_SIZE)})


def _detail(request: Request, session: Session, actor: Actor, rectification_id: int, *, status: int = 200,
            error: dict[str, Any] | None = None, notice: str | None = None,
            values: dict[str, str] | None = None) -> Any:
    task = evaluation.get_rectification(session, actor, rectification_id)
    try:
        item_name = cases.get_case(session, actor, task.case_no).item_name
    except DomainError:
        item_name = task.item_code
    can_handle = actor.can(Perm.EVALUATION_RECTIFY)
    return render(request, "workbench/rectification.html", {
        "t": task, "item_name": item_name, "can_handle": can_handle and task.status == "open",
        "can_appeal": can_handle and task.appeal_status is None and not task.excluded and task.current_level >= 4,
        "error": error, "notice": notice, "values": values or {}}, status=status)


@router.get("/rectifications/{rectification_id}")
def rectification_page(request: Request, rectification_id: str, done: str = "",
                       session: Session = Depends(get_session, scope="function"),
                       actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _reader(actor)
    return _detail(request, session, actor, _id(rectification_id, "整改任务"), notice=DONE.get(done))


def _act(request: Request, session: Session, actor: Actor, raw_id: str, posted: FormData, done: str,
         action: Callable[[int, dict[str, str]], Any]) -> Any:
    """Run one action from a task page: back to the page with the outcome, or the form again with the error."""
    require_staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    rectification_id = _id(raw_id, "整改任务")
    values = {k: _text(posted, k) for k in ("note", "callback_note", "text", "reason", "version")}
    try:
        with session.begin_nested():
            action(rectification_id, values)
    except DomainError as exc:
        error = {"message": STALE, "field": "version"} if isinstance(exc, StaleVersion) else form_error(exc)
        return _detail(request, session, actor, rectification_id, status=exc.status, error=error, values=values)
    return redirect(f"/workbench/rectifications/{rectification_id}?done={done}")


@router.post("/rectifications/{rectification_id}/callback")
def rectification_callback(request: Request, rectification_id: str, posted: FormData = Depends(posted_form),
                           session: Session = Depends(get_session, scope="function"),
                           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _act(request, session, actor, rectification_id, posted, "callback", lambda i, v: evaluation.record_callback(
        session, actor, rectification_id=i, note=v["note"]))


@router.post("/rectifications/{rectification_id}/reply")
def rectification_reply(request: Request, rectification_id: str, posted: FormData = Depends(posted_form),
                        session: Session = Depends(get_session, scope="function"),
                        actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _act(request, session, actor, rectification_id, posted, "reply", lambda i, v: evaluation.reply(
        session, actor, rectification_id=i, text=v["text"], callback_note=v["callback_note"] or None,
        expected_version=shown_version(v["version"])))


@router.post("/rectifications/{rectification_id}/appeal")
def rectification_appeal(request: Request, rectification_id: str, posted: FormData = Depends(posted_form),
                         session: Session = Depends(get_session, scope="function"),
                         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def appeal(i: int, v: dict[str, str]) -> Any:
        task = evaluation.get_rectification(session, actor, i)
        return evaluation.request_appeal(session, actor, evaluation_id=task.evaluation_id, reason=v["reason"])

    return _act(request, session, actor, rectification_id, posted, "appeal", appeal)


# --- appeals (supervisors) ------------------------------------------------------------------------------

def _appeals(request: Request, session: Session, actor: Actor, *, status: str, number: int, code: int = 200,
             error: dict[str, Any] | None = None, error_id: int | None = None, notice: str | None = None) -> Any:
    total, rows = evaluation.list_appeals(session, actor, status=status or None, limit=PAGE_SIZE,
                                          offset=(number - 1) * PAGE_SIZE)
    return render(request, "workbench/appeals.html", {
        "items": rows, "total": total, "status": status, "filters": APPEAL_FILTERS, "labels": APPEAL_STATUS_LABELS,
        "error": error, "error_id": error_id, "notice": notice,
        "pager": pager("/workbench/appeals", {"status": status}, number, total, PAGE_SIZE)}, status=code)


@router.get("/appeals")
def appeal_list(request: Request, status: str = "requested", page: str = "1", done: str = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.EVALUATION_APPEAL)
    notice = {"upheld": "已认定申诉成立，该评价不再计入统计。", "rejected": "已认定申诉不成立，评价保持不变。"}.get(done)
    return _appeals(request, session, actor, status=status if status in APPEAL_FILTERS else "requested",
                    number=page_number(page), notice=notice)


@router.post("/appeals/{evaluation_id}")
def appeal_decide(request: Request, evaluation_id: str, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.EVALUATION_APPEAL)
    check_csrf(request, _text(posted, "csrf_token", 200))
    ev_id = _id(evaluation_id, "评价")
    decision = _text(posted, "decision", 10)
    try:
        with session.begin_nested():
            if decision not in ("uphold", "reject"):
                raise ValidationFailed("请选择申诉是否成立", field="decision")
            evaluation.decide_appeal(session, actor, evaluation_id=ev_id, uphold=decision == "uphold",
                                     reason=_text(posted, "reason", 2000))
    except DomainError as exc:
        return _appeals(request, session, actor, status="requested", number=1, code=exc.status,
                        error=form_error(exc), error_id=ev_id)
    return redirect(f"/workbench/appeals?done={'upheld' if decision == 'uphold' else 'rejected'}")
