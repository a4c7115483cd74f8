"""Events the hotline publishes (topic constants and payloads; depends on core alone)."""

from __future__ import annotations

from yiwang.core.lifecycle import Event

TICKET_DISPATCHED = "hotline.ticket_dispatched"
TICKET_RETURNED = "hotline.ticket_returned"
TICKET_SENT_BACK = "hotline.ticket_sent_back"
TICKET_ANSWERED = "hotline.ticket_answered"
TICKET_REVIEWED = "hotline.ticket_reviewed"  # the answer passed review: the caller may read it
TICKET_CLOSED = "hotline.ticket_closed"

TOPICS: dict[str, str] = {"dispatch": TICKET_DISPATCHED, "return": TICKET_RETURNED, "send_back": TICKET_SENT_BACK,
                          "reopen": TICKET_SENT_BACK, "answer": TICKET_ANSWERED, "approve": TICKET_REVIEWED,
                          "callback": TICKET_CLOSED, "resolve": TICKET_CLOSED}


class TicketChanged(Event):
    ticket_no: str
    status: str
    kind: str
    channel: str
    department_id: int | None
    region_code: str
    deadline: str | None
    owner: str | None
    title: str = ""
