"""Calendar months in local time (统计周期: 自然月), as the monthly reports and the indicators count them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from yiwang.core import clock
from yiwang.core.errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def midnight(day: dt.date) -> dt.datetime:
    """Local midnight starting ``day``, in UTC."""
    return clock.as_utc(dt.datetime.combine(day, dt.time(), tzinfo=clock.LOCAL_TZ))


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next_first(self) -> dt.date:
        return dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def last(self) -> dt.date:
        return self.next_first - dt.timedelta(days=1)

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def year_before(self) -> Month:
        return Month(self.year - 1, self.month)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The month's first and the next month's first instant, local midnight, in UTC."""
        return midnight(self.first), midnight(self.next_first)

    def days(self) -> Iterator[dt.date]:
        day = self.first
        while day < self.next_first:
            yield day
            day += dt.timedelta(days=1)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)


def parse_month(raw: str | None, *, field: str, invalid: str, future: str, today: dt.date | None = None) -> Month:
    """``YYYY-MM`` (empty: the current month); a month that has not begun has nothing to count. The errors name
    ``field`` and carry the codes ``invalid_<field>`` and ``future_<field>`` with the caller's words."""
    today = today or clock.today()
    text = (raw or "").strip()
    if not text:
        return Month.of(today)
    m = _MONTH.match(text[:20])
    if m is None or not (1 <= int(m.group(2)) <= 12) or int(m.group(1)) < 2000:
        raise ValidationFailed(invalid, field=field, code=f"invalid_{field}")
    month = Month(int(m.group(1)), int(m.group(2)))
    if month.first > today:
        raise ValidationFailed(future, field=field, code=f"future_{field}")
    return month
