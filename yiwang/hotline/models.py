"""The 12345 hotline (国办发〔2020〕53号): work orders and their per-day counter, the units that take orders and the
function each serves, routing rules, time limits per kind and channel, the knowledge base (答复口径) and the public
message board (留言板) with its 曝光纠错 column."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class HotlineCounter(Base):
    """The last work order number taken on a day (numbers are never reused)."""

    __tablename__ = "hotline_counter"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class HotlineUnit(Base):
    """A department that takes hotline work orders (承办单位) and the function it serves in its region
    (生态环境, 公安, 街道 …): routing names a function, the unit of the request's region serves it."""

    __tablename__ = "hotline_unit"

    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True)
    function: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(12))  # the department's region (copied: routing reads it)
    duties: Mapped[str] = mapped_column(Text, default="")  # what it handles (派单职责清单), also routing text
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_hotline_unit_function", "function", "region_code"),)


class HotlineRule(Base):
    """A routing rule kept by the hotline centre: text conditions (any / all / none of some words), the kinds
    it applies to, the region it is limited to, catalog items it stands for, and the function (or one
    department) it sends to, with a weight. Rules shipped with the platform are loaded with ``origin`` "seed";
    rules written from the override report have "override"."""

    __tablename__ = "hotline_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    function: Mapped[str | None] = mapped_column(String(40))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    any_of: Mapped[list[Any]]
    all_of: Mapped[list[Any]]
    none_of: Mapped[list[Any]]
    kinds: Mapped[list[Any]]
    region_code: Mapped[str | None] = mapped_column(String(12))  # only for requests in this region's subtree
    item_codes: Mapped[list[Any]]
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    note: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(12), default="seed")  # seed | manual | override
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime]


class HotlineLimit(Base):
    """A time limit in working days set by the centre for a kind or a channel (the defaults are in states.py)."""

    __tablename__ = "hotline_limit"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)  # "kind:complaint" | "channel:forwarded"
    working_days: Mapped[int] = mapped_column(Integer)
    max_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime]


class HotlineTicket(Base):
    """A work order (工单): one request from a person or an enterprise, routed to one department, answered,
    reviewed, called back and closed; a clocked lifecycle watched by supervision like a case."""

    __tablename__ = "hotline_ticket"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_no: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(12))  # phone | web | board | forwarded | enterprise
    kind: Mapped[str] = mapped_column(String(12))  # consult | suggestion | help | complaint | report | praise
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(String(12))  # where the matter is (the centre's region if unknown)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    owner: Mapped[str | None] = mapped_column(String(64))  # "person:7" when a signed-in person filed it
    source_ref: Mapped[str | None] = mapped_column(String(100))  # the forwarding board's own message number
    created_by: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))  # the unit handling it
    status: Mapped[str] = mapped_column(String(12), default="registered")
    step: Mapped[str | None] = mapped_column(String(12))  # the node whose limit runs: accept | handle | review
    step_due: Mapped[dt.date | None] = mapped_column(Date)
    # the routing decision as made (suggested department, rule, explanation, alternatives) and whether the
    # operator dispatched elsewhere
    routing: Mapped[dict[str, Any]]
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_days: Mapped[int] = mapped_column(Integer)
    max_days: Mapped[int] = mapped_column(Integer)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    warn_at: Mapped[dt.date | None] = mapped_column(Date)
    paused_on: Mapped[dt.date | None] = mapped_column(Date)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[str | None] = mapped_column(Text)  # the latest progress reply (办理进展)
    progress_at: Mapped[dt.datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(64))
    returned_count: Mapped[int] = mapped_column(Integer, default=0)  # weak answers sent back at review
    redispatch_count: Mapped[int] = mapped_column(Integer, default=0)  # returned by units as not theirs
    satisfaction: Mapped[str | None] = mapped_column(String(14))  # satisfied | basically | dissatisfied
    callback_note: Mapped[str | None] = mapped_column(Text)
    on_time: Mapped[bool | None] = mapped_column(Boolean)  # answered by the deadline (set at the answer)
    dispatched_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_hotline_ticket_department", "department_id", "status"),
        Index("ix_hotline_ticket_region", "region_code", "status",
              postgresql_ops={"region_code": "varchar_pattern_ops"}),
        Index("ix_hotline_ticket_owner", "owner"),
        Index("ix_hotline_ticket_created", "created_at"),
        # the indicators' daily counters: orders answered and closed in a span of time
        Index("ix_hotline_ticket_answered", "answered_at", sqlite_where=text("answered_at IS NOT NULL"),
              postgresql_where=text("answered_at IS NOT NULL")),
        Index("ix_hotline_ticket_closed", "closed_at", sqlite_where=text("closed_at IS NOT NULL"),
              postgresql_where=text("closed_at IS NOT NULL")),
        Index("ix_hotline_ticket_deadline", "status", "deadline"),
    )


class KnowledgeEntry(Base):
    """An answer (答复口径) on one topic kept by a department: linked to catalog items and policies, with a date
    by which it must be reviewed again (stale once passed)."""

    __tablename__ = "hotline_knowledge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(60))
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    item_codes: Mapped[list[Any]]
    policies: Mapped[list[Any]]  # [{"title": "…", "url": "…"}]
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # shown on the public knowledge page
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | retired
    review_due: Mapped[dt.date] = mapped_column(Date)
    reviewed_at: Mapped[dt.datetime | None]
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class BoardPost(Base):
    """A message on the public board (留言板): the text as written is kept for the work order; what the public
    sees is the moderated text with personal data masked. The answer is published once the work order's answer
    has passed review. A confirmed problem may be shown in the 曝光纠错 column with what was corrected."""

    __tablename__ = "hotline_board_post"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hotline_ticket.id"))
    title: Mapped[str] = mapped_column(String(200))
    public_title: Mapped[str] = mapped_column(String(200))
    public_content: Mapped[str] = mapped_column(Text)
    author_alias: Mapped[str] = mapped_column(String(40))  # "张**" / "网友"
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | published | rejected
    moderation_note: Mapped[str | None] = mapped_column(Text)
    moderated_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[dt.datetime | None]
    exposure: Mapped[bool] = mapped_column(Boolean, default=False)  # shown in 曝光纠错
    exposure_problem: Mapped[str | None] = mapped_column(Text)
    exposure_correction: Mapped[str | None] = mapped_column(Text)
    exposed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("ticket_id", name="uq_hotline_board_post_ticket"),
                      Index("ix_hotline_board_post_status", "status", "published_at"))
