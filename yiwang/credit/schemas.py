from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class CreditRecordOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    subject: str
    subject_kind: str
    subject_name: str
    item_type: str
    item_name: str
    case_no: str
    department_id: int
    region_code: str
    reason: str
    starts_on: dt.date
    ends_on: dt.date
    standing: bool  # still in force today
    recorded_at: dt.datetime
