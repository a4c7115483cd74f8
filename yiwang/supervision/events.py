"""Events the supervision domain publishes. Topic strings are stored with each outbox event and listened to by
notify: their values never change."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

ALERT_RAISED = "supervision.alert_raised"
ORDER_ISSUED = "supervision.order_issued"
ORDER_REPLIED = "supervision.order_replied"


class AlertRaised(BaseModel):
    alert_id: int | None = None  # None for a case light, which is derived from the clock, not stored
    case_no: str
    department_id: int
    level: str
    rule: str
    content: str
    subject: str = ""  # "hotline" for a 12345 work order (case_no is then the order's number)


class OrderIssued(BaseModel):
    order_no: str
    department_id: int
    subject: str
    reply_due: dt.date


class OrderReplied(BaseModel):
    order_no: str
    issued_by: str
