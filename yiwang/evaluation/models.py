from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class Evaluation(Base):
    """One applicant's rating of one concluded case (好差评, GB/T 39046): 1 非常满意 … 5 非常不满意."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40))
    applicant: Mapped[str] = mapped_column(String(64))  # actor label of who rated
    item_code: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[Any]]  # reason codes from the list (required for 4–5)
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(12))  # pc | mobile | qr | terminal | sms | phone
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    revision: Mapped[int] = mapped_column(Integer, default=1)  # how many times it was (re-)rated
    # an upheld appeal (malicious or mistaken rating) takes the rating out of the department's figures
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    appeal_status: Mapped[str | None] = mapped_column(String(12))  # requested | upheld | rejected
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_decision: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("case_no", "applicant", name="uq_evaluation_case_applicant"),
        Index("ix_evaluation_department", "department_id", "created_at"),
        Index("ix_evaluation_created", "created_at"),  # the indicators' daily counters
    )


class Rectification(Base):
    """The task a bad review (4–5) opens for the handling department: call back, fix or explain, report."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"))
    case_no: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    level: Mapped[int] = mapped_column(Integer)  # the rating that opened it
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | replied | closed
    callback_note: Mapped[str | None] = mapped_column(Text)  # what the applicant said on the callback
    reply: Mapped[str | None] = mapped_column(Text)  # what was fixed or explained (the applicant sees it)
    replied_by: Mapped[str | None] = mapped_column(String(64))
    replied_at: Mapped[dt.datetime | None]
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_rectification_department", "department_id", "status", "deadline"),
        Index("ix_rectification_evaluation", "evaluation_id"),
    )
