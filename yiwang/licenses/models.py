from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class LicenseType(Base):
    """One entry of the license catalog (证照目录): what a license of this type shows and how long it lasts."""

    __tablename__ = "license_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(21), unique=True)  # the type code inside GB/T 36904 identifiers
    name: Mapped[str] = mapped_column(String(200), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))  # None: the item's department
    validity_years: Mapped[int | None] = mapped_column(Integer)  # None: long-term (长期)
    # template fields in print order: [{"label": "经营场所", "source": "form.address"}, ...]
    fields: Mapped[list[Any]]
    layout: Mapped[dict[str, Any]]  # printable layout options: {"title": ..., "note": ...}
    created_at: Mapped[dt.datetime]


class LicenseCounter(Base):
    """Serial numbers per license type and issuer, never reused."""

    __tablename__ = "license_counter"

    type_code: Mapped[str] = mapped_column(String(21), primary_key=True)
    issuer_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class License(Base):
    """An issued electronic license (电子证照). Its status changes only through licenses.service."""

    __tablename__ = "license"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    license_id: Mapped[str] = mapped_column(String(32), unique=True)  # public, unguessable: what the QR names
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("license_type.id"))
    type_code: Mapped[str] = mapped_column(String(21))
    type_name: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str] = mapped_column(String(64))  # actor label of the holder, e.g. "enterprise:3"
    holder_kind: Mapped[str] = mapped_column(String(12))
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_code: Mapped[str] = mapped_column(String(18))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    issuer_name: Mapped[str] = mapped_column(String(200))
    issuer_code: Mapped[str] = mapped_column(String(18))
    case_no: Mapped[str | None] = mapped_column(String(40))
    fields: Mapped[list[Any]]  # [[label, value], ...] as printed
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    issued_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(12))  # valid | suspended | revoked ("expired" is computed)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None]
    seal_code: Mapped[str] = mapped_column(String(20))
    seal_signature: Mapped[dict[str, Any]]
    pdf_file_id: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("case_no", "type_code", name="uq_license_case_type"),  # one license per case and type
        Index("ix_license_holder", "holder", "issued_at"),
        Index("ix_license_department", "department_id", "issued_at"),
        Index("ix_license_issued", "issued_at"),  # the indicators' daily counters
        Index("ix_license_holder_code", "holder_code"),
        Index("ix_license_pdf_sha256", "pdf_sha256"),  # an uploaded file is looked up by its digest
    )


class LicenseVerification(Base):
    """Every verification, by whatever route (page, API upload, command line, shared link)."""

    __tablename__ = "license_verification"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    license_id: Mapped[str | None] = mapped_column(String(32), index=True)
    method: Mapped[str] = mapped_column(String(12))  # page | api | cli | share
    valid: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[Any]]
    client: Mapped[str | None] = mapped_column(String(64))  # who asked (actor label or a client address)


class LicenseShare(Base):
    """A time-limited verification link the holder gives to someone who needs to see the license."""

    __tablename__ = "license_share"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    license_pk: Mapped[int] = mapped_column(ForeignKey("license.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(Text)
