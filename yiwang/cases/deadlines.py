"""Case clocks in official working days (行政许可法 and practice), on top of core.calendar.

The acceptance day is not counted; days of special procedure are added back; extensions are added;
an immediate item received after office hours or on a day off is due the next working day; a period
in natural days that ends on a day off moves to the next working day.
"""

from __future__ import annotations

import datetime as dt

from yiwang.core import clock, lifecycle
from yiwang.core.calendar import WorkCalendar
from yiwang.core.config import get_settings

ANSWER_DAYS = 5  # 受理或一次性告知补正 within 5 working days of receipt
DELIVER_DAYS = 10  # the result is delivered within 10 working days of the decision
DEFAULT_DECISION_DAYS = 20  # when an item states no limit
MAX_EXTENSION_DAYS = 10


def local_day(at: dt.datetime) -> dt.date:
    return clock.to_local(at).date()


def answer_due(cal: WorkCalendar, received: dt.datetime) -> dt.date:
    return cal.add_working_days(local_day(received), ANSWER_DAYS)


def decision_deadline(cal: WorkCalendar, accepted: dt.datetime, value: int | None, unit: str | None) -> dt.date:
    """The decision deadline counted from acceptance, before suspensions and extensions."""
    local = clock.to_local(accepted)
    day = local.date()
    if unit == "immediate":
        late = local.hour >= get_settings().office_close_hour
        if late or not cal.is_workday(day):
            return cal.add_working_days(day, 1)
        return day
    if unit == "natural_day" and value is not None:
        return cal.next_workday(day + dt.timedelta(days=value))
    return cal.add_working_days(day, value if value is not None else DEFAULT_DECISION_DAYS)


def shifted(cal: WorkCalendar, base: dt.date, extra_working_days: int) -> dt.date:
    return cal.add_working_days(base, extra_working_days) if extra_working_days > 0 else base


def warn_date(cal: WorkCalendar, due: dt.date, warn_days: int = 1) -> dt.date:
    """The first day on which ``due`` is ``warn_days`` working days away or closer (yellow from then)."""
    return lifecycle.warn_point(cal, due, warn_days)


remaining = lifecycle.remaining
light = lifecycle.light
