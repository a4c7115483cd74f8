"""Calendar months in local time (统计周期: 自然月): :class:`yiwang.core.months.Month`, with the indicators' words
for a month they cannot count."""

from __future__ import annotations

import datetime as dt

from yiwang.core import months
from yiwang.core.months import Month

__all__ = ["Month", "parse_month"]


def parse_month(raw: str | None, *, field: str = "period", today: dt.date | None = None) -> Month:
    """``YYYY-MM`` (empty: the current month). A month that has not begun has no figures."""
    return months.parse_month(raw, field=field, invalid="统计周期应为 YYYY-MM 格式的月份，例如 2026-03",
                              future="该月份尚未开始，没有可统计的数据", today=today)
