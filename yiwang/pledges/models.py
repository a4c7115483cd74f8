from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class PledgeCheck(Base):
    """The post-check (事后核查) of one approved pledged case, and its publication (公示): the public columns
    (item, department, decision day, the masked holder) are copied here when the task opens, so the public page
    never reads a personal column."""

    __tablename__ = "pledge_check"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(300))
    item_type: Mapped[str] = mapped_column(String(64))  # basic item code, else the item code (credit bars by it)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    applicant: Mapped[str] = mapped_column(String(64))  # actor label
    applicant_kind: Mapped[str] = mapped_column(String(12))  # person | enterprise
    public_holder: Mapped[str] = mapped_column(String(200))  # enterprise name, or the person's surname and *
    decided_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # pending | passed | failed
    check_days: Mapped[int] = mapped_column(Integer)
    # NULL while the deadline falls in a year whose holidays are not imported yet (never guessed): the worker fills
    # it in once they are (jobs.fill_deadlines)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    warn_at: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_file_id: Mapped[str | None] = mapped_column(String(32))
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_by_name: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[dt.datetime | None]
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    credit_record_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime]
    last_action_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_pledge_check_department", "department_id", "status", "deadline"),
        Index("ix_pledge_check_region", "region_code", "status", "deadline",
              postgresql_ops={"region_code": "varchar_pattern_ops"}),
        Index("ix_pledge_check_published", "decided_on", "id"),
    )
