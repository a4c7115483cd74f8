"""Calendar months in local time (统计周期: 自然月)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from yiwang.core import clock
from yiwang.core.errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


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
    def following(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def year_before(self) -> Month:
        return Month(self.year - 1, self.month)

    def days(self) -> Iterator[dt.date]:
        day = self.first
        while day < self.next_first:
            yield day
            day += dt.timedelta(days=1)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)


def parse_month(raw: str | None, *, field: str = "period", today: dt.date | None = None) -> Month:
    """``YYYY-MM`` (empty: the current month). A month that has not begun has no figures."""
    today = today or clock.today()
    text = (raw or "").strip()
    if not text:
        return Month.of(today)
    m = _MONTH.match(text[:20])
    if m is None or not (1 <= int(m.group(2)) <= 12) or int(m.group(1)) < 2000:
        raise ValidationFailed("统计周期应为 YYYY-MM 格式的月份，例如 2026-03", field=field, code="invalid_period")
    month = Month(int(m.group(1)), int(m.group(2)))
    if month.first > today:
        raise ValidationFailed("该月份尚未开始，没有可统计的数据", field=field, code="future_period")
    return month
