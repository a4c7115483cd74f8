"""The hotline's monthly figures and ranking (按月通报; seed 003 tasks 39–45): per unit (承办单位), per channel
group and in total, for one calendar month in local time, of the orders in the reader's scope.

Which month an order counts in depends on the figure — each is counted when the thing it counts happened:

- **registered** (受理) — orders registered in the month (``created_at``), void ones included; **voided**
  (无效工单) — of those, the ones made void. Volume figures, counted under the unit that has the order now.
- **dispatched** (派单) — orders whose dispatch to their present unit fell in the month (a re-dispatched order
  counts once, for the unit that kept it).
- **answered** (答复) — orders answered in the month whose answer stands (waiting for review, reviewed or closed;
  an answer sent back is counted again when the unit answers anew, in the month of the new answer). Orders the
  centre answered itself (直接答复办结) count in the total, not for any unit.
- **on-time rate** (按时办结率, task 39/42/44–45) — answered by the deadline ÷ answered.
- **returned-answer rate** (退回重办率, task 41) — answered orders whose answer was sent back at review at least
  once ÷ answered.
- **closed** (办结) — orders closed in the month (``closed_at``; void ones are not closed).
- **satisfaction rate** (满意率, task 41/43) — of the orders closed after a callback in the month, satisfied or
  basically satisfied ÷ called back. An order the caller was not satisfied with and that went to a second
  handling counts once its final callback is made.
- **overdue open** (超期未办结) — orders still with their unit (dispatched or in progress) whose deadline had
  passed by the end of the month (for the current month: by today), registered before its end.
- **returns** (退回非本单位) — returns of orders as not the unit's own made in the month, counted for the unit
  that returned them (the re-dispatches the centre had to make).

Ranking: units with at least one callback, by satisfaction rate, then on-time rate (equal figures share a rank);
units without a callback are listed after them, unranked. Counts are aggregated in SQL (GROUP BY unit and
channel); Python only adds up the groups.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from yiwang.core import clock, months
from yiwang.core.months import Month
from yiwang.core.permissions import Actor, Perm
from yiwang.hotline import knowledge, repository
from yiwang.org import service as org

NONE_TEXT = "—"
CENTRE_LABEL = "热线中心（直接答复、待派单）"
# the channel groups the seed reports on: the 12345 line itself, messages forwarded from the boards above (领导留言板,
# 中国政府网) with the platform's own board, and enterprise requests (涉企诉求)
CHANNEL_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("hotline", "12345 热线（电话、网站）", ("phone", "web")),
    ("messages", "留言办理（上级转办留言、留言板）", ("forwarded", "board")),
    ("enterprise", "涉企诉求", ("enterprise",)),
]
_GROUP_OF = {channel: key for key, _, channels in CHANNEL_GROUPS for channel in channels}


def parse_month(raw: str | None, *, today: dt.date | None = None) -> Month:
    """``YYYY-MM`` (empty: the current month). Months after the current one have nothing to report."""
    return months.parse_month(raw, field="month", invalid="月份格式应为 YYYY-MM，例如 2026-03",
                              future="不能统计尚未开始的月份", today=today)


@dataclass(frozen=True)
class Rate:
    hits: int
    of: int

    @property
    def value(self) -> float | None:
        return round(self.hits / self.of, 4) if self.of else None

    @property
    def text(self) -> str:
        """One decimal as a percentage, "—" without a denominator."""
        return NONE_TEXT if not self.of else f"{self.hits * 100 / self.of:.1f}%"


@dataclass
class Figures:
    registered: int = 0
    voided: int = 0
    dispatched: int = 0
    answered: int = 0
    answered_on_time: int = 0
    answered_returned: int = 0
    closed: int = 0
    called_back: int = 0
    satisfied: int = 0
    overdue_open: int = 0
    returns: int = 0

    def add(self, counts: dict[str, int] | Figures) -> None:
        values = counts if isinstance(counts, dict) else {f.name: getattr(counts, f.name) for f in fields(Figures)}
        for name, n in values.items():
            setattr(self, name, getattr(self, name) + n)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.answered_on_time, self.answered)

    @property
    def satisfaction_rate(self) -> Rate:
        return Rate(self.satisfied, self.called_back)

    @property
    def returned_rate(self) -> Rate:
        return Rate(self.answered_returned, self.answered)

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(Figures))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(Figures)}
        out.update(on_time_rate=self.on_time_rate.value, satisfaction_rate=self.satisfaction_rate.value,
                   returned_rate=self.returned_rate.value)
        return out


@dataclass
class UnitRow(Figures):
    department_id: int | None = None
    name: str = ""
    rank: int | None = None  # None: no callback this month, not ranked

    def as_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "department_id": self.department_id, "department": self.name,
                **super().as_dict()}


@dataclass
class ChannelRow(Figures):
    group: str = ""
    label: str = ""
    channels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group, "label": self.label, "channels": list(self.channels), **super().as_dict()}


@dataclass
class KnowledgeFigures:
    total: int
    stale: int

    @property
    def current(self) -> int:
        return self.total - self.stale

    @property
    def current_rate(self) -> Rate:
        return Rate(self.current, self.total)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "stale": self.stale, "current": self.current,
                "current_rate": self.current_rate.value}


@dataclass
class MonthReport:
    month: Month
    as_of: dt.date  # overdue figures are as of this day (the month's last day, or today in the current month)
    total: Figures
    units: list[UnitRow]  # ranked first, then the units without a callback
    centre: Figures  # orders without a unit: answered by the centre itself, or waiting for a (re-)dispatch
    channels: list[ChannelRow]
    knowledge: KnowledgeFigures

    @property
    def title(self) -> str:
        return f"12345热线办理情况通报（{self.month.label}）"

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month.key, "label": self.month.label, "title": self.title,
                "as_of": self.as_of.isoformat(), "totals": self.total.as_dict(),
                "units": [u.as_dict() for u in self.units], "centre": self.centre.as_dict(),
                "channels": [c.as_dict() for c in self.channels], "knowledge": self.knowledge.as_dict()}


def _ranking_key(row: Figures) -> tuple[float, float]:
    """Satisfaction, then on-time rate (a unit that answered nothing comes after one that answered late)."""
    on_time = row.on_time_rate.value
    return (row.satisfaction_rate.value or 0.0, -1.0 if on_time is None else on_time)


def rank(rows: Iterable[UnitRow]) -> list[UnitRow]:
    """Units with a callback by satisfaction, then on-time rate, best first; equal figures share a rank
    (1, 1, 3); then the units without a callback, unranked, by name."""
    every = list(rows)
    rated = sorted((r for r in every if r.called_back),
                   key=lambda r: (*(-k for k in _ranking_key(r)), r.name))
    previous: UnitRow | None = None
    for position, row in enumerate(rated, start=1):
        tied = previous is not None and _ranking_key(previous) == _ranking_key(row)
        row.rank = previous.rank if tied and previous is not None else position
        previous = row
    unrated = sorted((r for r in every if not r.called_back), key=lambda r: r.name)
    for row in unrated:
        row.rank = None
    return rated + unrated


def monthly_report(session: Session, actor: Actor, month: Month) -> MonthReport:
    """The month's figures of the orders in ``actor``'s scope. Requires :attr:`Perm.HOTLINE_REPORT`."""
    actor.require(Perm.HOTLINE_REPORT)
    start, end = month.bounds()
    today = clock.today()
    cutoff = min(today, month.next_first)  # overdue: deadline before this day
    total, centre = Figures(), Figures()
    units: dict[int, UnitRow] = {}
    channels = {key: ChannelRow(group=key, label=label, channels=chs) for key, label, chs in CHANNEL_GROUPS}

    def targets(department_id: int | None, channel: str) -> list[Figures]:
        out: list[Figures] = [total]
        if department_id is None:
            out.append(centre)
        else:
            out.append(units.setdefault(department_id, UnitRow(department_id=department_id)))
        group = _GROUP_OF.get(channel)
        if group is not None:
            out.append(channels[group])
        return out

    for department_id, channel, counts in repository.report_counts(session, actor, start=start, end=end,
                                                                   overdue_before=cutoff):
        for target in targets(department_id, channel):
            target.add(counts)
    for department_id, channel, n in repository.report_returns(session, actor, start=start, end=end):
        for target in targets(department_id, channel):
            target.returns += n
    names = org.departments_by_ids(session, units)
    for department_id, row in units.items():
        dept = names.get(department_id)
        row.name = dept.name if dept is not None else f"部门 {department_id}"
    figures = knowledge.figures(session, actor)
    return MonthReport(month=month, as_of=cutoff - dt.timedelta(days=1), total=total,
                       units=rank(r for r in units.values() if not r.empty), centre=centre,
                       channels=list(channels.values()), knowledge=KnowledgeFigures(figures["total"],
                                                                                     figures["stale"]))


# --- the spreadsheet ----------------------------------------------------------------------------------------

COUNT_COLUMNS: list[tuple[str, str]] = [
    ("registered", "受理"), ("dispatched", "派单"), ("answered", "答复"), ("closed", "办结"), ("called_back", "回访"),
    ("overdue_open", "超期未办结"), ("returns", "退回非本单位")]
RATE_COLUMNS: list[tuple[str, str]] = [
    ("on_time_rate", "按时办结率"), ("satisfaction_rate", "满意率"), ("returned_rate", "退回重办率")]
UNIT_HEADERS = ["排名", "承办单位", *[label for _, label in COUNT_COLUMNS], *[label for _, label in RATE_COLUMNS]]
CHANNEL_HEADERS = ["渠道", *[label for _, label in COUNT_COLUMNS], *[label for _, label in RATE_COLUMNS]]
TOTAL_HEADERS = ["范围", *[label for _, label in COUNT_COLUMNS], "无效工单",
                 *[label for _, label in RATE_COLUMNS]]


def _cells(row: Figures) -> list[Any]:
    """The counts, then the rates as fractions (None without a denominator)."""
    return ([getattr(row, key) for key, _ in COUNT_COLUMNS]
            + [getattr(row, key).value for key, _ in RATE_COLUMNS])


def report_xlsx(report: MonthReport) -> bytes:
    """The report as one sheet: the title row, then the totals, the ranking, the channels and the knowledge
    base, each under its heading. Rates are numbers shown as percentages with one decimal; "—" without a
    denominator."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from yiwang.core.spreadsheet import safe_row

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{report.month.key} 通报"
    width = len(UNIT_HEADERS)
    ws.append([report.title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append([f"统计范围：{report.month.first.isoformat()} 至 {(report.month.next_first - dt.timedelta(days=1)).isoformat()}"
               f"；超期数据截至 {report.as_of.isoformat()} 日终"])

    def heading(text: str) -> None:
        ws.append([])
        ws.append([text])
        ws.cell(ws.max_row, 1).font = Font(bold=True)

    def table(headers: Sequence[str], rows: Iterable[list[Any]]) -> None:
        ws.append(safe_row(headers))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for cells in rows:
            ws.append(safe_row(NONE_TEXT if c is None else c for c in cells))
            for cell in ws[ws.max_row][len(cells) - len(RATE_COLUMNS):]:
                if isinstance(cell.value, float | int):
                    cell.number_format = "0.0%"

    heading("一、总体情况")
    total = report.total
    table(TOTAL_HEADERS, [["全部工单", *[getattr(total, k) for k, _ in COUNT_COLUMNS], total.voided,
                           *[getattr(total, k).value for k, _ in RATE_COLUMNS]]])
    heading("二、承办单位排名（按群众满意度排序）")
    unit_rows = [[u.rank if u.rank is not None else NONE_TEXT, u.name, *_cells(u)] for u in report.units]
    if not report.centre.empty:
        unit_rows.append([NONE_TEXT, CENTRE_LABEL, *_cells(report.centre)])
    table(UNIT_HEADERS, unit_rows)
    heading("三、分渠道情况")
    table(CHANNEL_HEADERS, [[c.label, *_cells(c)] for c in report.channels])
    heading("四、知识库")
    kb = report.knowledge
    ws.append(["在用答复口径", kb.total, "逾期未复核", kb.stale, "按期复核率",
               NONE_TEXT if kb.current_rate.value is None else kb.current_rate.value])
    if kb.total:
        ws.cell(ws.max_row, 6).number_format = "0.0%"
    ws.column_dimensions["B"].width = 34
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
