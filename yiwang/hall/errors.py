from __future__ import annotations

from yiwang.core.errors import Conflict, NotFound


class HallNotFound(NotFound):
    code = "hall_not_found"


class WindowNotFound(NotFound):
    code = "window_not_found"


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class NoTicketWaiting(NotFound):
    code = "no_ticket_waiting"


class AppointmentNotFound(NotFound):
    code = "appointment_not_found"


class VisitNotFound(NotFound):
    code = "visit_not_found"


class SlotFull(Conflict):
    code = "slot_full"


class NotOnDuty(Conflict):
    code = "not_on_duty"


class WindowBusy(Conflict):
    code = "window_busy"


class BookingBarred(Conflict):
    code = "booking_barred"


class CheckInClosed(Conflict):
    code = "check_in_closed"


class AlreadyRated(Conflict):
    code = "already_rated"
