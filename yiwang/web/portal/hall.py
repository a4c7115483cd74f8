"""The service hall for the public: the halls and their queues (/hall), one hall with 手机取号 (/hall/{code}), a
ticket's place in the queue (/hall/{code}/tickets/{no}), appointments (预约办事: book, change, cancel, check in)
and the rating tablet beside a window (/hall/rate/{window}?key=…).

Every page works without JavaScript. Pages that follow a changing queue refresh themselves with the ``Refresh``
response header rather than ``<meta http-equiv=refresh>``: the header does the same in every browser, and a page
can offer to stop it (WCAG 2.2.1) without axe flagging a timed refresh in the markup."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.catalog import service as catalog
from yiwang.core import clock
from yiwang.core.calendar import CalendarYearMissing, get_calendar
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.core.requests import client_address, get_session
from yiwang.evaluation.states import BAD_LEVELS, BAD_REASONS, LEVEL_LABELS
from yiwang.hall import service as hall
from yiwang.hall.errors import AlreadyRated, VisitNotFound
from yiwang.hall.schemas import HallOut
from yiwang.hall.states import (
    BOOK_AHEAD_DAYS,
    PRIORITY_LABELS,
    WINDOW_TYPE_LABELS,
    WINDOW_TYPES,
    AppointmentStatus,
    TicketStatus,
)
from yiwang.web.pagekit import current_actor, redirect, require_applicant, shown_version
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(include_in_schema=False)

TICKET_REFRESH_SECONDS = 20
TABLET_IDLE_REFRESH_SECONDS = 5
TABLET_THANKS_SECONDS = 6
TABLET_FORM_REFRESH_SECONDS = 60  # the level screen picks up a newer finished visit now and then
BOOKING_DAYS = 10  # working days offered on the booking page
PHONE_PRIORITIES = ("normal", "elderly", "disabled")
DONE_MESSAGES = {"booked": "预约成功！请在预约时段前 1 小时至开始后 15 分钟内签到取号。", "changed": "已改约。",
                 "cancelled": "预约已取消。", "ticket_cancelled": "已取消该号。"}
FOLLOWED = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


def _text(posted: FormData, name: str, limit: int) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _hall_url(code: str) -> str:
    return f"/hall/{quote(code, safe='')}"


def _ticket_url(code: str, ticket_no: str) -> str:
    return f"{_hall_url(code)}/tickets/{quote(ticket_no, safe='')}"


def _appointment_url(no: str, **query: str) -> str:
    url = f"/hall/appointments/{quote(no, safe='')}"
    return f"{url}?{urlencode(query)}" if query else url


def _tablet_url(window_code: str, key: str, **query: str) -> str:
    return f"/hall/rate/{quote(window_code, safe='')}?{urlencode({'key': key, **query})}"


def _refresh(response: Any, seconds: int, url: str | None = None) -> Any:
    response.headers["Refresh"] = f"{seconds}; url={url}" if url else str(seconds)
    return response


def _types_of(h: HallOut) -> list[tuple[str, str]]:
    present = {w["type"] for w in h.windows}
    return [(t, WINDOW_TYPE_LABELS[t]) for t in WINDOW_TYPES if t in present]


def _items_of(session: Session, h: HallOut) -> list[tuple[str, str]]:
    """The published items the hall's windows take, by name."""
    codes = sorted({c for w in h.windows for c in w["item_codes"]})
    names = catalog.bundle_item_names(session, codes) if codes else {}
    return sorted(((c, names[c][0]) for c in codes if c in names and names[c][2]), key=lambda p: p[1])


# --- the halls -----------------------------------------------------------------------------------------------

@router.get("/hall")
def halls_page(request: Request, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    rows = []
    for h in hall.public_halls(session):
        rows.append({"hall": h, "board": hall.board(session, h.code), "types": _types_of(h)})
    return render(request, "hall/halls.html", {"rows": rows})


@router.get("/hall/appointments")
def my_appointments_page(request: Request, done: str = "", session: Session = Depends(get_session, scope="function"),
                         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    rows = hall.my_appointments(session, actor)
    return render(request, "hall/my_appointments.html", {
        "rows": rows, "booked": AppointmentStatus.BOOKED.value, "type_labels": WINDOW_TYPE_LABELS,
        "notice": DONE_MESSAGES.get(done)})


def _hall_page(request: Request, session: Session, actor: Actor, code: str, *, status: int = 200,
               error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
               notice: str | None = None) -> Any:
    h = hall.get_hall(session, code[:40])
    by_type = [(label, [w for w in h.windows if w["type"] == t]) for t, label in _types_of(h)]
    mine = [t for t in hall.my_tickets(session, actor) if t.hall_code == h.code]
    return render(request, "hall/hall.html", {
        "h": h, "board": hall.board(session, h.code), "by_type": by_type, "types": _types_of(h),
        "items": _items_of(session, h), "priorities": [(p, PRIORITY_LABELS[p]) for p in PHONE_PRIORITIES],
        "mine": mine, "waiting": TicketStatus.WAITING.value, "values": values or {}, "error": error,
        "notice": notice}, status=status)


@router.get("/hall/{hall_code}")
def hall_page(request: Request, hall_code: str, done: str = "",
              session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _hall_page(request, session, actor, hall_code, notice=DONE_MESSAGES.get(done))


@router.post("/hall/{hall_code}/tickets")
def take_ticket(request: Request, hall_code: str, posted: FormData = Depends(posted_form),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    check_csrf(request, _text(posted, "csrf_token", 200))
    values = {"what": _text(posted, "what", 80), "priority": _text(posted, "priority", 12)}
    kind, _, chosen = values["what"].partition(":")
    priority = values["priority"] or "normal"
    try:
        if priority not in PHONE_PRIORITIES:
            raise ValidationFailed("请选择是否优先（老年人、残疾人优先，到窗口时核验）", field="priority",
                                   code="invalid_priority")
        if kind not in ("type", "item") or not chosen:
            raise ValidationFailed("请选择要办理的业务", field="what", code="what_required")
        with session.begin_nested():
            ticket = hall.take_ticket(session, actor, hall_code[:40], source="phone", priority=priority,
                                      window_type=chosen if kind == "type" else None,
                                      item_code=chosen if kind == "item" else None,
                                      client=client_address(request))
    except DomainError as exc:
        if exc.status == 404 and exc.field == "hall_code":
            raise
        return _hall_page(request, session, actor, hall_code, status=exc.status, error=form_error(exc),
                          values=values)
    return redirect(_ticket_url(ticket.hall_code, ticket.ticket_no))


@router.get("/hall/{hall_code}/tickets/{ticket_no}")
def ticket_page(request: Request, hall_code: str, ticket_no: str, auto: str = "1",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    ticket = hall.find_ticket(session, hall_code[:40], ticket_no[:12], viewer=actor)
    mine = any(t.hall_code == ticket.hall_code and t.ticket_no == ticket.ticket_no
               for t in hall.my_tickets(session, actor))
    following = ticket.status in FOLLOWED
    refreshing = following and auto != "0"
    url = _ticket_url(ticket.hall_code, ticket.ticket_no)
    response = render(request, "hall/ticket.html", {
        "t": ticket, "mine": mine, "following": following, "refreshing": refreshing, "url": url,
        "seconds": TICKET_REFRESH_SECONDS, "waiting": TicketStatus.WAITING.value,
        "type_label": WINDOW_TYPE_LABELS.get(ticket.window_type, ticket.window_type),
        "priority_label": PRIORITY_LABELS.get(ticket.priority, "")})
    return _refresh(response, TICKET_REFRESH_SECONDS) if refreshing else response


@router.post("/hall/{hall_code}/tickets/{ticket_no}/cancel")
def cancel_ticket(request: Request, hall_code: str, ticket_no: str, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    try:
        with session.begin_nested():
            ticket = hall.cancel_ticket(session, actor, hall_code[:40], ticket_no[:12])
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _hall_page(request, session, actor, hall_code, status=exc.status, error=form_error(exc))
    return redirect(f"{_hall_url(ticket.hall_code)}?done=ticket_cancelled")


# --- appointments --------------------------------------------------------------------------------------------

def _parse_day(raw: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise ValidationFailed("日期应为 YYYY-MM-DD 格式", field="date", code="invalid_date") from None


def _working_days(session: Session) -> tuple[list[dt.date], str | None]:
    """The next working days one may book (up to ten, within the booking horizon), and why there are fewer when a
    year's holidays are not imported yet."""
    calendar = get_calendar(session)
    today = clock.today()
    days: list[dt.date] = []
    missing = None
    for n in range(BOOK_AHEAD_DAYS + 1):
        day = today + dt.timedelta(days=n)
        try:
            if calendar.is_workday(day):
                days.append(day)
        except CalendarYearMissing:
            missing = f"{day.year} 年的节假日安排尚未导入，暂不能预约 {day.year} 年的日期。"
            break
        if len(days) >= BOOKING_DAYS:
            break
    return days, missing


def _slot_choice(session: Session, hall_code: str, window_type: str, raw_day: str
                 ) -> tuple[dt.date | None, list[Any], dict[str, Any] | None]:
    """The chosen day's slots of one window type, or the Chinese reason there are none."""
    try:
        day = _parse_day(raw_day)
        if day is None:
            return None, [], None
        return day, hall.slots(session, hall_code, day, window_type), None
    except DomainError as exc:
        if exc.field == "hall_code":
            raise
        return None, [], form_error(exc)


def _booking_page(request: Request, session: Session, actor: Actor, code: str, *, raw_day: str, window_type: str,
                  status: int = 200, error: dict[str, Any] | None = None, values: dict[str, str] | None = None
                  ) -> Any:
    h = hall.get_hall(session, code[:40])
    types = _types_of(h)
    if window_type not in dict(types):
        window_type = "综合" if "综合" in dict(types) else (types[0][0] if types else "综合")
    days, missing = _working_days(session)
    day, slots, slot_error = _slot_choice(session, h.code, window_type, raw_day)
    return render(request, "hall/book.html", {
        "h": h, "types": types, "window_type": window_type, "days": days, "missing": missing, "day": day,
        "slots": slots, "slot_error": slot_error, "error": error, "values": values or {},
        "items": _items_of(session, h), "ahead": BOOK_AHEAD_DAYS,
        "day_url": lambda d: f"{_hall_url(h.code)}/appointments/new?"
                             + urlencode({"date": d.isoformat(), "window_type": window_type}),
        "type_url": lambda t: f"{_hall_url(h.code)}/appointments/new?"
                              + urlencode({"date": day.isoformat() if day else "", "window_type": t})},
        status=status)


@router.get("/hall/{hall_code}/appointments/new")
def booking_form(request: Request, hall_code: str, date: str = "", window_type: str = "",
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _booking_page(request, session, actor, hall_code, raw_day=date[:10], window_type=window_type[:12])


@router.post("/hall/{hall_code}/appointments")
def book(request: Request, hall_code: str, posted: FormData = Depends(posted_form),
         session: Session = Depends(get_session, scope="function"),
         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    values = {"date": _text(posted, "date", 10), "start": _text(posted, "start", 5),
              "window_type": _text(posted, "window_type", 12), "item_code": _text(posted, "item_code", 64)}
    try:
        day = _parse_day(values["date"])
        if day is None:
            raise ValidationFailed("请选择预约日期", field="date", code="date_required")
        if not values["start"]:
            raise ValidationFailed("请选择预约时段", field="start", code="start_required")
        with session.begin_nested():
            appt = hall.book(session, actor, hall_code=hall_code[:40], day=day, start=values["start"],
                             window_type=values["window_type"] or "综合", item_code=values["item_code"] or None)
    except DomainError as exc:
        if exc.field == "hall_code":
            raise
        return _booking_page(request, session, actor, hall_code, raw_day=values["date"],
                             window_type=values["window_type"], status=exc.status, error=form_error(exc),
                             values=values)
    return redirect(_appointment_url(appt.appointment_no, done="booked"))


def _appointment_page(request: Request, session: Session, actor: Actor, no: str, *, raw_day: str = "",
                      status: int = 200, error: dict[str, Any] | None = None, notice: str | None = None) -> Any:
    appt = hall.get_appointment(session, actor, no[:24])
    booked = appt.status == AppointmentStatus.BOOKED
    days: list[dt.date] = []
    missing = None
    day: dt.date | None = None
    slots: list[Any] = []
    slot_error: dict[str, Any] | None = None
    if booked:
        days, missing = _working_days(session)
        day, slots, slot_error = _slot_choice(session, appt.hall_code, appt.window_type, raw_day)
    return render(request, "hall/appointment.html", {
        "a": appt, "booked": booked, "days": days, "missing": missing, "day": day, "slots": slots,
        "slot_error": slot_error, "error": error, "notice": notice,
        "type_label": WINDOW_TYPE_LABELS.get(appt.window_type, appt.window_type),
        "url": _appointment_url(appt.appointment_no),
        "day_url": lambda d: _appointment_url(appt.appointment_no, date=d.isoformat()) + "#change"}, status=status)


@router.get("/hall/appointments/{appointment_no}")
def appointment_page(request: Request, appointment_no: str, date: str = "", done: str = "",
                     session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _appointment_page(request, session, actor, appointment_no, raw_day=date[:10],
                             notice=DONE_MESSAGES.get(done))


def _appointment_action(request: Request, session: Session, actor: Actor, no: str, posted: FormData,
                        act: Any) -> Any:
    require_applicant(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    try:
        with session.begin_nested():
            return act()
    except DomainError as exc:
        if exc.status in (401, 404) and exc.field == "appointment_no":
            raise
        return _appointment_page(request, session, actor, no, raw_day=_text(posted, "date", 10),
                                 status=exc.status, error=form_error(exc))


@router.post("/hall/appointments/{appointment_no}/change")
def change(request: Request, appointment_no: str, posted: FormData = Depends(posted_form),
           session: Session = Depends(get_session, scope="function"),
           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def act() -> Any:
        day = _parse_day(_text(posted, "date", 10))
        start = _text(posted, "start", 5)
        if day is None or not start:
            raise ValidationFailed("请选择新的预约日期和时段", field="start", code="start_required")
        appt = hall.change_appointment(session, actor, appointment_no[:24], day=day, start=start,
                                       expected_version=shown_version(_text(posted, "version", 12)))
        return redirect(_appointment_url(appt.appointment_no, done="changed"))

    return _appointment_action(request, session, actor, appointment_no, posted, act)


@router.post("/hall/appointments/{appointment_no}/cancel")
def cancel(request: Request, appointment_no: str, posted: FormData = Depends(posted_form),
           session: Session = Depends(get_session, scope="function"),
           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def act() -> Any:
        hall.cancel_appointment(session, actor, appointment_no[:24],
                                expected_version=shown_version(_text(posted, "version", 12)))
        return redirect("/hall/appointments?done=cancelled")

    return _appointment_action(request, session, actor, appointment_no, posted, act)


@router.post("/hall/appointments/{appointment_no}/check-in")
def check_in(request: Request, appointment_no: str, posted: FormData = Depends(posted_form),
             session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    def act() -> Any:
        ticket = hall.check_in(session, actor, appointment_no[:24])
        return redirect(_ticket_url(ticket.hall_code, ticket.ticket_no))

    return _appointment_action(request, session, actor, appointment_no, posted, act)


# --- the rating tablet beside the window ---------------------------------------------------------------------

def _tablet(request: Request, window_code: str, key: str, context: dict[str, Any], *, status: int = 200,
            refresh: int | None = None, back: bool = False) -> Any:
    response = render(request, "hall/tablet.html", {
        "window_code": window_code, "key": key, "levels": list(LEVEL_LABELS.items()), "bad_levels": BAD_LEVELS,
        "reasons": list(BAD_REASONS.items()), "action": f"/hall/rate/{quote(window_code, safe='')}", **context},
        status=status)
    if refresh is not None:
        _refresh(response, refresh, _tablet_url(window_code, key) if back else None)
    return response


@router.get("/hall/rate/{window_code}")
def tablet(request: Request, window_code: str, key: str = "", done: str = "",
           session: Session = Depends(get_session, scope="function"),
           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    window, visit = hall.tablet_visit(session, window_code[:40], key[:100])
    if done == "1":
        return _tablet(request, window.code, key[:100], {"screen": "thanks", "window_name": window.name},
                       refresh=TABLET_THANKS_SECONDS, back=True)
    if visit is None:
        return _tablet(request, window.code, key[:100], {"screen": "idle", "window_name": window.name},
                       refresh=TABLET_IDLE_REFRESH_SECONDS)
    return _tablet(request, window.code, key[:100], {"screen": "levels", "window_name": window.name, "v": visit},
                   refresh=TABLET_FORM_REFRESH_SECONDS)


@router.post("/hall/rate/{window_code}")
def tablet_rate(request: Request, window_code: str, posted: FormData = Depends(posted_form),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    check_csrf(request, _text(posted, "csrf_token", 200))
    key = _text(posted, "key", 100)
    window, visit = hall.tablet_visit(session, window_code[:40], key)  # a wrong key: the 404 page
    visit_no = _text(posted, "visit_no", 40)
    raw_level = _text(posted, "level", 2)
    level = int(raw_level) if raw_level.isdigit() and raw_level.isascii() else 0
    reasons = [r[:40] for r in posted.getlist("reasons") if isinstance(r, str)][:20]
    comment = _text(posted, "comment", 1000)
    shown = visit if visit is not None and visit.visit_no == visit_no else None
    context = {"window_name": window.name, "v": shown, "visit_no": visit_no, "level": level, "chosen": reasons,
               "comment": comment}
    if level in BAD_LEVELS and not reasons and _text(posted, "step", 10) != "reasons":
        return _tablet(request, window.code, key, {"screen": "reasons", **context})
    try:
        with session.begin_nested():
            hall.rate_visit(session, window.code, key, visit_no=visit_no, level=level, reasons=reasons,
                            comment=comment or None)
    except AlreadyRated as exc:
        return _tablet(request, window.code, key, {"screen": "message", "message": exc.message, **context},
                       status=exc.status, refresh=TABLET_THANKS_SECONDS, back=True)
    except VisitNotFound:
        return _tablet(request, window.code, key, {"screen": "message", **context,
                                                   "message": "没有找到这次办事记录，可能已超过评价时间"},
                       status=404, refresh=TABLET_THANKS_SECONDS, back=True)
    except DomainError as exc:
        screen = "reasons" if level in BAD_LEVELS else "levels"
        return _tablet(request, window.code, key, {"screen": screen, "error": form_error(exc), **context},
                       status=exc.status)
    return redirect(_tablet_url(window.code, key, done="1"))
