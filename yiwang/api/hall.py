"""Service hall API: taking queue tickets, calling at a window, the calling board, appointment slots and
appointments. The board and the slots are public (they carry no personal data); calling needs staff on duty at the
window; appointments are the booking person's own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, require_login
from yiwang.core import clock
from yiwang.core.errors import ValidationFailed
from yiwang.core.requests import client_address
from yiwang.hall import service as hall
from yiwang.hall.schemas import (
    AppointmentIn,
    AppointmentOut,
    BoardOut,
    CalledTicket,
    TicketIn,
    TicketOut,
)

router = APIRouter(tags=["服务大厅"])

Code = Annotated[str, Path(min_length=1, max_length=40)]
TicketNo = Annotated[str, Path(min_length=1, max_length=12)]
ApptNo = Annotated[str, Path(min_length=1, max_length=24)]


class WindowActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_no: str | None = Field(default=None, max_length=12)


class TransferIn(WindowActionIn):
    window_type: str = Field(max_length=12)
    reason: str | None = Field(default=None, max_length=500)


class FinishIn(WindowActionIn):
    outcome: str = Field(max_length=12)
    case_no: str | None = Field(default=None, max_length=40)
    item_code: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=1000)


class AppointmentChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(max_length=12)  # change | cancel | check_in
    date: dt.date | None = None
    start: str | None = Field(default=None, max_length=5)
    expected_version: int | None = Field(default=None, ge=1, le=2**31)


@router.get("/halls")
def list_halls(session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """Every open hall with its windows (public: what a citizen sees before going)."""
    rows = hall.public_halls(session)
    return {"total": len(rows), "items": [r.model_dump(mode="json", exclude={"windows"}) |
                                          {"windows": [{k: w[k] for k in ("code", "name", "type", "item_codes")}
                                                       for w in r.windows]} for r in rows]}


@router.post("/halls/{hall_code}/tickets", status_code=201, response_model=TicketOut)
def take_ticket(hall_code: Code, body: TicketIn, request: Request,
                session: Session = Depends(get_session, scope="function")) -> Any:
    """Take a queue ticket for an item or a window type. No login needed (a kiosk, a phone); signed in, the ticket
    is the caller's own. ``priority``: ``normal`` (default), ``elderly`` or ``disabled`` (checked at the window);
    appointment priority comes from checking in."""
    actor = bearer_actor(request, session)
    return hall.take_ticket(session, actor, hall_code, item_code=body.item_code, window_type=body.window_type,
                            priority=body.priority, source="api", client=client_address(request))


@router.get("/halls/{hall_code}/tickets/{ticket_no}", response_model=TicketOut)
def get_ticket(hall_code: Code, ticket_no: TicketNo, request: Request,
               session: Session = Depends(get_session, scope="function")) -> Any:
    """Today's ticket: its status, the tickets ahead and the estimated wait (public; a number is all it shows —
    its priority and item only to the person who took it, signed in)."""
    return hall.find_ticket(session, hall_code, ticket_no, viewer=bearer_actor(request, session))


@router.post("/halls/{hall_code}/tickets/{ticket_no}/cancel", response_model=TicketOut)
def cancel_ticket(hall_code: Code, ticket_no: TicketNo, request: Request,
                  session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return hall.cancel_ticket(session, actor, hall_code, ticket_no)


@router.get("/halls/{hall_code}/board", response_model=BoardOut)
def board(hall_code: Code, session: Session = Depends(get_session, scope="function")) -> Any:
    """What the hall's calling screen shows: the latest calls and each queue's length (public, no personal data)."""
    return hall.board(session, hall_code)


@router.get("/halls/{hall_code}/queue")
def hall_queue(hall_code: Code, request: Request, session: Session = Depends(get_session, scope="function")
               ) -> dict[str, Any]:
    """Today's tickets of the hall (staff whose region covers it, or on duty there)."""
    actor = require_login(bearer_actor(request, session))
    found, rows = hall.queue(session, actor, hall_code)
    return {"hall_code": found.code, "total": len(rows), "items": [r.model_dump(mode="json") for r in rows]}


@router.get("/halls/{hall_code}/slots")
def hall_slots(hall_code: Code, session: Session = Depends(get_session, scope="function"),
               date: Annotated[str | None, Query(max_length=10)] = None,
               window_type: Annotated[str | None, Query(max_length=12)] = None) -> dict[str, Any]:
    """Appointment slots of a working day with the places left (public). ``date`` defaults to today."""
    day = _date(date) if date else clock.today()
    rows = hall.slots(session, hall_code, day, window_type or None)
    return {"hall_code": hall_code, "date": day.isoformat(), "items": [r.model_dump(mode="json") for r in rows]}


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", field="date", code="invalid_date") from None


@router.post("/windows/{window_code}/call", response_model=CalledTicket)
def call_next(window_code: Code, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Call the window's next ticket (priority, then the longest waiting). A ticket called earlier that never came
    is passed over first. 404 ``no_ticket_waiting`` when nobody waits; 409 ``window_busy`` while serving."""
    actor = require_login(bearer_actor(request, session))
    return hall.call_next(session, actor, window_code)


@router.post("/windows/{window_code}/recall", response_model=CalledTicket)
def recall(window_code: Code, request: Request, body: WindowActionIn | None = None,
           session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return hall.recall(session, actor, window_code, body.ticket_no if body else None)


@router.post("/windows/{window_code}/skip", response_model=CalledTicket)
def skip(window_code: Code, request: Request, body: WindowActionIn | None = None,
         session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return hall.skip(session, actor, window_code, body.ticket_no if body else None)


@router.post("/windows/{window_code}/serve")
def serve(window_code: Code, request: Request, body: WindowActionIn | None = None,
          session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """The person called is at the window: the visit is registered, naming this clerk (首问负责)."""
    actor = require_login(bearer_actor(request, session))
    return hall.serve(session, actor, window_code, body.ticket_no if body else None).model_dump(mode="json")


@router.post("/windows/{window_code}/transfer", response_model=TicketOut)
def transfer(window_code: Code, body: TransferIn, request: Request,
             session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return hall.transfer(session, actor, window_code, window_type=body.window_type, ticket_no=body.ticket_no,
                         reason=body.reason)


@router.post("/windows/{window_code}/finish")
def finish(window_code: Code, body: FinishIn, request: Request,
           session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """The visit's outcome: ``concluded`` 办结, ``intake`` 收件, ``consult`` 咨询 or ``correction`` 补正."""
    actor = require_login(bearer_actor(request, session))
    return hall.finish(session, actor, window_code, outcome=body.outcome, ticket_no=body.ticket_no,
                       case_no=body.case_no, item_code=body.item_code, note=body.note).model_dump(mode="json")


@router.post("/appointments", status_code=201, response_model=AppointmentOut)
def book(body: AppointmentIn, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Book a slot (the person signed in). 409 ``slot_full``, ``already_booked`` or ``booking_barred`` (three
    no-shows within 90 days bar booking for 30 days)."""
    actor = require_login(bearer_actor(request, session))
    return hall.book(session, actor, hall_code=body.hall_code, day=body.date, start=body.start,
                     window_type=body.window_type, item_code=body.item_code)


@router.get("/appointments")
def my_appointments(request: Request, session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    rows = hall.my_appointments(session, actor)
    return {"total": len(rows), "items": [r.model_dump(mode="json") for r in rows]}


@router.get("/appointments/{appointment_no}", response_model=AppointmentOut)
def get_appointment(appointment_no: ApptNo, request: Request,
                    session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return hall.get_appointment(session, actor, appointment_no)


@router.post("/appointments/{appointment_no}/actions")
def appointment_action(appointment_no: ApptNo, body: AppointmentChangeIn, request: Request,
                       session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """``change`` (with ``date`` and ``start``), ``cancel``, or ``check_in`` (→ the ticket, with appointment
    priority, from an hour before the slot until 15 minutes after it starts)."""
    actor = require_login(bearer_actor(request, session))
    if body.action == "change":
        if body.date is None or not body.start:
            raise ValidationFailed("改约须给出新的日期和时段", field="date", code="date_required")
        return hall.change_appointment(session, actor, appointment_no, day=body.date, start=body.start,
                                       expected_version=body.expected_version).model_dump(mode="json")
    if body.action == "cancel":
        return hall.cancel_appointment(session, actor, appointment_no,
                                       expected_version=body.expected_version).model_dump(mode="json")
    if body.action == "check_in":
        return {"ticket": hall.check_in(session, actor, appointment_no).model_dump(mode="json")}
    raise ValidationFailed("action 应为 change、cancel 或 check_in", field="action", code="invalid_action")
