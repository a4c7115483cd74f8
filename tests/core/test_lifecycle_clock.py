"""The engine's working-day clock: start, pause, resume, remaining and light, against known official dates
(the 2026 National Day holiday: 1–7 October off, Sunday 27 September and Saturday 10 October worked)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.core import calendar
from yiwang.core.calendar import DayEntry, WorkCalendar
from yiwang.core.lifecycle import WorkClock, light, remaining, warn_point


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    entries: list[DayEntry] = []
    years = calendar.bundled_years()
    for year in years:
        entries.extend(calendar._bundled_year(year)[1])
    return WorkCalendar(years, entries)


def test_a_clock_skips_the_holiday(cal) -> None:  # type: ignore[no-untyped-def]
    start = dt.date(2026, 9, 29)  # Tuesday before National Day
    clock = WorkClock.start(cal, start, 3, warn_days=1)
    # 30 Sep is one; 1–7 Oct are off; 8 and 9 Oct are two and three
    assert clock.deadline == dt.date(2026, 10, 9)
    assert clock.warn_at == warn_point(cal, dt.date(2026, 10, 9), 1)
    assert clock.light(cal, dt.date(2026, 9, 30), 1) == "green"
    assert clock.light(cal, dt.date(2026, 10, 9), 1) == "yellow"
    assert clock.light(cal, dt.date(2026, 10, 12), 1) == "red"
    assert clock.remaining(cal, dt.date(2026, 10, 9)) == 0
    assert clock.remaining(cal, dt.date(2026, 10, 12)) < 0


def test_a_pause_adds_back_the_working_days_it_lasted(cal) -> None:  # type: ignore[no-untyped-def]
    clock = WorkClock.start(cal, dt.date(2026, 3, 2), 5, warn_days=1)  # Monday → Monday 9 March
    paused = clock.pause(dt.date(2026, 3, 4))
    assert paused.paused and paused.light(cal, dt.date(2026, 4, 1), 1) is None  # no light while paused
    assert paused.remaining(cal, dt.date(2026, 4, 1)) == paused.remaining(cal, dt.date(2026, 3, 4))
    assert paused.pause(dt.date(2026, 3, 5)) == paused  # pausing twice changes nothing
    resumed, used = paused.resume(cal, dt.date(2026, 3, 11), warn_days=1)
    assert used == cal.working_days_between(dt.date(2026, 3, 4), dt.date(2026, 3, 11)) == 5
    assert resumed.deadline == cal.add_working_days(dt.date(2026, 3, 9), 5)
    assert not resumed.paused and resumed.paused_working_days == 5


@settings(max_examples=200, deadline=None)
@given(start=st.dates(dt.date(2020, 2, 1), dt.date(2026, 9, 30)), days=st.integers(1, 30),
       gap=st.integers(0, 20))
def test_remaining_counts_down_to_zero_on_the_deadline(cal, start, days, gap) -> None:  # type: ignore[no-untyped-def]
    clock = WorkClock.start(cal, start, days, warn_days=2)
    assert clock.deadline is not None
    assert remaining(cal, clock.deadline, clock.deadline) == 0
    assert light(cal, clock.deadline + dt.timedelta(days=1), clock.deadline) == "red"
    # resuming never moves a deadline earlier
    pause_day = start + dt.timedelta(days=gap)
    resumed, used = clock.pause(start).resume(cal, pause_day, warn_days=2)
    assert resumed.deadline is not None and resumed.deadline >= clock.deadline and used >= 0
