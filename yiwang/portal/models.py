from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.db import Base


class SearchCount(Base):
    """How often a normalised query was searched on the portal on one (local) day: real demand for
    热门事项. Holds no personal data — only the query text and a counter."""

    __tablename__ = "portal_search_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("day", "query", name="uq_portal_search_count_day_query"),
                      Index("ix_portal_search_count_day", "day"))


class Announcement(Base):
    """A notice (通知公告) published by an administrator for a region (and everything below it)."""

    __tablename__ = "portal_announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    author: Mapped[str] = mapped_column(String(64))  # actor label
    author_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12))  # draft | published | withdrawn
    created_at: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_portal_announcement_status", "status", "published_at"),)
