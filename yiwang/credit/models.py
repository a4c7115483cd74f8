from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class CreditRecord(Base):
    """One adverse credit record (失信记录) on an applicant, standing from ``starts_on`` to ``ends_on``
    (inclusive). Kept after it lapses: the history is the record; only what it bars ends."""

    __tablename__ = "credit_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))  # false_pledge
    subject: Mapped[str] = mapped_column(String(64))  # the applicant's actor label ("person:12")
    subject_kind: Mapped[str] = mapped_column(String(12))  # person | enterprise
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_code: Mapped[str] = mapped_column(String(18))  # ID number or USCC (never listed in full to strangers)
    # what the record bars: pledges for this item type (the national basic item code, else the item code)
    item_type: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(300))
    case_no: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))  # what found it ("pledge_check:7")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_credit_record_bar", "subject", "kind", "item_type", "ends_on"),
        Index("ix_credit_record_department", "department_id", "recorded_at"),
        Index("ix_credit_record_region", "region_code", "recorded_at",
              postgresql_ops={"region_code": "varchar_pattern_ops"}),
    )
