"""The catalog quality report as a table, CSV or Excel workbook (openpyxl).

Cells come from item data anyone with catalog rights may have typed, so every row goes through
``core.spreadsheet.safe_row`` (no cell is ever run as a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from yiwang.catalog.quality import SEVERITIES
from yiwang.core.spreadsheet import safe_row

HEADERS = ("严重程度", "实施编码", "事项名称", "实施主体", "状态", "版本", "规则", "字段", "问题")
STATUS_LABELS = {"draft": "草稿", "published": "已发布", "retired": "已停用"}

def rows_of(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [(SEVERITIES.get(r.severity, r.severity), r.code, r.name, r.department,
             STATUS_LABELS.get(r.status, r.status), r.version_no, r.rule, r.field, r.message) for r in rows]


def to_csv(rows: Sequence[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows_of(rows):
        writer.writerow(safe_row(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def to_xlsx(rows: Sequence[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "质量报告"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows_of(rows):
        ws.append(safe_row(row))
    for col, width in zip("ABCDEFGHI", (10, 34, 40, 28, 8, 6, 24, 16, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_table(rows: Sequence[Any]) -> str:
    lines = ["\t".join(HEADERS)]
    lines += ["\t".join(str(c) for c in row) for row in rows_of(rows)]
    blocking = sum(1 for r in rows if r.severity == "blocking")
    lines.append(f"共 {len(rows)} 个问题：阻止发布 {blocking}，警告 {len(rows) - blocking}；"
                 f"涉及 {len({r.code for r in rows})} 个事项")
    return "\n".join(lines)
