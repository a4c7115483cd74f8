from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.db import Base


class ServiceItem(Base):
    """The stable identity of an item (its 实施编码); content lives in versions."""

    __tablename__ = "catalog_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # the published version, denormalised for listing and scoping
    published_version_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[dt.datetime]
    # the owning department lets any window decide this immediate item on the spot (即办件当场决定); set
    # only by the owner's catalog staff, never imported, audited
    window_may_decide: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ItemVersion(Base):
    __tablename__ = "catalog_item_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # draft | published | retired
    name: Mapped[str] = mapped_column(String(300))
    basic_code: Mapped[str | None] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(4))
    level: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[list[Any]]
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    co_departments: Mapped[list[Any]]
    # limits: value + unit (working_day | natural_day | immediate); None when not published
    legal_limit_value: Mapped[int | None] = mapped_column(Integer)
    legal_limit_unit: Mapped[str | None] = mapped_column(String(16))
    promised_limit_value: Mapped[int | None] = mapped_column(Integer)
    promised_limit_unit: Mapped[str | None] = mapped_column(String(16))
    limit_note: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    process: Mapped[str | None] = mapped_column(Text)
    fees: Mapped[list[Any]]
    result_name: Mapped[str | None] = mapped_column(String(300))
    result_license_type: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(Text)
    office_hours: Mapped[str | None] = mapped_column(String(300))
    consult_phone: Mapped[str | None] = mapped_column(Text)
    complaint_phone: Mapped[str | None] = mapped_column(Text)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    visit_reason: Mapped[str | None] = mapped_column(Text)
    online_depth: Mapped[int | None] = mapped_column(Integer)  # 1 information … 4 fully online
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    in_hall: Mapped[bool] = mapped_column(Boolean, default=True)
    appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    postal_delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    online_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    pledge_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    cross_region: Mapped[str | None] = mapped_column(String(100))
    faq: Mapped[list[Any]]
    themes: Mapped[list[Any]]
    form_schema: Mapped[dict[str, Any] | None]
    extra: Mapped[dict[str, Any]]
    # 并联审批: {"lead_department_id", "branches": [{"department_id", "limit": {"value", "unit"}, "on_timeout",
    # "materials"?}]} (departments by id, so a renamed department stays the same branch); None for ordinary items
    joint: Mapped[dict[str, Any] | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    index_generation: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime | None]
    retired_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("item_id", "version_no", name="uq_catalog_item_version_no"),
        Index("ix_catalog_item_version_status", "status", "department_id"),
    )


class ItemMaterial(Base):
    __tablename__ = "catalog_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_item_version.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    deficiency_allowed: Mapped[bool] = mapped_column(Boolean, default=False)  # 容缺后补
    form: Mapped[str] = mapped_column(String(16), default="any")  # paper | electronic | any
    originals: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="applicant")  # applicant | government | other
    issuer: Mapped[str | None] = mapped_column(String(200))
    license_type: Mapped[str | None] = mapped_column(String(64))  # a held e-license can replace it
    blank_form_file_id: Mapped[str | None] = mapped_column(String(32))
    sample_file_id: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)


class CatalogIndexState(Base):
    """A counter bumped by every publish and retire: search indexes in other processes compare it
    with what they have seen and pull only the versions stamped with a newer generation."""

    __tablename__ = "catalog_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # changes when the state row is recreated (a restored or rebuilt database): indexes rebuild fully
    epoch: Mapped[str] = mapped_column(String(32))


class Bundle(Base):
    """一件事: items of several departments behind one application (one merged e-form, one materials list, one
    clock, one delivery). Catalog data: imported and exported with the items, by code."""

    __tablename__ = "catalog_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(12))  # person | enterprise
    items: Mapped[list[Any]]  # item codes, in the order the guide lists them
    themes: Mapped[list[Any]]
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
