from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yiwang.hall.states import PRIORITIES, WINDOW_TYPES

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _code(value: str) -> str:
    value = value.strip()
    if not _CODE.match(value):
        raise ValueError("编码只能包含字母、数字、下划线、点和短横线，长度 1–40")
    return value


class WindowIn(BaseModel):
    """One window of a hall line of ``yiwang hall import``."""

    model_config = ConfigDict(extra="forbid")
    code: str
    name: str | None = Field(default=None, max_length=100)
    type: str
    item_codes: list[str] | None = None
    staff: list[str] | None = None

    @field_validator("code")
    @classmethod
    def _valid_code(cls, v: str) -> str:
        return _code(v)

    @field_validator("type")
    @classmethod
    def _valid_type(cls, v: str) -> str:
        if v not in WINDOW_TYPES:
            raise ValueError("窗口类型应为 " + "、".join(WINDOW_TYPES))
        return v


RESERVED_HALL_CODES = {"appointments", "rate"}  # path words of the hall pages (/hall/appointments, /hall/rate/…)


class HallIn(BaseModel):
    """One line of ``yiwang hall import``: a hall and its windows."""

    model_config = ConfigDict(extra="forbid")
    code: str
    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(min_length=6, max_length=12)
    address: str | None = Field(default=None, max_length=300)
    opens: str = "09:00"
    closes: str = "17:00"
    slot_minutes: int = Field(default=30, ge=10, le=240)
    slot_capacity: int = Field(default=2, ge=1, le=100)
    windows: list[WindowIn] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _valid_code(cls, v: str) -> str:
        if v.strip().lower() in RESERVED_HALL_CODES:
            raise ValueError("大厅编码不能为 " + "、".join(sorted(RESERVED_HALL_CODES)))
        return _code(v)

    @field_validator("opens", "closes")
    @classmethod
    def _valid_time(cls, v: str) -> str:
        if not _TIME.match(v):
            raise ValueError("时间应为 HH:MM")
        return v


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_code: str | None = Field(default=None, max_length=64)
    window_type: str | None = None
    priority: str | None = None

    @field_validator("priority")
    @classmethod
    def _valid_priority(cls, v: str | None) -> str | None:
        if v is not None and v not in PRIORITIES:
            raise ValueError("priority 应为 " + "、".join(PRIORITIES))
        return v


class TicketOut(BaseModel):
    ticket_no: str
    position: int  # tickets ahead of this one in its queue (0: next)
    estimated_wait_minutes: int
    hall_code: str
    hall_name: str
    day: dt.date
    window_type: str
    item_code: str | None
    priority: str
    status: str
    status_label: str
    taken_at: dt.datetime
    window_code: str | None = None
    window_name: str | None = None
    called_at: dt.datetime | None = None
    version: int


class CalledTicket(BaseModel):
    ticket_no: str
    window_code: str
    window_name: str
    window_type: str
    item_code: str | None
    priority: str
    status: str
    called_at: dt.datetime
    recalls: int
    waited_minutes: float
    version: int
    skipped: str | None = None  # the ticket this call passed over (called earlier, never came)


class BoardCall(BaseModel):
    ticket_no: str
    window_code: str
    window_name: str
    status: str
    called_at: dt.datetime
    recalls: int


class BoardQueue(BaseModel):
    window_type: str
    label: str
    waiting: int
    windows_open: int
    estimated_wait_minutes: int


class BoardOut(BaseModel):
    hall_code: str
    hall_name: str
    now: dt.datetime
    open: bool
    hours: str
    calling: list[BoardCall]
    queues: list[BoardQueue]


class SlotOut(BaseModel):
    window_type: str
    day: dt.date
    start: str
    end: str
    capacity: int
    booked: int
    available: int


class AppointmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hall_code: str = Field(max_length=40)
    date: dt.date
    start: str
    window_type: str = "综合"
    item_code: str | None = Field(default=None, max_length=64)

    @field_validator("start")
    @classmethod
    def _valid_time(cls, v: str) -> str:
        if not _TIME.match(v):
            raise ValueError("时间应为 HH:MM")
        return v

    @field_validator("window_type")
    @classmethod
    def _valid_type(cls, v: str) -> str:
        if v not in WINDOW_TYPES:
            raise ValueError("窗口类型应为 " + "、".join(WINDOW_TYPES))
        return v


class AppointmentOut(BaseModel):
    appointment_no: str
    hall_code: str
    hall_name: str
    window_type: str
    item_code: str | None
    date: dt.date
    start: str
    end: str
    status: str
    status_label: str
    ticket_no: str | None
    version: int


class VisitOut(BaseModel):
    visit_no: str
    hall_code: str
    window_code: str
    window_name: str
    window_type: str
    ticket_no: str | None
    first_staff: str
    responsible_staff: str
    handovers: list[dict[str, Any]]
    person_name: str | None
    identified: bool
    item_code: str | None
    outcome: str | None
    outcome_label: str | None
    case_no: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rated: bool


class HallOut(BaseModel):
    code: str
    name: str
    region_code: str
    address: str | None
    opens: str
    closes: str
    level: str
    windows: list[dict[str, Any]]
