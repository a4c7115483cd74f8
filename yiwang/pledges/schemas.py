from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PledgeCheckOut(BaseModel):
    id: int
    case_no: str
    item_code: str
    item_name: str
    department_id: int
    department: str
    region_code: str
    applicant_name: str  # masked for a person (张*) unless the reader handles the case
    decided_on: dt.date
    status: str
    status_label: str
    check_days: int
    deadline: dt.date | None  # None until the year it falls in has its holidays imported
    remaining_days: int | None  # working days left (0 on the due day, negative once overdue); None once done
    light: str | None  # green | yellow | red while pending
    overdue: bool
    note: str | None
    evidence_file_id: str | None
    checked_by_name: str | None
    checked_at: dt.datetime | None
    on_time: bool | None
    version: int  # send it back as ``expected_version``


class PublicPledgeOut(BaseModel):
    """What is published of a pledged approval (公示): no ID number, no phone, a person's name masked, and no case
    number (the platform never reveals case numbers: the progress lookup and its rate limits are keyed by them)."""

    publication_no: str  # 公示编号: the year of the decision and the task's number
    item_code: str
    item_name: str
    department: str
    decided_on: dt.date
    applicant: str
    check_status: str
    check_status_label: str


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    result: Literal["passed", "false_pledge"]
    note: str = Field(default="", max_length=2000)
    evidence_file_id: str | None = Field(default=None, max_length=32)
    expected_version: int | None = Field(default=None, ge=1, le=2**31)
