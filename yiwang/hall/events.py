"""Events the hall domain publishes (topic constants and payloads; depends on core alone)."""

from __future__ import annotations

from yiwang.core.lifecycle import Event

VISIT_PREFIX = "V"  # visit numbers (a window rating is kept under one) begin with it; case numbers are digits
ANONYMOUS_RATER = "visit:"  # the rater of a visit whose person was not identified

APPOINTMENT_BOOKED = "hall.appointment_booked"
APPOINTMENT_CHANGED = "hall.appointment_changed"
APPOINTMENT_CANCELLED = "hall.appointment_cancelled"
APPOINTMENT_REMINDER = "hall.appointment_reminder"
APPOINTMENT_NO_SHOW = "hall.appointment_no_show"

# Ticket actions publish no event: the calling screen polls the board, and nothing else reacts to a call (one
# write less on the calling path). Their timeline and audit records are written as for every lifecycle.
TICKET_TOPICS: dict[str, str] = {}
APPOINTMENT_TOPICS: dict[str, str] = {"change": APPOINTMENT_CHANGED, "cancel": APPOINTMENT_CANCELLED,
                                      "no_show": APPOINTMENT_NO_SHOW}


class TicketChanged(Event):
    hall_code: str
    ticket_no: str
    day: str
    status: str
    window_code: str | None
    window_name: str | None
    applicant: str | None


class AppointmentChanged(Event):
    appointment_no: str
    hall_code: str
    hall_name: str
    applicant: str
    day: str
    start: str
    end: str
    window_type: str
    status: str
