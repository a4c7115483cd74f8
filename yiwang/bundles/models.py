from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class BundleApplication(Base):
    """One 一件事 application: the applicant's one record of the cases it filed (cases.bundle_application_id).
    Its overall status and clock are read from those cases; what it keeps is what was filed and when the
    results were delivered together."""

    __tablename__ = "bundle_application"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_no: Mapped[str] = mapped_column(String(40), unique=True)
    bundle_code: Mapped[str] = mapped_column(String(64))
    bundle_name: Mapped[str] = mapped_column(String(200))
    applicant: Mapped[str] = mapped_column(String(64))
    applicant_name: Mapped[str] = mapped_column(String(200))
    filed_by: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))  # online | window | proxy
    region_code: Mapped[str] = mapped_column(String(12))  # the region the application is numbered in
    item_codes: Mapped[list[Any]]
    form: Mapped[dict[str, Any]]
    submitted_at: Mapped[dt.datetime]
    # when every result was delivered together (统一送达), or no case was left to deliver; None while any case
    # is open
    delivered_at: Mapped[dt.datetime | None]
    due: Mapped[dt.date | None] = mapped_column(Date)  # the applicant's one clock when filed (latest answer date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_bundle_application_applicant", "applicant", "submitted_at"),
        Index("ix_bundle_application_bundle", "bundle_code", "submitted_at"),
    )


class BundleSubmissionKey(Base):
    """Idempotency keys of bundle applications: the same key from the same filer never files twice."""

    __tablename__ = "bundle_submission_key"

    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    application_id: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[dt.datetime]
