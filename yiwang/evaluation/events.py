"""Events the evaluation domain (好差评) publishes. Topic strings are stored with each outbox event and listened
to by notify: their values never change."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

EVALUATION_RATED = "evaluation.rated"
RECTIFICATION_OPENED = "evaluation.rectification_opened"
RECTIFICATION_REPLIED = "evaluation.rectification_replied"
APPEAL_REQUESTED = "evaluation.appeal_requested"
APPEAL_DECIDED = "evaluation.appeal_decided"


class Rated(BaseModel):
    case_no: str
    applicant: str
    evaluation_id: int
    department_id: int
    item_code: str
    level: int
    previous_level: int | None
    revision: int
    channel: str


class RectificationOpened(BaseModel):
    case_no: str
    department_id: int
    rectification_id: int
    deadline: dt.date


class RectificationReplied(BaseModel):
    case_no: str
    applicant: str
    rectification_id: int
    department_id: int
    on_time: bool | None


class AppealRequested(BaseModel):
    case_no: str
    evaluation_id: int
    department_id: int
    region_code: str


class AppealDecided(BaseModel):
    case_no: str
    evaluation_id: int
    department_id: int
    upheld: bool
