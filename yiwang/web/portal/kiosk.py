"""The hall's self-service kiosk (自助终端): a touch screen by the entrance. Taking a queue ticket, the item
guide (办事指南), the public progress query, licence verification and checking in for an appointment.

Touch first: every target is large, numbers are typed on an on-screen digit pad made of plain submit buttons (each
press posts the form and the page comes back with the digit added, so it works without scripts; ``kiosk.js``
types locally instead). ``kiosk.js`` also returns to the start page after 60 s without a touch; result pages fall
back to a ``<noscript>`` refresh. Nothing personal is shown (progress shows status and step only; verification no
holder), and no page is cached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.core.requests import client_address, get_session
from yiwang.hall import service as hall
from yiwang.hall.schemas import HallOut
from yiwang.hall.states import PRIORITY_LABELS
from yiwang.licenses import service as licenses
from yiwang.portal import service as portal
from yiwang.web.pagekit import current_actor, redirect
from yiwang.web.portal.guide import guide_context, limit_words
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)

IDLE_SECONDS = 60  # back to the start page after this long without a touch
RESULT_SECONDS = 60  # result pages without scripts go back to the start after this long
FORM_SECONDS = 120  # … and forms after this long
GUIDE_RESULTS = 10
DIGITS = "0123456789"


def _page(request: Request, template: str, found: HallOut, context: dict[str, Any] | None = None, *,
          status: int = 200, result: bool = False) -> Any:
    # without scripts every page but the start page goes back to the start by itself: a result after a minute, a
    # form (the digit pad, with what the last person typed) after two
    back = None if template == "kiosk/start.html" else RESULT_SECONDS if result else FORM_SECONDS
    ctx = {"hall": found, "home": f"/kiosk/{quote(found.code, safe='')}", "idle_seconds": IDLE_SECONDS,
           "result_seconds": back}
    response = render(request, template, ctx | (context or {}), status=status)
    response.headers["Cache-Control"] = "no-store"  # a shared screen: nothing is kept for the next person
    return response


def _hall(session: Session, hall_code: str) -> HallOut:
    return hall.get_hall(session, hall_code.strip()[:40])  # HallNotFound → the Chinese 404 page


# --- the digit pad ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PadField:
    name: str
    label: str
    hint: str
    max_len: int
    keys: str = DIGITS  # what may be typed besides digits ("X": the last character of an ID number)
    prefix: str = ""  # shown before the input and added back when missing (the appointment number's "Y")


PROGRESS_FIELDS = (
    PadField("case_no", "办件编号", "办件编号在受理通知书或短信中", 40),
    PadField("tail", "手机号码或证件号码后四位", "申请时登记的手机号码或证件号码的后四位；证件号码末位是 X 的请按 X 键", 4,
             DIGITS + "X"),
)
CHECK_IN_FIELDS = (
    PadField("appointment_no", "预约号", "预约成功短信中的预约号，只需输入 Y 后面的数字", 23, prefix="Y"),
    PadField("phone_tail", "预约手机号后四位", "预约时登记的手机号码的后四位", 4),
)


def _clean(field: PadField, raw: str) -> str:
    text = (raw or "").strip().upper()
    if field.prefix and text.startswith(field.prefix):
        text = text[len(field.prefix):]
    return "".join(ch for ch in text if ch in field.keys)[:field.max_len]


@dataclass
class PadState:
    fields: tuple[PadField, ...]
    values: dict[str, str]
    step: int
    error: dict[str, Any] | None = None

    @property
    def field(self) -> PadField:
        return self.fields[self.step]

    def context(self) -> dict[str, Any]:
        pad_keys = [*"123456789", "X" if "X" in self.field.keys else "clear", "0", "back"]
        return {"fields": self.fields, "values": self.values, "step": self.step, "field": self.field,
                "last": self.step == len(self.fields) - 1, "pad_keys": pad_keys, "error": self.error}


def _pad(fields: tuple[PadField, ...], form: dict[str, str]) -> tuple[PadState, str]:
    """The pad's state after this press, and what to do: ``type`` (show the pad again) or ``submit``."""
    values = {f.name: _clean(f, form.get(f.name, "")) for f in fields}
    step = form.get("step", "0")
    state = PadState(fields, values, int(step) if step.isascii() and step.isdigit() and int(step) < len(fields) else 0)
    key, action = form.get("key", ""), form.get("action", "")
    current = state.field
    if key:
        text = values[current.name]
        if key == "back":
            values[current.name] = text[:-1]
        elif key == "clear":
            values[current.name] = ""
        elif len(key) == 1 and key in current.keys and len(text) < current.max_len:
            values[current.name] = text + key
        return state, "type"
    if action == "prev":
        state.step = max(0, state.step - 1)
        return state, "type"
    if action in ("next", "go"):
        for i, f in enumerate(fields[:state.step + 1]):
            if not values[f.name] or (f.max_len == 4 and len(values[f.name]) != 4):
                state.step = i
                state.error = {"message": f"请输入{f.label}" if not values[f.name] else f"{f.label}应为 4 位",
                               "field": f.name}
                return state, "type"
        if state.step < len(fields) - 1:
            state.step += 1
            return state, "type"
        return state, "submit"
    return state, "type"


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20)
    check_csrf(request, str(form.get("csrf_token") or ""))
    return {k: v[:100] for k, v in form.items() if isinstance(v, str)}


# --- start ---------------------------------------------------------------------------------------------------

@router.get("/kiosk/{hall_code}")
def start(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    return _page(request, "kiosk/start.html", found, {"board": hall.board(session, found.code)})


# --- 取号 --------------------------------------------------------------------------------------------------

def _ticket_form(request: Request, session: Session, found: HallOut, *, error: dict[str, Any] | None = None,
                 priority: str = "normal", status: int = 200) -> Any:
    board = hall.board(session, found.code)
    return _page(request, "kiosk/ticket.html", found, {
        "queues": board.queues, "error": error, "priority": priority,
        "priorities": [(p, PRIORITY_LABELS[p]) for p in ("normal", "elderly", "disabled")]}, status=status)


@router.get("/kiosk/{hall_code}/ticket")
def ticket_form(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    return _ticket_form(request, session, _hall(session, hall_code))


@router.post("/kiosk/{hall_code}/ticket")
def take_ticket(request: Request, hall_code: str, window_type: str = Form(""), item_code: str = Form(""),
                priority: str = Form("normal"), csrf_token: str = Form(""),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    check_csrf(request, csrf_token)
    chosen = priority if priority in ("normal", "elderly", "disabled") else "normal"
    try:
        with session.begin_nested():
            ticket = hall.take_ticket(session, actor, found.code, window_type=window_type.strip()[:12] or None,
                                      item_code=item_code.strip()[:64] or None, priority=chosen, source="kiosk")
    except DomainError as exc:
        return _ticket_form(request, session, found, error=form_error(exc), priority=chosen, status=exc.status)
    # the priority just chosen rides along in the address, for this page only: a ticket's own lookup does not
    # tell strangers who took it with priority
    shown = "" if chosen == "normal" else f"?priority={chosen}"
    return redirect(f"/kiosk/{quote(found.code, safe='')}/ticket/{quote(ticket.ticket_no, safe='')}{shown}")


@router.get("/kiosk/{hall_code}/ticket/{ticket_no}")
def ticket_page(request: Request, hall_code: str, ticket_no: str, checked_in: str = "", priority: str = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    ticket = hall.find_ticket(session, found.code, ticket_no[:12], viewer=actor)  # TicketNotFound → 404 page
    if not ticket.priority and priority in ("elderly", "disabled"):
        ticket.priority = priority
    return _page(request, "kiosk/ticket_result.html", found, {
        "ticket": ticket, "checked_in": checked_in == "1",
        "window_label": next((q.label for q in hall.board(session, found.code).queues
                              if q.window_type == ticket.window_type), ticket.window_type),
        "priority_label": PRIORITY_LABELS.get(ticket.priority, "")}, result=True)


# --- 办事指南 ----------------------------------------------------------------------------------------------

@router.get("/kiosk/{hall_code}/guide")
def guide_search(request: Request, hall_code: str, q: str = "",
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    q = q.strip()[:50]
    error, status = None, 200
    try:
        page = portal.browse(session, q=q, limit=GUIDE_RESULTS)
        total, results = page.total, page.items
        if q:
            portal.record_search(session, q, client=client_address(request))
    except DomainError as exc:
        total, results, error, status = 0, [], form_error(exc), exc.status
    return _page(request, "kiosk/guide.html", found, {
        "q": q, "total": total, "error": error,
        "results": [{"item": s, "limit": limit_words(s.promised_limit)} for s in results]}, status=status)


@router.get("/kiosk/{hall_code}/guide/{item_code}")
def guide_item(request: Request, hall_code: str, item_code: str,
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    guide = catalog.get_guide(session, item_code[:64])  # ItemNotFound → the Chinese 404 page
    here = [w for w in found.windows if guide.code in (w.get("item_codes") or [])]
    if not here:
        general = [w for w in found.windows if w["type"] == "综合"]
        here = general or found.windows[:1]
    return _page(request, "kiosk/guide_item.html", found, guide_context(guide) | {
        "windows": here, "required": [m for m in guide.materials if m.required],
        "optional": [m for m in guide.materials if not m.required]})


def _blank_pad(request: Request, found: Any, fields: Any, template: str) -> Any:
    """A keypad form before anything is typed (the progress query, the check-in)."""
    return _page(request, template, found, PadState(fields, {f.name: "" for f in fields}, 0).context())


# --- 办件进度查询 ------------------------------------------------------------------------------------------

@router.get("/kiosk/{hall_code}/progress")
def progress_form(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)) -> Any:
    return _blank_pad(request, _hall(session, hall_code), PROGRESS_FIELDS, "kiosk/progress.html")


@router.post("/kiosk/{hall_code}/progress")
async def progress(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    state, todo = _pad(PROGRESS_FIELDS, await _posted(request))
    if todo == "type":
        return _page(request, "kiosk/progress.html", found, state.context(),
                     status=422 if state.error else 200)
    try:
        case = cases.public_progress(session, case_no=state.values["case_no"], tail=state.values["tail"],
                                     client=client_address(request))
    except DomainError as exc:
        state.step, state.error = 0, form_error(exc)
        return _page(request, "kiosk/progress.html", found, state.context(), status=exc.status)
    view = cases.public_view(session, case)
    last = view["steps"][-1] if view["steps"] else None
    # status and the latest step only: no names, no item details beyond the status
    return _page(request, "kiosk/progress_result.html", found, {
        "case_no": view["case_no"], "status_label": view["status_label"], "step": last["step"] if last else "",
        "step_at": last["at"] if last else "", "deadline": view["deadline"], "clock_label": view["clock_label"]},
        result=True)


# --- 证照核验 ----------------------------------------------------------------------------------------------

def _license_id(raw: str) -> str:
    """What the kiosk's scanner typed: the licence's QR code (a /verify/… address) or the identifier itself."""
    text = (raw or "").strip()
    if "/verify/" in text:
        text = text.rsplit("/verify/", 1)[1]
    return text.split("?", 1)[0].split("#", 1)[0].strip("/ ")[:32]


@router.get("/kiosk/{hall_code}/verify")
def verify_form(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    return _page(request, "kiosk/verify.html", _hall(session, hall_code), {"value": ""})


@router.post("/kiosk/{hall_code}/verify")
def verify(request: Request, hall_code: str, license_id: str = Form(""), csrf_token: str = Form(""),
           session: Session = Depends(get_session, scope="function"),
           actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    check_csrf(request, csrf_token)
    wanted = _license_id(license_id[:300])
    try:
        if not wanted:
            raise ValidationFailed("请扫描证照上的二维码，或输入证照标识", field="license_id")
        result, _ = licenses.check_registered(session, wanted, method="page", client=client_address(request))
    except DomainError as exc:
        return _page(request, "kiosk/verify.html", found, {"value": wanted, "error": form_error(exc)},
                     status=exc.status)
    lic = result.license
    return _page(request, "kiosk/verify_result.html", found, {
        "valid": result.valid, "reasons": result.reasons,
        # what the document is, never whose: a stranger may be standing behind the holder
        "facts": None if lic is None else {"type": lic.type, "identifier": lic.identifier, "issuer": lic.issuer,
                                           "status_label": lic.status_label, "valid_from": lic.valid_from,
                                           "valid_until": lic.valid_until}}, result=True)


# --- 预约签到 ----------------------------------------------------------------------------------------------

@router.get("/kiosk/{hall_code}/check-in")
def check_in_form(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)) -> Any:
    return _blank_pad(request, _hall(session, hall_code), CHECK_IN_FIELDS, "kiosk/check_in.html")


@router.post("/kiosk/{hall_code}/check-in")
async def check_in(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)) -> Any:
    found = _hall(session, hall_code)
    state, todo = _pad(CHECK_IN_FIELDS, await _posted(request))
    if todo == "type":
        return _page(request, "kiosk/check_in.html", found, state.context(), status=422 if state.error else 200)
    try:
        ticket = hall.kiosk_check_in(session, found.code, "Y" + state.values["appointment_no"],
                                     state.values["phone_tail"], client=client_address(request))
    except DomainError as exc:
        state.step, state.error = 0, form_error(exc)
        return _page(request, "kiosk/check_in.html", found, state.context(), status=exc.status)
    return redirect(f"/kiosk/{quote(found.code, safe='')}/ticket/{quote(ticket.ticket_no, safe='')}?checked_in=1")
