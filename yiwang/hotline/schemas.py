from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yiwang.hotline.states import CHANNEL_ALIASES, KIND_ALIASES, Channel, Kind

# a mobile number, or a landline with an optional area code and extension
_PHONE = re.compile(r"^(1[3-9]\d{9}|(0\d{2,3})?[2-9]\d{6,7}(-?\d{1,5})?|12345|1\d{4})$")


def _kind(value: str) -> str:
    v = unicodedata.normalize("NFKC", str(value)).strip()
    if v.lower() in {k.value for k in Kind}:
        return v.lower()
    if v in KIND_ALIASES:
        return KIND_ALIASES[v]
    raise ValueError("诉求类型应为 咨询、建议、求助、投诉、举报、表扬 之一")


def _channel(value: str) -> str:
    v = unicodedata.normalize("NFKC", str(value)).strip()
    if v.lower() in {c.value for c in Channel}:
        return v.lower()
    if v in CHANNEL_ALIASES:
        return CHANNEL_ALIASES[v]
    raise ValueError("渠道应为 phone（12345 电话）、web（网站）、board（留言板）、forwarded（上级转办留言）、"
                     "enterprise（企业诉求）之一")


def clean_phone(value: str) -> str:
    number = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", value or ""))
    if not _PHONE.match(number):
        raise ValueError("请填写有效的联系电话（手机号或固定电话）")
    return number


def _region(v: str | None) -> str | None:
    if v is None or v == "":
        return None
    if not re.fullmatch(r"[0-9]{6}([0-9]{6})?", v):
        raise ValueError("行政区划代码应为 6 位或 12 位数字")
    return v


class _Request(BaseModel):
    """What every request carries, checked the same way wherever it comes from (a call, the web, the board)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: str
    contact_phone: str = Field(min_length=3, max_length=40)
    region_code: str | None = Field(default=None, max_length=12)
    location: str | None = Field(default=None, max_length=300)

    @field_validator("kind")
    @classmethod
    def _valid_kind(cls, v: str) -> str:
        return _kind(v)

    @field_validator("contact_phone")
    @classmethod
    def _valid_phone(cls, v: str) -> str:
        return clean_phone(v)

    @field_validator("region_code")
    @classmethod
    def _valid_region(cls, v: str | None) -> str | None:
        return _region(v)


class TicketIn(_Request):
    """A request as registered by an operator, filed by a caller on the web, or sent by a department system."""

    channel: str = "phone"
    content: str = Field(min_length=5, max_length=4000)
    contact_name: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    source_ref: str | None = Field(default=None, max_length=100)  # a forwarding board's message number
    department_id: int | None = None  # the operator's choice over the routing's suggestion
    dispatch: bool = True  # dispatch at once to the routed (or chosen) unit

    @field_validator("channel")
    @classmethod
    def _valid_channel(cls, v: str) -> str:
        return _channel(v)


class DryRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    content: str = Field(min_length=1, max_length=4000)
    region_code: str | None = Field(default=None, max_length=12)
    kind: str | None = None

    @field_validator("region_code")
    @classmethod
    def _valid_region(cls, v: str | None) -> str | None:
        return _region(v)

    @field_validator("kind")
    @classmethod
    def _valid_kind(cls, v: str | None) -> str | None:
        return None if v in (None, "") else _kind(v)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: str
    comment: str | None = Field(default=None, max_length=4000)
    expected_version: int | None = None
    department_id: int | None = None  # dispatch: the unit (default: the routing's suggestion)
    days: int | None = Field(default=None, ge=1, le=15)  # extend: working days more
    satisfaction: str | None = None  # callback: satisfied | basically | dissatisfied

    @field_validator("satisfaction")
    @classmethod
    def _valid_satisfaction(cls, v: str | None) -> str | None:
        aliases = {"满意": "satisfied", "基本满意": "basically", "不满意": "dissatisfied"}
        if v in (None, ""):
            return None
        v = aliases.get(v, v)
        if v not in ("satisfied", "basically", "dissatisfied"):
            raise ValueError("满意度应为 满意、基本满意、不满意 之一")
        return v


class TicketView(BaseModel):
    ticket_no: str
    channel: str
    channel_label: str
    kind: str
    kind_label: str
    title: str
    content: str
    location: str | None
    region_code: str
    status: str
    status_label: str
    department: str | None
    department_id: int | None
    deadline: dt.date | None
    light: str | None
    step: str | None
    step_due: dt.date | None
    limit_days: int
    extended_days: int
    progress: str | None
    answer: str | None
    answered_at: dt.datetime | None
    satisfaction: str | None
    on_time: bool | None
    returned_count: int
    created_at: dt.datetime
    closed_at: dt.datetime | None
    version: int
    allowed_actions: list[str] = []
    # staff only
    contact_name: str | None = None
    contact_phone: str | None = None
    routing: dict[str, Any] | None = None
    overridden: bool | None = None
    timeline: list[dict[str, Any]] = []


class KnowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=2, max_length=200)
    topic: str = Field(min_length=1, max_length=60)
    answer: str = Field(min_length=5, max_length=8000)
    keywords: str = Field(default="", max_length=1000)
    item_codes: list[str] = Field(default_factory=list, max_length=20)
    policies: list[dict[str, str]] = Field(default_factory=list, max_length=20)
    public: bool = True
    review_due: dt.date | None = None
    department_id: int | None = None  # operators may file for a unit; liaisons file for their own

    @field_validator("policies")
    @classmethod
    def _valid_policies(cls, v: list[dict[str, str]]) -> list[dict[str, str]]:
        out = []
        for p in v:
            title = (p.get("title") or "").strip()
            url = (p.get("url") or "").strip()
            if not title:
                raise ValueError("政策文件需填写标题")
            if url and not re.match(r"^(https?://[^/\s]|/(?!/))", url):
                raise ValueError("政策链接应以 http://、https:// 或 / 开头")
            out.append({"title": title[:200], "url": url[:500]})
        return out


class BoardPostIn(_Request):
    title: str = Field(min_length=4, max_length=100)
    content: str = Field(min_length=10, max_length=4000)
    kind: str = "complaint"


class BoardModerationIn(BaseModel):
    """publish (with the masked title and content as the moderator leaves them, when given) or reject (reason)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: str = Field(max_length=10)
    title: str | None = Field(default=None, max_length=100)
    content: str | None = Field(default=None, max_length=4000)
    note: str | None = Field(default=None, max_length=1000)
    reason: str | None = Field(default=None, max_length=1000)


class BoardExposureIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    problem: str = Field(max_length=2000)
    correction: str = Field(max_length=2000)


class BoardPostView(BaseModel):
    """A post as the public sees it; ``moderation``, ``moderation_note`` and ``ticket_no`` only for its author
    and the moderators of its region."""

    id: int
    title: str
    content: str
    author: str
    kind: str
    kind_label: str
    department: str | None
    status: str  # the work order's progress in public words: accepted | handling | answered | ended
    status_label: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    answer: str | None
    answered_at: dt.datetime | None
    exposure: bool
    exposure_problem: str | None
    exposure_correction: str | None
    exposed_at: dt.datetime | None
    moderation: str | None = None
    moderation_label: str | None = None
    moderation_note: str | None = None
    ticket_no: str | None = None
