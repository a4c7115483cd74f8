"""Staff pages of the service hall (政务服务大厅): the window page where the clerk on duty calls, serves, hands over
and finishes tickets and sees the person in front of them (窗口叫号), and the front desk where a window clerk of the
hall's region takes tickets for people, puts skipped tickets back and checks appointments in (前台取号)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.cases.states import STATUS_LABELS as CASE_STATUS_LABELS
from yiwang.core import clock
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.hall import service as hall
from yiwang.hall.states import (
    OUTCOMES,
    PRIORITY_LABELS,
    TICKET_STATUS_LABELS,
    WINDOW_TYPE_LABELS,
    WINDOW_TYPES,
)
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(prefix="/workbench/hall", include_in_schema=False)

WINDOW_ACTIONS = ("call", "recall", "skip", "serve", "transfer", "finish", "identify")
WINDOW_DONE = {"call": "已叫号，请等候办事人到窗口。", "recall": "已重呼。", "skip": "已过号，可叫下一号。",
               "serve": "已开始办理，办事登记已生成（您为首问负责人）。", "transfer": "已转到其他窗口排队，办事记录随号移交。",
               "finish": "办理结果已登记。", "identify": "办事人身份已核验。"}
STALE_WINDOW = "窗口状态在您打开页面之后已经变化（可能已在其他页面操作），本次操作没有执行。下面是窗口的最新情况。"
DESK_PRIORITIES = ("normal", "elderly", "disabled")
DESK_DONE = {"requeue": "已重新排队。", "check_in": "预约已签到，已生成排队号。"}


def _text(posted: FormData, name: str, limit: int = 200) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _code(raw: str) -> str:
    return (raw or "").strip()[:40]


def _window_url(window_code: str, done: str | None = None) -> str:
    return f"/workbench/hall/windows/{quote(window_code, safe='')}" + (f"?done={done}" if done else "")


def _desk_url(hall_code: str, **params: str) -> str:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if v)
    return f"/workbench/hall/desk/{quote(hall_code, safe='')}" + (f"?{query}" if query else "")


def _waited(since: dt.datetime | None, until: dt.datetime | None = None) -> int:
    if since is None:
        return 0
    return max(0, int(((until or clock.now()) - since).total_seconds() // 60))


# --- 窗口叫号 ------------------------------------------------------------------------------------------------

@router.get("")
def my_windows(request: Request, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    windows = hall.my_windows(session, actor)
    if len(windows) == 1:
        return redirect(_window_url(windows[0][0].code))
    return render(request, "workbench/hall_windows.html", {
        "windows": [{"code": w.code, "name": w.name, "type_label": WINDOW_TYPE_LABELS.get(w.type, w.type),
                     "hall_name": h.name} for w, h in windows],
        "desk": actor.can(Perm.HALL_DESK)})


def _window_page(request: Request, session: Session, actor: Actor, window_code: str, *, status: int = 200,
                 error: dict[str, Any] | None = None, notice: str | None = None,
                 values: dict[str, str] | None = None) -> Any:
    state = hall.window_state(session, actor, window_code)
    window, visit = state["window"], state["visit"]
    person, person_error = None, None
    if visit is not None and visit.identified and visit.finished_at is None:
        try:
            person = hall.person_at_window(session, actor, visit.visit_no)
        except DomainError as exc:  # handed over to someone else meanwhile: the panel is not theirs to see
            person_error = exc.message
    ticket = state["ticket"]
    return render(request, "workbench/hall_window.html", {
        "window": window, "hall": state["hall"], "ticket": ticket, "visit": visit, "waiting": state["waiting"],
        "type_label": WINDOW_TYPE_LABELS.get(window.type, window.type),
        "transfer_types": [(t, WINDOW_TYPE_LABELS[t]) for t in state["types"] if t != window.type],
        "priority_labels": PRIORITY_LABELS, "outcomes": OUTCOMES, "case_status_labels": CASE_STATUS_LABELS, "person": person, "person_error": person_error,
        "waited": _waited(ticket.taken_at, ticket.called_at) if ticket else 0,
        "can_intake": actor.can(Perm.CASE_INTAKE) or actor.can(Perm.CASE_PROXY_SUBMIT),
        "error": error, "notice": notice, "values": values or {}}, status=status)


@router.get("/windows/{window_code}")
def window_page(request: Request, window_code: str, done: str = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    return _window_page(request, session, actor, _code(window_code), notice=WINDOW_DONE.get(done))


def _check_shown(session: Session, actor: Actor, window_code: str, ticket_no: str, version: int | None) -> None:
    """Calling the next ticket passes over the one called now, so a second click (or a page opened before another
    tab acted) must not call again: the window must still show what the page showed."""
    current = hall.window_state(session, actor, window_code)["ticket"]
    shown = (current.ticket_no if current else "", current.version if current else None)
    if ticket_no != shown[0] or (ticket_no and version is not None and version != shown[1]):
        raise StaleVersion(STALE_WINDOW, field="version")


def _act(session: Session, actor: Actor, window_code: str, action: str, posted: FormData,
         values: dict[str, str]) -> None:
    ticket_no = values["ticket_no"] or None
    version = shown_version(_text(posted, "version", 20))
    if action == "call":
        _check_shown(session, actor, window_code, values["ticket_no"], version)
        hall.call_next(session, actor, window_code)
        return
    if action in ("recall", "skip", "serve", "transfer", "finish") and ticket_no is None:
        raise ValidationFailed("本窗口当前没有已叫的号", field="ticket_no", code="no_current_ticket")
    if action == "recall":
        hall.recall(session, actor, window_code, ticket_no, expected_version=version)
    elif action == "skip":
        hall.skip(session, actor, window_code, ticket_no, expected_version=version)
    elif action == "serve":
        hall.serve(session, actor, window_code, ticket_no, expected_version=version)
    elif action == "transfer":
        if not values["window_type"]:
            raise ValidationFailed("请选择转往的窗口类型", field="window_type", code="window_type_required")
        hall.transfer(session, actor, window_code, window_type=values["window_type"], ticket_no=ticket_no,
                      reason=values["reason"] or None, expected_version=version)
    elif action == "finish":
        if not values["outcome"]:
            raise ValidationFailed("请选择办理结果", field="outcome", code="outcome_required")
        hall.finish(session, actor, window_code, outcome=values["outcome"], ticket_no=ticket_no,
                    case_no=values["case_no"] or None, item_code=values["item_code"] or None,
                    note=values["note"] or None, expected_version=version)
    elif action == "identify":
        if not values["id_code"]:
            raise ValidationFailed("请输入办事人的身份证号码或统一社会信用代码", field="id_code", code="id_code_required")
        try:
            hall.identify(session, actor, values["visit_no"], values["id_code"])
        except ValidationFailed as exc:
            exc.field = "id_code"  # the page's field for the applicant code
            raise
    else:
        raise ValidationFailed("没有这个操作", field="action", code="invalid_action")


@router.post("/windows/{window_code}/actions")
def window_action(request: Request, window_code: str, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    code = _code(window_code)
    action = _text(posted, "action", 20)
    values = {"ticket_no": _text(posted, "ticket_no", 12).upper(), "window_type": _text(posted, "window_type", 12),
              "reason": _text(posted, "reason", 500), "outcome": _text(posted, "outcome", 12),
              "case_no": _text(posted, "case_no", 40), "item_code": _text(posted, "item_code", 64),
              "note": _text(posted, "note", 1000), "visit_no": _text(posted, "visit_no", 24),
              "id_code": _text(posted, "id_code", 30)}
    try:
        with session.begin_nested():
            _act(session, actor, code, action if action in WINDOW_ACTIONS else "", posted, values)
    except DomainError as exc:
        error = form_error(exc)
        if isinstance(exc, StaleVersion):
            error = {"message": STALE_WINDOW, "field": "version"}
        error["action"] = action
        values.pop("id_code")  # an ID number is never echoed back into the page
        return _window_page(request, session, actor, code, status=exc.status, error=error, values=values)
    return redirect(_window_url(code, action))


# --- 前台取号 ------------------------------------------------------------------------------------------------

def _desk_staff(actor: Actor) -> Actor:
    return require_staff(actor, Perm.HALL_DESK)


@router.get("/desk")
def desk_halls(request: Request, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _desk_staff(actor)
    halls = hall.halls_for(session, actor)
    return render(request, "workbench/hall_desks.html", {
        "halls": [{"code": h.code, "name": h.name, "level": hall.hall_level(h.region_code), "address": h.address}
                  for h in halls if h.active]})


def _desk_page(request: Request, session: Session, actor: Actor, hall_code: str, *, status: int = 200,
               error: dict[str, Any] | None = None, notice: str | None = None, slip: Any = None,
               values: dict[str, str] | None = None) -> Any:
    found, rows = hall.queue(session, actor, hall_code)
    _, appointments = hall.hall_appointments(session, actor, found.code)
    info = hall.hall_out(session, found)
    types = [t for t in WINDOW_TYPES if any(w["type"] == t for w in info.windows)]
    now = clock.now()
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in ("serving", "called", "waiting", "skipped")}
    for t in rows:
        groups.setdefault(t.status, []).append({
            "t": t, "type_label": WINDOW_TYPE_LABELS.get(t.window_type, t.window_type),
            "priority_label": PRIORITY_LABELS.get(t.priority, t.priority), "waited": _waited(t.taken_at, now)})
    return render(request, "workbench/hall_desk.html", {
        "hall": found, "info": info, "groups": groups, "status_labels": TICKET_STATUS_LABELS,
        "types": [(t, WINDOW_TYPE_LABELS[t]) for t in types],
        "priorities": [(p, PRIORITY_LABELS[p]) for p in DESK_PRIORITIES], "appointments": appointments,
        "slip": slip, "type_labels": WINDOW_TYPE_LABELS, "priority_labels": PRIORITY_LABELS, "error": error, "notice": notice, "values": values or {},
        "total": len(rows)}, status=status)


@router.get("/desk/{hall_code}")
def desk_page(request: Request, hall_code: str, ticket: str = "", done: str = "",
              session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _desk_staff(actor)
    code = _code(hall_code)
    slip = None
    if ticket:
        # the desk's own page after taking or checking in: the number to print (only a hall the desk may see)
        hall.queue(session, actor, code)
        try:
            slip = hall.find_ticket(session, code, ticket[:12], viewer=actor)
        except DomainError:
            slip = None
    return _desk_page(request, session, actor, code, slip=slip, notice=DESK_DONE.get(done))


def _posted_desk(posted: FormData) -> dict[str, str]:
    return {"window_type": _text(posted, "window_type", 12), "item_code": _text(posted, "item_code", 64),
            "priority": _text(posted, "priority", 12), "ticket_no": _text(posted, "ticket_no", 12).upper(),
            "appointment_no": _text(posted, "appointment_no", 24)}


def _desk_post(request: Request, session: Session, actor: Actor, hall_code: str, posted: FormData, form: str,
               run: Callable[[str, dict[str, str]], str], *, keep_values: bool = False) -> Any:
    """One front-desk form: run it in a savepoint and go to the address it returns (PRG), or show the desk again
    with the error beside the form that was sent."""
    _desk_staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    code = _code(hall_code)
    values = _posted_desk(posted)
    try:
        with session.begin_nested():
            target = run(code, values)
    except DomainError as exc:
        return _desk_page(request, session, actor, code, status=exc.status, error=form_error(exc) | {"form": form},
                          values=values if keep_values else None)
    return redirect(target)


@router.post("/desk/{hall_code}/tickets")
def desk_take(request: Request, hall_code: str, posted: FormData = Depends(posted_form),
              session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def run(code: str, values: dict[str, str]) -> str:
        priority = values["priority"] or "normal"
        if priority not in DESK_PRIORITIES:
            raise ValidationFailed("请选择普通、老年人优先或残疾人优先", field="priority", code="invalid_priority")
        out = hall.take_ticket(session, actor, code, item_code=values["item_code"] or None,
                               window_type=values["window_type"] or None, priority=priority, source="desk")
        return _desk_url(code, ticket=out.ticket_no)

    return _desk_post(request, session, actor, hall_code, posted, "take", run, keep_values=True)


@router.post("/desk/{hall_code}/requeue")
def desk_requeue(request: Request, hall_code: str, posted: FormData = Depends(posted_form),
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def run(code: str, values: dict[str, str]) -> str:
        hall.requeue(session, actor, code, values["ticket_no"])
        return _desk_url(code, done="requeue")

    return _desk_post(request, session, actor, hall_code, posted, "requeue", run)


@router.post("/desk/{hall_code}/check-in")
def desk_check_in(request: Request, hall_code: str, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def run(code: str, values: dict[str, str]) -> str:
        _, listed = hall.hall_appointments(session, actor, code)
        if values["appointment_no"] not in {a.appointment_no for a in listed}:
            raise ValidationFailed("本大厅今天没有这个预约", field="appointment_no", code="appointment_not_today")
        out = hall.check_in(session, actor, values["appointment_no"])
        return _desk_url(code, ticket=out.ticket_no, done="check_in")

    return _desk_post(request, session, actor, hall_code, posted, "check_in", run)
