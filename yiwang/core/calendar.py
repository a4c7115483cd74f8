"""The official working-day calendar (工作日 / 调休).

Only the exceptions are stored: statutory days off that fall on weekdays and make-up working days
that fall on weekends; every other weekday is a working day. A year must be imported before any
date in it is used: asking about a year without data raises ``CalendarYearMissing`` rather than
guessing. Years 2020–2026 ship with the package (State Council notices, via the holiday-cn data).

Periods follow administrative practice: the start day is not counted, so ``add_working_days(d, n)``
is the n-th working day after ``d`` and ``working_days_between(a, b)`` counts working days in (a, b].
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from yiwang.core import audit, clock
from yiwang.core.config import get_settings
from yiwang.core.db import Base
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, ActorKind, Perm, region_prefix


class CalendarYear(Base):
    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[dt.datetime]
    imported_by: Mapped[str] = mapped_column(String(64))


class CalendarDay(Base):
    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)  # the notice year that set it
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(50))


class CalendarYearMissing(ValidationFailed):
    code = "calendar_year_missing"

    def __init__(self, year: int) -> None:
        super().__init__(f"{year} 年的节假日安排尚未导入，无法计算工作日，请管理员先导入该年度日历", code=self.code,
                         extra={"year": year})
        self.year = year


@dataclass(frozen=True)
class DayEntry:
    day: dt.date
    is_workday: bool
    name: str


class WorkCalendar:
    """Pure working-day arithmetic over the covered years (no I/O)."""

    def __init__(self, years: Iterable[int], exceptions: Iterable[DayEntry]) -> None:
        self.years = frozenset(years)
        self.exceptions = {e.day: e for e in exceptions}
        ordinals: list[int] = []
        for year in sorted(self.years):
            day = dt.date(year, 1, 1)
            while day.year == year:
                if self._is_workday_unchecked(day):
                    ordinals.append(day.toordinal())
                day += dt.timedelta(days=1)
        self._workdays = ordinals

    def _is_workday_unchecked(self, day: dt.date) -> bool:
        entry = self.exceptions.get(day)
        if entry is not None:
            return entry.is_workday
        return day.weekday() < 5

    def _check(self, day: dt.date) -> None:
        if day.year not in self.years:
            raise CalendarYearMissing(day.year)

    def _check_span(self, a: dt.date, b: dt.date) -> None:
        lo, hi = min(a, b), max(a, b)
        for year in range(lo.year, hi.year + 1):
            if year not in self.years:
                raise CalendarYearMissing(year)

    def is_workday(self, day: dt.date) -> bool:
        self._check(day)
        return self._is_workday_unchecked(day)

    def holiday_name(self, day: dt.date) -> str | None:
        entry = self.exceptions.get(day)
        return entry.name if entry else None

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (start not counted); 0 gives ``start``."""
        if days < 0:
            raise ValueError("days must not be negative")
        self._check(start)
        if days == 0:
            return start
        index = bisect.bisect_right(self._workdays, start.toordinal()) + days - 1
        if index >= len(self._workdays):
            raise CalendarYearMissing(max(self.years) + 1)
        result = dt.date.fromordinal(self._workdays[index])
        self._check_span(start, result)
        return result

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the next one."""
        return day if self.is_workday(day) else self.add_working_days(day, 1)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        self._check_span(start, end)
        lo = bisect.bisect_right(self._workdays, start.toordinal())
        hi = bisect.bisect_right(self._workdays, end.toordinal())
        return hi - lo


# --- loading and caching -------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, WorkCalendar]] = {}
CACHE_SECONDS = 60.0


def load(session: Session) -> WorkCalendar:
    years = list(session.scalars(select(CalendarYear.year)))
    days = [DayEntry(d.day, d.is_workday, d.name) for d in session.scalars(select(CalendarDay))]
    return WorkCalendar(years, days)


def get_calendar(session: Session) -> WorkCalendar:
    """The calendar for this database, cached per process for a minute (imports invalidate it)."""
    key = str(session.get_bind().engine.url)
    with _cache_lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    cal = load(session)
    with _cache_lock:
        _cache[key] = (time.monotonic(), cal)
    return cal


def invalidate_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- import ------------------------------------------------------------------------------------

def parse_holiday_file(raw: bytes | str) -> tuple[int, list[DayEntry], str]:
    """Parse a year file in the holiday-cn layout: {"year", "papers": [...], "days": [{"name", "date",
    "isOffDay"}]}. Returns (year, entries, source)."""
    try:
        doc: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("日历文件不是有效的 JSON", field="file", code="bad_json") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("year"), int) or not isinstance(doc.get("days"), list):
        raise ValidationFailed("日历文件缺少 year 或 days 字段", field="file", code="bad_calendar")
    year = doc["year"]
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年份超出范围", field="year", code="bad_year")
    entries: list[DayEntry] = []
    for i, item in enumerate(doc["days"], start=1):
        try:
            day = dt.date.fromisoformat(item["date"])
            off = item["isOffDay"]
            name = str(item.get("name", ""))[:50]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(f"第 {i} 条日期记录格式错误", field="days", code="bad_day") from exc
        if not isinstance(off, bool):
            raise ValidationFailed(f"第 {i} 条记录的 isOffDay 必须为 true/false", field="days", code="bad_day")
        if abs(day.year - year) > 1:
            raise ValidationFailed(f"第 {i} 条记录的日期 {day} 不属于 {year} 年的安排", field="days", code="bad_day")
        if any(e.day == day for e in entries):
            raise ValidationFailed(f"第 {i} 条记录的日期 {day} 重复出现", field="days", code="bad_day")
        entries.append(DayEntry(day, not off, name))
    if not entries:
        raise ValidationFailed(f"{year} 年的安排为空（国务院通知可能尚未发布）", field="days", code="empty_year")
    papers = doc.get("papers") or []
    source = ", ".join(str(p) for p in papers)[:500] or "imported file"
    return year, entries, source


def may_replace_calendar(actor: Actor) -> bool:
    """The calendar serves the whole deployment: only administrators of its top region (the home region,
    e.g. the province) replace it — never a city or district administrator — and the system (CLI)."""
    if not actor.is_staff:
        return actor.kind is ActorKind.SYSTEM
    home = get_settings().home_region_code
    return actor.can(Perm.CALENDAR_MANAGE) and bool(actor.region_code) and \
        home.startswith(region_prefix(actor.region_code or ""))


def implausibilities(year: int, entries: list[DayEntry]) -> list[str]:
    """What makes a year's arrangement implausible for an official notice (more days off in a row, or
    more weekdays off, than any State Council notice has had)."""
    s = get_settings()
    over = {e.day: e.is_workday for e in entries}
    day, run, longest = dt.date(year, 1, 1), 0, 0
    while day.year == year:
        run = 0 if over.get(day, day.weekday() < 5) else run + 1
        longest = max(longest, run)
        day += dt.timedelta(days=1)
    weekdays_off = sum(1 for e in entries if not e.is_workday and e.day.weekday() < 5 and e.day.year == year)
    out = []
    if longest > s.calendar_max_days_off_run:
        out.append(f"连续休息 {longest} 天（超过 {s.calendar_max_days_off_run} 天）")
    if weekdays_off > s.calendar_max_weekdays_off:
        out.append(f"工作日放假 {weekdays_off} 天（超过 {s.calendar_max_weekdays_off} 天）")
    return out


def require_calendar_scope(actor: Actor) -> None:
    if not may_replace_calendar(actor):
        raise PermissionDenied("节假日安排适用于整个平台，只有平台（最高一级区划）管理员可以导入或替换",
                               field="file", code="calendar_scope")


def check_import(actor: Actor, year: int, entries: list[DayEntry], *, force: bool = False) -> None:
    """Refuse an import by anyone below the deployment's top region, and an implausible year unless forced."""
    require_calendar_scope(actor)
    problems = implausibilities(year, entries)
    if problems and not force:
        raise ValidationFailed(f"{year} 年的安排不像国务院发布的放假通知：" + "；".join(problems)
                               + "。如确属特殊安排，请勾选“确认导入异常安排”后再导入", field="file",
                               code="calendar_implausible", extra={"problems": problems})


def import_year(session: Session, actor: Actor, year: int, entries: list[DayEntry], source: str, *,
                force: bool = False) -> int:
    """Replace one notice year's exceptions. Returns the number of exception days stored."""
    check_import(actor, year, entries, force=force)
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    # A day set by another year's notice (e.g. a late-December make-up day) is kept by whichever
    # notice is imported last: drop duplicates first.
    days = [e.day for e in entries]
    session.execute(delete(CalendarDay).where(CalendarDay.day.in_(days)))
    session.flush()
    session.add_all(CalendarDay(day=e.day, year=year, is_workday=e.is_workday, name=e.name) for e in entries)
    existing = session.get(CalendarYear, year)
    if existing is None:
        session.add(CalendarYear(year=year, source=source, imported_at=clock.now(), imported_by=actor.label))
    else:
        existing.source, existing.imported_at, existing.imported_by = source, clock.now(), actor.label
    session.flush()
    audit.record(session, actor, "calendar.import", "calendar_year", year,
                 {"days": len(entries), "source": source, "forced": force})
    invalidate_cache()
    return len(entries)


@functools.cache
def _bundled_year(year: int) -> tuple[int, tuple[DayEntry, ...], str]:
    raw = (resources.files("yiwang.core") / "holiday_data" / f"{year}.json").read_bytes()
    y, entries, source = parse_holiday_file(raw)
    return y, tuple(entries), source


def bundled_years() -> list[int]:
    files = resources.files("yiwang.core") / "holiday_data"
    return sorted(int(p.name[:4]) for p in files.iterdir() if p.name.endswith(".json"))


def seed_bundled(session: Session) -> list[int]:
    """Import the bundled official years that are not in the database yet."""
    have = set(session.scalars(select(CalendarYear.year)))
    done = []
    for year in bundled_years():
        if year in have:
            continue
        y, entries, source = _bundled_year(year)
        import_year(session, SYSTEM, y, list(entries), source)
        done.append(y)
    return done
