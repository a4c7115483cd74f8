"""Pydantic models of the evaluation domain: what the API takes and what pages and the API show."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt


class EvaluationIn(BaseModel):
    """A rating. The level's range and the reasons are checked by the service, which says what is wrong in
    Chinese with the field to blame."""

    model_config = ConfigDict(extra="forbid")
    level: StrictInt
    comment: str | None = Field(default=None, max_length=1000)
    reasons: list[str] = Field(default_factory=list, max_length=20)
    channel: str = Field(default="pc", max_length=12)


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(max_length=2000)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=4000)
    callback_note: str | None = Field(default=None, max_length=2000)  # record the callback in the same step
    expected_version: StrictInt | None = None  # the task's ``version`` the caller was shown (409 if it moved)


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=2000)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uphold: StrictBool
    reason: str = Field(max_length=2000)


class AnswerOut(BaseModel):
    """A department's answer to a bad review, as the applicant reads it (no staff names, no internal notes)."""

    status: str
    status_label: str
    deadline: dt.date
    reply: str | None
    replied_at: dt.datetime | None
    on_time: bool | None


class EvaluationOut(BaseModel):
    """The applicant's rating of a case."""

    id: int
    case_no: str
    level: int
    level_label: str
    reasons: list[str]
    reason_labels: list[str]
    comment: str | None
    channel: str
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime
    changeable_until: dt.datetime
    excluded: bool
    appeal_status: str | None
    answers: list[AnswerOut] = Field(default_factory=list)


class RectificationOut(BaseModel):
    """A rectification task as staff see it."""

    id: int
    evaluation_id: int
    case_no: str
    item_code: str
    department_id: int
    department: str
    region_code: str
    level: int  # the rating that opened the task
    level_label: str
    current_level: int  # the rating now (the applicant may have re-rated)
    current_level_label: str
    reasons: list[str]
    reason_labels: list[str]
    comment: str | None
    deadline: dt.date
    overdue: bool
    status: str
    status_label: str
    callback_note: str | None
    reply: str | None
    replied_by: str | None
    replied_at: dt.datetime | None
    on_time: bool | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    excluded: bool
    appeal_status: str | None
    appeal_status_label: str | None
    appeal_reason: str | None
    appeal_decision: str | None
    version: int  # send it back as ``expected_version`` when replying


class AppealOut(BaseModel):
    """An appeal against a rating, as a supervisor reviews it."""

    evaluation_id: int
    case_no: str
    item_code: str
    department_id: int
    department: str
    level: int
    level_label: str
    reason_labels: list[str]
    comment: str | None
    rated_at: dt.datetime
    appeal_status: str
    appeal_status_label: str
    appeal_reason: str | None
    appeal_decision: str | None
    excluded: bool
    rectification_id: int | None  # the latest task this rating opened


class DepartmentFigures(BaseModel):
    """One department's public 好差评 figures (rates are shares between 0 and 1, None without data)."""

    department_id: int
    department: str
    ratings: int  # ratings counted (appeals upheld are left out)
    satisfied: int  # levels 1–3
    satisfaction_rate: float | None
    bad_reviews: int  # levels 4–5 now
    rectifications: int  # tasks opened by bad reviews
    rectifications_pending: int  # of those, still open and not yet due (not counted in the rate yet)
    rectified_on_time: int  # tasks answered by their deadline
    rectified_on_time_rate: float | None
    average_level: float | None
    excluded: int  # ratings taken out by an upheld appeal


class CaseEvaluationOut(BaseModel):
    """What the applicant's evaluation page shows: the case, whether it may be (re-)rated now, the rating and
    the department's answers to it."""

    case_no: str
    item_name: str
    department: str
    case_status: str
    can_rate: bool
    cannot_rate_reason: str | None
    changeable_until: dt.datetime | None
    evaluation: EvaluationOut | None
