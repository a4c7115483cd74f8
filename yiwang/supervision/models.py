from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class SupervisionRule(Base):
    """A supervision rule as data: which check, at what level, with which parameters, for which items.
    The most specific rule wins: an item's own, then its item type's, then the default."""

    __tablename__ = "supervision_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40))  # approaching | overdue | step_overdue | repeated_correction | ...
    scope: Mapped[str] = mapped_column(String(12), default="default")  # default | item_type | item
    scope_value: Mapped[str] = mapped_column(String(64), default="")  # "" | item type code | item code
    level: Mapped[str] = mapped_column(String(12))  # yellow | red | yellow_card | red_card
    params: Mapped[dict[str, Any]]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("code", "scope", "scope_value", name="uq_supervision_rule_scope"),)


class Alert(Base):
    """A supervision record (GB/T 39046 §6.8): a card raised on a case by a rule, or a light of a joint case's
    branch or a 12345 work order; lights are cleared when the condition no longer holds, cards by a supervisor.
    A case's own lights are not stored: they are derived from its clock when read (supervision/lights.py); rows
    of them from before that are kept, cleared, as history."""

    __tablename__ = "supervision_alert"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str | None] = mapped_column(String(8))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    rule: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(12))  # yellow | red | yellow_card | red_card
    content: Mapped[str] = mapped_column(Text)  # what was found, in Chinese
    detail: Mapped[dict[str, Any]]
    due: Mapped[dt.date | None] = mapped_column(Date)  # the deadline the light is about
    raised_at: Mapped[dt.datetime]
    raised_on: Mapped[dt.date] = mapped_column(Date)  # the supervision day it was raised for
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | cleared
    cleared_at: Mapped[dt.datetime | None]
    result: Mapped[str | None] = mapped_column(Text)  # how it ended (cleared because …, handled by order …)
    # what on the case the alert is about: "" for the case itself, "branch:<department id>" for one branch of
    # a joint case (each branch has its own clock and its own lights)
    subject: Mapped[str] = mapped_column(String(40), default="", server_default="")

    __table_args__ = (
        # at most one open alert per case, subject and rule: raising is idempotent
        Index("uq_supervision_alert_open", "case_no", "rule", "subject", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_supervision_alert_department", "department_id", "status", "level"),
        Index("ix_supervision_alert_region", "region_code", "status",
              postgresql_ops={"region_code": "varchar_pattern_ops"}),
        Index("ix_supervision_alert_raised", "raised_on"),
        Index("ix_supervision_alert_case_rule", "case_no", "rule"),  # cards: raised once per case and rule
        Index("ix_supervision_alert_open_level", "level", sqlite_where=text("status = 'open'"),
              postgresql_where=text("status = 'open'")),
        # the open alerts of joint cases' branches (a few among a million case alerts): the tick clears them
        Index("ix_supervision_alert_open_subject", "rule", sqlite_where=text("status = 'open' AND subject <> ''"),
              postgresql_where=text("status = 'open' AND subject <> ''")),
    )


class SupervisionOrder(Base):
    """A supervision order (督办单) to a department, with a reply deadline."""

    __tablename__ = "supervision_order"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(30), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    case_no: Mapped[str | None] = mapped_column(String(40))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_alert.id"))
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    reply_due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="issued")  # issued | replied | closed
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime]
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[str | None] = mapped_column(String(64))
    replied_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    close_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_supervision_order_department", "department_id", "status"),)


class SupervisionRun(Base):
    """One supervision tick: when, for which day, and what it changed (for the console and for idempotence)."""

    __tablename__ = "supervision_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(12), default="full")  # full | incremental
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    raised: Mapped[int] = mapped_column(Integer, default=0)
    cleared: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]]
