from __future__ import annotations

import datetime as dt
import json

import pytest

from yiwang.core import calendar
from yiwang.core.calendar import CalendarYearMissing
from yiwang.core.permissions import SYSTEM

YEAR_2027 = {
    "year": 2027,
    "papers": ["test notice"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "春节", "date": "2027-02-08", "isOffDay": True},
        {"name": "春节", "date": "2027-02-20", "isOffDay": False},
    ],
}


def test_seeded_database_calendar(session) -> None:  # type: ignore[no-untyped-def]
    cal = calendar.load(session)
    assert cal.years == frozenset(range(2020, 2027))
    assert cal.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_import_a_new_year_extends_the_calendar(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CalendarYearMissing):
        calendar.load(session).is_workday(dt.date(2027, 1, 1))
    year, entries, source = calendar.parse_holiday_file(json.dumps(YEAR_2027))
    calendar.import_year(session, SYSTEM, year, entries, source)
    session.commit()
    cal = calendar.get_calendar(session)
    assert not cal.is_workday(dt.date(2027, 1, 1))
    assert cal.is_workday(dt.date(2027, 2, 20))  # a Saturday worked
    assert cal.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)
    # re-importing replaces rather than duplicates
    calendar.import_year(session, SYSTEM, year, entries[:1], source)
    session.commit()
    assert calendar.load(session).is_workday(dt.date(2027, 2, 8))
