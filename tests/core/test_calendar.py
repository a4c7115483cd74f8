"""Working-day arithmetic: known official dates, properties, and the bundled data against an
independent source (the chinese-calendar package)."""

from __future__ import annotations

import datetime as dt
import json

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.core import calendar
from yiwang.core.calendar import CalendarYearMissing, DayEntry, WorkCalendar
from yiwang.core.errors import ValidationFailed


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    entries: list[DayEntry] = []
    years = calendar.bundled_years()
    for year in years:
        _, es, _ = calendar._bundled_year(year)
        entries.extend(es)
    return WorkCalendar(years, entries)


def test_bundled_years_are_2020_to_2026() -> None:
    assert calendar.bundled_years() == list(range(2020, 2027))


def test_national_day_2026(cal: WorkCalendar) -> None:
    assert not cal.is_workday(dt.date(2026, 10, 1))
    assert not cal.is_workday(dt.date(2026, 10, 7))
    # the first working day after 30 September is after the holiday week
    assert cal.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_make_up_working_day_on_a_weekend(cal: WorkCalendar) -> None:
    # 2026-01-04 is a Sunday worked in exchange for the New Year holiday
    assert dt.date(2026, 1, 4).weekday() == 6
    assert cal.is_workday(dt.date(2026, 1, 4))
    assert cal.holiday_name(dt.date(2026, 1, 4)) == "元旦"


def test_start_day_is_not_counted(cal: WorkCalendar) -> None:
    monday = dt.date(2026, 3, 2)
    assert cal.add_working_days(monday, 1) == dt.date(2026, 3, 3)
    assert cal.add_working_days(monday, 5) == dt.date(2026, 3, 9)
    assert cal.working_days_between(monday, monday) == 0
    friday = dt.date(2026, 3, 6)
    assert cal.add_working_days(friday, 1) == dt.date(2026, 3, 9)  # over the weekend
    saturday = dt.date(2026, 3, 7)
    assert cal.add_working_days(saturday, 1) == dt.date(2026, 3, 9)


def test_twenty_working_days_over_spring_festival(cal: WorkCalendar) -> None:
    # accepted 2026-02-10; Spring Festival holiday 15–23 Feb, make-up days 14 Feb and 28 Feb
    deadline = cal.add_working_days(dt.date(2026, 2, 10), 20)
    assert cal.working_days_between(dt.date(2026, 2, 10), deadline) == 20
    assert deadline == dt.date(2026, 3, 16)


def test_year_without_data_is_an_error(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarYearMissing) as exc:
        cal.is_workday(dt.date(2027, 1, 4))
    assert "2027" in exc.value.message
    with pytest.raises(CalendarYearMissing):
        cal.add_working_days(dt.date(2026, 12, 28), 10)
    with pytest.raises(CalendarYearMissing):
        cal.working_days_between(dt.date(2019, 12, 30), dt.date(2020, 1, 3))


def test_bundled_data_agrees_with_chinese_calendar(cal: WorkCalendar) -> None:
    day = dt.date(2020, 1, 1)
    mismatches = []
    while day <= dt.date(2026, 12, 31):
        if chinese_calendar.is_workday(day) != cal.is_workday(day):
            mismatches.append(day)
        day += dt.timedelta(days=1)
    assert mismatches == []


dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 6, 30))


@settings(max_examples=300)
@given(start=dates, n=st.integers(min_value=1, max_value=120))
def test_add_then_count_round_trips(cal: WorkCalendar, start: dt.date, n: int) -> None:
    end = cal.add_working_days(start, n)
    assert cal.is_workday(end)
    assert end > start
    assert cal.working_days_between(start, end) == n
    # no working day is skipped: the day before the result is n-1 working days away
    assert cal.working_days_between(start, end - dt.timedelta(days=1)) == n - 1


@settings(max_examples=300)
@given(a=dates, b=dates)
def test_between_is_antisymmetric_and_matches_a_day_by_day_count(cal: WorkCalendar, a: dt.date, b: dt.date) -> None:
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)
    lo, hi = min(a, b), max(a, b)
    if (hi - lo).days <= 400:
        naive = sum(1 for i in range(1, (hi - lo).days + 1) if cal.is_workday(lo + dt.timedelta(days=i)))
        assert cal.working_days_between(lo, hi) == naive


@given(day=dates)
def test_next_workday(cal: WorkCalendar, day: dt.date) -> None:
    nxt = cal.next_workday(day)
    assert cal.is_workday(nxt)
    assert nxt == day or (nxt > day and cal.working_days_between(day, nxt) == 1)


def test_parse_rejects_bad_files() -> None:
    with pytest.raises(ValidationFailed):
        calendar.parse_holiday_file(b"not json")
    with pytest.raises(ValidationFailed):
        calendar.parse_holiday_file(json.dumps({"year": 2027, "days": []}))
    with pytest.raises(ValidationFailed):
        calendar.parse_holiday_file(json.dumps({"year": 2027, "days": [{"date": "2027-13-01", "isOffDay": True}]}))
    with pytest.raises(ValidationFailed):
        calendar.parse_holiday_file(json.dumps({"year": 2027, "days": [{"date": "2030-01-01", "isOffDay": True}]}))


def test_a_date_listed_twice_is_refused() -> None:
    doc = {"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": True}, {"date": "2027-01-01", "isOffDay": False}]}
    with pytest.raises(ValidationFailed) as exc:
        calendar.parse_holiday_file(json.dumps(doc))
    assert "重复" in exc.value.message
