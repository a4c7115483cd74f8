"""The monthly report (每月专报, seed 003 三、工作要求): every indicator of the month with its change against last
month and the same month last year, the departments ranked, and the indicators short of their targets — as a page,
an Excel workbook and a PDF with the embedded CJK font.

Ranking: each department is judged on the department-level indicators that have a target and a value this month
(达标 = the target met); departments are ordered by the share of those met, then by how many were assessed; equal
figures share a rank. Departments with nothing assessed are listed after them, unranked.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.permissions import Actor
from yiwang.core.spreadsheet import safe_row
from yiwang.metrics import service as metrics
from yiwang.metrics.indicators import INDICATORS, SCREEN_BOARD, Indicator
from yiwang.metrics.periods import Month
from yiwang.metrics.service import Scope, Value

RANK_CODES = tuple(i.code for i in INDICATORS if i.computable and i.department_level and i.target is not None
                   and i.kind in ("ratio", "count"))
NONE_TEXT = "—"


def fmt(value: float | None, unit: str = "") -> str:
    """A figure as the reports print it; a small one keeps four significant digits (0.0963%, 0.0012张/人)."""
    if value is None:
        return NONE_TEXT
    if 0 < abs(value) < 0.1:
        decimals = 3 - math.floor(math.log10(abs(value)))  # four significant digits, never 9.6e-07
        return f"{value:.{decimals}f}".rstrip("0") + unit
    if float(value).is_integer() and unit != "%":
        return f"{int(value):,}{unit}"
    if unit == "%" and round(value, 1).is_integer() and not float(value).is_integer():
        return f"{value:.2f}%"  # 99.96% is not "100.0%" beside 未达标
    return f"{value:,.2f}{unit}" if unit != "%" else f"{value:.1f}%"


def change_text(change: float | None, unit: str) -> str:
    """A change as printed: 持平 for none, percentage points for rates, small changes to four significant digits."""
    if change is None:
        return NONE_TEXT
    if change == 0:
        return "持平"
    sign = "+" if change > 0 else ""
    if unit == "%":
        return f"{sign}{fmt(change, '').rstrip('%')} 个百分点" if abs(change) < 0.1 else f"{sign}{change:.1f} 个百分点"
    return sign + fmt(change, unit)


@dataclass
class Trend:
    """One indicator this month, last month and the same month last year."""

    now: Value
    last_month: Value
    last_year: Value

    @property
    def indicator(self) -> Indicator:
        return self.now.indicator

    @staticmethod
    def _change(now: float | None, then: float | None) -> float | None:
        return None if now is None or then is None else now - then

    @property
    def month_change(self) -> float | None:
        return self._change(self.now.value, self.last_month.value)

    @property
    def year_change(self) -> float | None:
        return self._change(self.now.value, self.last_year.value)

    def as_dict(self) -> dict[str, Any]:
        return {**self.now.as_dict(), "last_month": self.last_month.value, "last_year": self.last_year.value,
                "month_change": self.month_change, "year_change": self.year_change}


@dataclass
class DepartmentRank:
    department_id: int
    name: str
    values: list[Value]
    rank: int | None = None

    @property
    def assessed(self) -> int:
        return sum(1 for v in self.values if v.met is not None)

    @property
    def met(self) -> int:
        return sum(1 for v in self.values if v.met)

    @property
    def share(self) -> float | None:
        return round(self.met * 100 / self.assessed, 1) if self.assessed else None

    def as_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "department_id": self.department_id, "department": self.name,
                "assessed": self.assessed, "met": self.met, "met_share": self.share,
                "items": [{"code": v.indicator.code, "value": v.value, "met": v.met} for v in self.values]}


def ranking(session: Session, month: Month, scope: Scope) -> list[DepartmentRank]:
    rows = [DepartmentRank(dept, name, vals) for dept, name, vals in metrics.by_department(session, month, scope,
                                                                                           RANK_CODES)]
    ranked = sorted((r for r in rows if r.assessed), key=lambda r: (-(r.share or 0), -r.assessed, r.name))
    previous: tuple[float, int] | None = None
    for position, r in enumerate(ranked, 1):
        key = (r.share or 0.0, r.assessed)
        r.rank = ranked[position - 2].rank if previous == key else position
        previous = key
    return ranked + sorted((r for r in rows if not r.assessed), key=lambda r: r.name)


@dataclass
class MonthlyReport:
    month: Month
    scope: Scope
    trends: list[Trend]
    ranking: list[DepartmentRank]
    computed_at: dt.datetime | None
    made_at: dt.datetime = field(default_factory=clock.now)

    @property
    def title(self) -> str:
        return f"{self.scope.label}政务服务指标月报（{self.month.label}）"

    @property
    def computable(self) -> list[Trend]:
        return [t for t in self.trends if t.indicator.computable]

    @property
    def missing(self) -> list[Indicator]:
        return [t.indicator for t in self.trends if not t.indicator.computable]

    @property
    def short(self) -> list[Trend]:
        """The indicators below target this month (落后指标)."""
        return [t for t in self.trends if t.now.met is False]

    @property
    def counted(self) -> bool:
        """Whether the month has been counted at all (an old month is counted by the CLI only)."""
        return self.computed_at is not None

    @property
    def board(self) -> list[Trend]:
        return [t for t in self.trends if t.indicator.code in SCREEN_BOARD]

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.month.key, "title": self.title, "region_code": self.scope.region_code,
                "department": self.scope.department_id,
                "computed_at": self.computed_at.isoformat() if self.computed_at else None,
                "items": [t.as_dict() for t in self.trends], "ranking": [r.as_dict() for r in self.ranking],
                "short": [t.indicator.code for t in self.short]}


def monthly_report(session: Session, actor: Actor, month: Month, scope: Scope) -> MonthlyReport:
    now = metrics.values(session, month, scope)
    last = {v.indicator.code: v for v in metrics.values(session, month.previous, scope)}
    year = {v.indicator.code: v for v in metrics.values(session, month.year_before, scope)}
    trends = [Trend(v, last[v.indicator.code], year[v.indicator.code]) for v in now]
    ranks = ranking(session, month, scope) if scope.department_id is None else []
    return MonthlyReport(month, scope, trends, ranks, metrics.computed_at(session, month))


# --- Excel -------------------------------------------------------------------------------------------------------

TREND_HEADERS = ["编号", "指标", "当月", "目标", "是否达标", "分子", "分母", "上月", "较上月", "去年同月", "较去年同月",
                 "计算方法"]


def target_text(i: Indicator) -> str:
    """A target with its direction: ≥100.0%, ≤0件."""
    if i.target is None:
        return NONE_TEXT
    return ("≥" if i.direction == "higher" else "≤") + fmt(i.target, i.unit)


def _met_text(met: bool | None) -> str:
    return {True: "达标", False: "未达标", None: NONE_TEXT}[met]


def trend_cells(t: Trend) -> list[Any]:
    i, unit = t.indicator, t.indicator.unit
    return [i.code, i.name, fmt(t.now.value, unit), target_text(i),
            _met_text(t.now.met), NONE_TEXT if t.now.numerator is None else t.now.numerator,
            NONE_TEXT if t.now.denominator is None else t.now.denominator, fmt(t.last_month.value, unit),
            change_text(t.month_change, unit), fmt(t.last_year.value, unit), change_text(t.year_change, unit),
            i.formula]


def rank_headers() -> list[str]:
    from yiwang.metrics.indicators import BY_CODE

    return ["名次", "部门", "达标/考核指标", "达标率"] + [f"{c} {BY_CODE[c].name}" for c in RANK_CODES]


def rank_cells(r: DepartmentRank) -> list[Any]:
    return ([r.rank if r.rank is not None else NONE_TEXT, r.name, f"{r.met}/{r.assessed}",
             fmt(r.share, "%")] + [fmt(v.value, v.indicator.unit) for v in r.values])


def report_xlsx(report: MonthlyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标"
    ws.append([report.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"统计周期：{report.month.label}；数据计算于："
               f"{clock.to_local(report.computed_at).strftime('%Y-%m-%d %H:%M') if report.computed_at else '—'}"])
    ws.append([])
    ws.append(TREND_HEADERS)
    for t in report.computable:
        ws.append(trend_cells(t))  # the platform's own words and figures ("+1.0 个百分点" stays as written)
    ws.append([])
    ws.append(["暂不能计算的指标", "原因"])
    for i in report.missing:
        ws.append([f"{i.code} {i.name}", i.reason])
    if report.ranking:
        ranks = wb.create_sheet("部门排名")
        ranks.append(rank_headers())
        for r in report.ranking:
            ranks.append(safe_row(rank_cells(r)))  # department names: never a formula
    short = wb.create_sheet("落后指标")
    short.append(["编号", "指标", "当月", "目标", "较上月"])
    for t in report.short:
        short.append([t.indicator.code, t.indicator.name, fmt(t.now.value, t.indicator.unit),
                      target_text(t.indicator), change_text(t.month_change, t.indicator.unit)])
    for sheet in wb.worksheets:
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column[:60])
            sheet.column_dimensions[column[0].column_letter].width = min(max(8, width * 1.6), 60)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------------------------

def report_pdf(report: MonthlyReport) -> bytes:
    """The report as an A4 landscape PDF, Chinese set in the embedded font (:mod:`yiwang.core.fonts`)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from yiwang.core.fonts import font_name

    font = font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4 * mm)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16, spaceBefore=5 * mm,
                             spaceAfter=2 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10.5)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12)

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(text)), style)

    tiny = ParagraphStyle("tiny", fontName=font, fontSize=6.5, leading=8)

    def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
              style: ParagraphStyle = body) -> LongTable:
        t = LongTable([[p(h, style) for h in headers]] + [[p(c, style) for c in row] for row in rows],
                      colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=report.title, author="一网政务服务平台")
    at = clock.to_local(report.computed_at).strftime("%Y-%m-%d %H:%M") if report.computed_at else "—"
    story: list[Any] = [p(report.title, title),
                        p(f"统计周期：{report.month.label}　数据计算于：{at}　"
                          f"落后指标 {len(report.short)} 项", small)]
    story += [p("一、指标完成情况", heading),
              table(TREND_HEADERS[:11], [trend_cells(t)[:11] for t in report.computable],
                    [10, 48, 20, 18, 15, 20, 20, 20, 28, 20, 28])]
    if report.short:
        story += [p("二、落后指标", heading),
                  table(["编号", "指标", "当月", "目标", "较上月"],
                        [[t.indicator.code, t.indicator.name, fmt(t.now.value, t.indicator.unit),
                          target_text(t.indicator), change_text(t.month_change, t.indicator.unit)]
                         for t in report.short], [12, 80, 30, 30, 40])]
    if report.ranking:
        story += [p("三、部门排名", heading)]
        headers = ["名次", "部门", "达标/考核", "达标率"] + [c for c in RANK_CODES]
        widths = [12, 62, 18, 16] + [(273 - 108) / len(RANK_CODES)] * len(RANK_CODES)
        story.append(table(headers, [rank_cells(r) for r in report.ranking], widths, tiny))
        from yiwang.metrics.indicators import BY_CODE

        story.append(Spacer(1, 2 * mm))
        story.append(p("表头编号：" + "；".join(f"{c} {BY_CODE[c].name}" for c in RANK_CODES), body))
    story += [p("四、暂不能计算的指标", heading),
              table(["指标", "原因"], [[f"{i.code} {i.name}", i.reason] for i in report.missing], [70, 203])]
    doc.build(story)
    return buf.getvalue()
