from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class MaterialRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500)
    file_id: str | None = Field(default=None, max_length=32)
    license_ref: str | None = Field(default=None, max_length=100)


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_code: str = Field(min_length=1, max_length=64)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialRef] = Field(default_factory=list, max_length=100)
    pledge: bool = False
    applicant_code: str | None = Field(default=None, max_length=30,
                                       description="window or proxy filing: the applicant's ID number or USCC")
    deliver_at_intake: bool = Field(default=False, description="通办: the applicant collects the result at the "
                                    "receiving window (ignored unless the window takes the item for another region)")


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1, max_length=40)
    # the case version the caller saw (CaseOut.version): 409 stale_version when someone acted since
    expected_version: StrictInt | None = Field(default=None, ge=1)
    comment: str | None = Field(default=None, max_length=2000)
    # request_correction: names to correct; resubmit: [{"name", "file_id"}]
    materials: list[str | MaterialRef] | None = Field(default=None, max_length=100)
    kind: str | None = Field(default=None, max_length=40)
    days: StrictInt | None = Field(default=None, ge=-1000, le=1000)
    form: dict[str, Any] | None = None  # resubmit: a corrected application form


class TimelineEntry(BaseModel):
    at: dt.datetime
    action: str
    action_label: str
    actor: str
    comment: str | None
    from_status: str | None
    to_status: str


class CaseMaterialOut(BaseModel):
    name: str
    file_id: str | None
    license_ref: str | None
    round: int
    provided_at: dt.datetime


class BranchOut(BaseModel):
    """A branch of a joint case: its department, status (pending | consented | objected | deemed_consent |
    escalated), deadline, opinion and when it was given, and its clock."""

    department: str
    department_id: int
    status: str
    status_label: str
    deadline: dt.date | None
    opinion: str | None
    decided_at: dt.datetime | None
    limit_days: int
    on_timeout: str  # consent | escalate
    light: str | None = None
    remaining_working_days: int | None = None
    paused: bool = False


class CaseOut(BaseModel):
    case_no: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    outcome: str | None
    outcome_reason: str | None
    department: str
    applicant_name: str
    channel: str
    pledge: bool
    case_type: str
    review_step: str | None
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    concluded_at: dt.datetime | None
    delivered_at: dt.datetime | None
    deadline: dt.date | None  # the running clock's due date (the decision deadline while paused)
    due: dt.date | None  # the clock running now: answer, decision or delivery
    # the clock as shown: kind (answer | decision | delivery), label, state (running | paused | waiting |
    # stopped), summary of a stopped clock, used_working_days and on_time once decided
    clock: dict[str, Any] = {}
    remaining_working_days: int | None
    light: str | None
    paused: bool
    allowed_actions: list[str]
    form: dict[str, Any]
    materials: list[CaseMaterialOut]
    corrections: list[dict[str, Any]]
    suspensions: list[dict[str, Any]]
    timeline: list[TimelineEntry]
    licenses: list[dict[str, Any]] = []
    # 容缺后补 still owed: {"materials", "due", "remaining_working_days", "overdue", "reminded_at"}, or None
    supplement: dict[str, Any] | None = None
    license_failed: bool = False  # issuing the approval's license failed for good; administrators were told
    # 并联审批: one entry per branch department of a joint case (empty for an ordinary case)
    branches: list[BranchOut] = []
    version: int = 1  # send it back as expected_version: 409 stale_version when the case moved on since
    # 通办: the receiving window {region_code, region_name, department, department_id, deliver_at_intake}, or None
    intake: dict[str, Any] | None = None
    # 通办: paper originals sent to the deciding office {id, status, courier, tracking_no, materials, …} (staff only)
    paper_transfers: list[dict[str, Any]] = []
    # 转报: {from_department, to_department, at, reason, clock_rule} in order (staff only)
    forwards: list[dict[str, Any]] = []
    may_forward: bool = False  # 转报: POST /api/v1/cases/{case_no}/forward is open to the caller now


class CaseListItem(BaseModel):
    case_no: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    outcome: str | None
    applicant_name: str
    submitted_at: dt.datetime
    deadline: dt.date | None
    remaining_working_days: int | None
    light: str | None
    clock_label: str | None = None  # which clock deadline is: 受理答复期限 / 办理期限 / 送达期限
    clock_state: str | None = None  # running | paused | waiting | stopped
    clock_summary: str | None = None  # a stopped clock in words: 已办结，用时 N 个工作日，按期办结
    deferred: list[str] = []  # 容缺后补 materials still owed (待补材料)
    supplement_due: dt.date | None = None


class PaperTransferIn(BaseModel):
    """通办: paper originals the receiving window sent to the deciding office."""

    model_config = ConfigDict(extra="forbid")
    courier: str = Field(min_length=1, max_length=100)
    tracking_no: str = Field(min_length=1, max_length=64)
    materials: list[str] = Field(min_length=1, max_length=50)
    comment: str | None = Field(default=None, max_length=2000)


class PaperReceiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=2000)
    expected_version: StrictInt | None = Field(default=None, ge=1)  # the transfer's version


class ForwardIn(BaseModel):
    """转报: the upper department that decides the case, and why."""

    model_config = ConfigDict(extra="forbid")
    to_department_id: StrictInt = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: StrictInt | None = Field(default=None, ge=1)  # the case's version
