"""The Excel template for catalog staff (openpyxl): sheet 事项 with one item per row and sheet 申请材料
with one material per row keyed by 实施编码. Reading it yields the same records as the JSON-lines
format, each labelled with its sheet and row for error reports."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from yiwang.core.spreadsheet import safe_row, unquote_cell

ITEM_SHEET, MATERIAL_SHEET, HELP_SHEET = "事项", "申请材料", "填写说明"
JOINT_HEADER = "并联审批部门"
JOINT_HELP = ("并联审批部门：并联审批事项每个并联部门写一行（单元格内换行），格式为“部门全称|时限工作日数|超时规则”，"
              "超时规则填“超时默认同意”或“提交监察”；只让该部门看部分材料时，在后面接着写“|材料名称|材料名称”"
              "（须与申请材料表中的名称一致），不写则可看全部材料。牵头部门即实施主体。留空表示不是并联审批事项。"
              "例：广州市越秀区消防救援大队|5|提交监察")
TIMEOUT_WORDS = {"consent": "超时默认同意", "escalate": "提交监察"}
_TIMEOUT_IN = {"超时默认同意": "consent", "默认同意": "consent", "同意": "consent", "consent": "consent",
               "提交监察": "escalate", "监察": "escalate", "escalate": "escalate"}

# (key, header, kind): kinds are text, int, bool, list, limit, json
ITEM_COLUMNS: list[tuple[str, str, str]] = [
    ("code", "实施编码*", "text"),
    ("name", "事项名称*", "text"),
    ("department", "实施主体*", "text"),
    ("item_type", "事项类型*", "text"),
    ("basic_code", "基本编码", "text"),
    ("region_code", "行政区划代码", "text"),
    ("level", "行使层级", "int"),
    ("audience", "服务对象", "list"),
    ("legal_limit", "法定办结时限", "limit"),
    ("promised_limit", "承诺办结时限", "limit"),
    ("conditions", "受理条件", "text"),
    ("legal_basis", "设定依据", "text"),
    ("process", "办理流程", "text"),
    ("result_name", "办理结果名称", "text"),
    ("result_license_type", "结果证照类型", "text"),
    ("location", "办理地点", "text"),
    ("office_hours", "办理时间", "text"),
    ("consult_phone", "咨询电话", "text"),
    ("complaint_phone", "监督投诉电话", "text"),
    ("visits", "到现场次数", "int"),
    ("visit_reason", "到现场理由", "text"),
    ("online", "可网上办理", "bool"),
    ("online_depth", "网办深度", "int"),
    ("in_hall", "进驻大厅", "bool"),
    ("appointment", "支持预约", "bool"),
    ("postal_delivery", "支持物流快递", "bool"),
    ("online_payment", "支持网上支付", "bool"),
    ("pledge_allowed", "可告知承诺", "bool"),
    ("themes", "主题分类", "list"),
    ("co_departments", "联办机构", "list"),
    ("joint", "并联审批部门", "joint"),
    ("fees", "收费（JSON）", "json"),
    ("faq", "常见问题（JSON）", "json"),
    ("form_schema", "电子表单（JSON Schema）", "json"),
    ("extra", "其他信息（JSON）", "json"),
]
MATERIAL_COLUMNS: list[tuple[str, str, str]] = [
    ("code", "实施编码*", "text"),
    ("name", "材料名称*", "text"),
    ("required", "是否必要", "bool"),
    ("deficiency_allowed", "容缺后补", "bool"),
    ("form", "材料形式(paper/electronic/any)", "text"),
    ("originals", "原件份数", "int"),
    ("copies", "复印件份数", "int"),
    ("source", "来源(applicant/government/other)", "text"),
    ("issuer", "出具单位", "text"),
    ("license_type", "可用电子证照类型", "text"),
    ("notes", "备注", "text"),
    ("basis", "要求依据", "text"),
]

HELP = [
    "带 * 的列必填。每个事项一行，实施编码唯一；再次导入相同内容不会产生新版本。",
    "事项类型填代码（如 01）或名称（如 行政许可）。服务对象填代码或名称，多个用顿号分隔。",
    "时限填“20 工作日”“15 自然日”或“即办”；留空表示未规定。",
    "是/否列填“是”或“否”。JSON 列可留空。",
    "申请材料表中每种材料一行，用实施编码关联到事项，顺序即展示顺序。",
    JOINT_HELP,
]

_TRUE = {"是", "true", "True", "TRUE", "1", "y", "Y", "yes"}
_FALSE = {"否", "false", "False", "FALSE", "0", "n", "N", "no", ""}


class CellError(ValueError):
    pass


def _cell_out(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return "是" if value else "否"
    if kind == "list":
        return "、".join(str(v) for v in value)
    if kind == "limit":
        if value == "immediate":
            return "即办"
        return f"{value['value']} {'自然日' if value['unit'] == 'natural_day' else '工作日'}"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False) if value not in ([], {}) else None
    if kind == "joint":
        return "\n".join("|".join([str(b.get("department", "")), str((b.get("limit") or {}).get("value", "")),
                                   TIMEOUT_WORDS.get(b.get("on_timeout"), str(b.get("on_timeout", ""))),
                                   *(b.get("materials") or [])]) for b in value.get("branches") or []) or None
    return value


def _joint_in(text: str, header: str) -> list[dict[str, Any]]:
    """Branches of a 并联审批部门 cell: one per line, 部门|天数|超时规则[|材料…]. Values the catalog checks
    (department, days, rule) pass through as written, so its messages name what is wrong."""
    branches = []
    for line in text.replace("\r", "\n").split("\n"):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if not any(parts):
            continue
        if len(parts) < 3:
            raise CellError(f"“{header}”每行应为“部门|时限工作日数|超时规则”，如“广州市越秀区消防救援大队|5|提交监察”")
        days = "".join(ch for ch in parts[1] if ch.isdigit())
        branch: dict[str, Any] = {"department": parts[0],
                                  "limit": {"value": int(days) if days else parts[1], "unit": "working_day"},
                                  "on_timeout": _TIMEOUT_IN.get(parts[2], parts[2])}
        if len(parts) > 3:
            branch["materials"] = [p for p in parts[3:] if p]
        branches.append(branch)
    return branches


def _cell_in(kind: str, value: Any, header: str) -> Any:
    value = unquote_cell(value)  # our own export quotes text that a spreadsheet would run as a formula
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if kind == "int":
        try:
            return int(float(text))
        except ValueError as exc:
            raise CellError(f"“{header}”应为整数") from exc
    if kind == "bool":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(f"“{header}”应填“是”或“否”")
    if kind == "list":
        return [p.strip() for p in text.replace("，", "、").replace(",", "、").split("、") if p.strip()]
    if kind == "limit":
        if text in ("即办", "immediate", "0"):
            return "immediate"
        unit = "natural_day" if "自然" in text else "working_day"
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits:
            raise CellError(f"“{header}”应为“20 工作日”“15 自然日”或“即办”")
        return {"value": int(digits), "unit": unit}
    if kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CellError(f"“{header}”不是有效的 JSON") from exc
    if kind == "joint":
        return _joint_in(text, header) or None
    return text


def _style_header(ws: Worksheet) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B4F9C")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "B2"
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 18


def write_workbook(records: Iterable[dict[str, Any]]) -> bytes:
    # the template holds items; 一件事 bundles travel in JSON lines only
    records = [r for r in records if r.get("kind") != "bundle"]
    wb = Workbook()
    items = wb.active
    assert items is not None
    items.title = ITEM_SHEET
    items.append(safe_row(h for _, h, _ in ITEM_COLUMNS))
    mats = wb.create_sheet(MATERIAL_SHEET)
    mats.append(safe_row(h for _, h, _ in MATERIAL_COLUMNS))
    for rec in records:
        row = []
        for key, _, kind in ITEM_COLUMNS:
            if key == "result_name":
                value = (rec.get("result") or {}).get("name")
            elif key == "result_license_type":
                value = (rec.get("result") or {}).get("license_type")
            else:
                value = rec.get(key)
            row.append(_cell_out(kind, value))
        items.append(safe_row(row))
        for m in rec.get("materials", []):
            mats.append(safe_row(_cell_out(kind, rec["code"] if key == "code" else m.get(key))
                                 for key, _, kind in MATERIAL_COLUMNS))
    _style_header(items)
    _style_header(mats)
    joint_cell = items.cell(row=1, column=[k for k, _, _ in ITEM_COLUMNS].index("joint") + 1)
    joint_cell.comment = Comment(JOINT_HELP, "一网通办")
    joint_cell.comment.width, joint_cell.comment.height = 420, 160
    help_ws = wb.create_sheet(HELP_SHEET)
    for line in HELP:
        help_ws.append(safe_row([line]))
    help_ws.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_workbook(data: bytes) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """Records from the template, each labelled '事项!第 N 行'; a row that cannot be read yields its reason."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise CellError("不是有效的 Excel（.xlsx）文件") from exc
    if ITEM_SHEET not in wb.sheetnames:
        raise CellError(f"缺少“{ITEM_SHEET}”工作表，请使用系统提供的模板")
    materials: dict[str, list[dict[str, Any]]] = {}
    material_errors: dict[str, str] = {}
    if MATERIAL_SHEET in wb.sheetnames:
        for row_no, row in _rows(wb[MATERIAL_SHEET], MATERIAL_COLUMNS):
            if isinstance(row, str):
                material_errors.setdefault(str(row_no), row)
                continue
            code = row.pop("code", None)
            if not code:
                continue
            materials.setdefault(str(code), []).append({k: v for k, v in row.items() if v is not None})
    for n, row in _rows(wb[ITEM_SHEET], ITEM_COLUMNS):
        label = f"{ITEM_SHEET}!第 {n} 行"
        if isinstance(row, str):
            yield label, row
            continue
        rec = {k: v for k, v in row.items() if v is not None and k not in ("result_name", "result_license_type")}
        if row.get("result_name") or row.get("result_license_type"):
            rec["result"] = {"name": row.get("result_name"), "license_type": row.get("result_license_type")}
        rec["materials"] = materials.get(str(rec.get("code", "")), [])
        if "joint" in rec:  # the lead is always the implementing department
            rec["joint"] = {"lead": rec.get("department"), "branches": rec["joint"]}
        yield label, rec
    for row_label, reason in material_errors.items():
        yield f"{MATERIAL_SHEET}!第 {row_label} 行", reason


def _rows(ws: Worksheet, columns: list[tuple[str, str, str]]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    header_row = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    by_header = {str(h).strip(): i for i, h in enumerate(header_row) if h is not None}
    index = {key: by_header.get(header) for key, header, _ in columns}
    for n, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: dict[str, Any] = {}
        try:
            for key, header, kind in columns:
                i = index[key]
                row[key] = _cell_in(kind, values[i] if i is not None and i < len(values) else None, header)
        except CellError as exc:
            yield n, str(exc)
            continue
        yield n, row
