from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base

NO_DEPARTMENT = 0  # the department column of a figure that belongs to a region only (registrations, hall tickets)


class DailyCount(Base):
    """One counter of one local day, for one region (the record's own 行政区划 code) and department: cases
    submitted, decided, ratings given, orders answered… The counters of a month add up to its indicators; a day
    is rewritten whole whenever it is computed again, so recomputing is idempotent."""

    __tablename__ = "metric_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_metric_daily_key_day", "key", "day"),)


class MonthlyCount(Base):
    """One counter of one month for one region and department: the month's sum of the daily counters, and the
    counters only a whole month has (distinct items with cases, users active in the month) or that describe the
    month's end (items in use, registered users, seals in use). An indicator's numerator and denominator are sums
    of these over the regions and departments asked about."""

    __tablename__ = "metric_monthly"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_metric_monthly_region", "period", "region_code",
                            postgresql_ops={"region_code": "varchar_pattern_ops"}),)


class ComputeRun(Base):
    """A computation of a month's figures (the CLI, the nightly and the hourly job): when, how long, how many rows."""

    __tablename__ = "metric_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    scope: Mapped[str] = mapped_column(String(12))  # month | days
    days: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    started_at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))


class Baseline(Base):
    """A figure from outside the platform that per-capita indicators divide by: a region's resident population
    (常住人口) or its enterprises (市场主体数), as an administrator entered it."""

    __tablename__ = "metric_baseline"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(16), primary_key=True)  # population | enterprises
    value: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class Publication(Base):
    """Whether an indicator is on the public figures page (绩效评估结果公开)."""

    __tablename__ = "metric_publication"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
