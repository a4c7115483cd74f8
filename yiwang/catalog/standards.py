"""GB/T 39046 code tables and the structure of item codes (基本编码, 实施编码, 业务办理项编码)."""

from __future__ import annotations

import re

ITEM_TYPES: dict[str, str] = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收", "05": "行政给付",
    "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决", "10": "其他行政权力", "20": "公共服务",
}
ITEM_TYPE_ALIASES = {"其他类别": "10", "其他": "10", "其他权力": "10"}
# items people apply for (依申请)
ON_APPLICATION_TYPES = frozenset({"01", "05", "07", "08", "09", "10", "11", "20"})

LEVELS = {1: "国家级", 2: "省级", 3: "市级", 4: "县级", 5: "乡镇（街道）级", 6: "村（社区）级", 7: "分级管理"}
AUDIENCES = {"1": "自然人", "2": "企业法人", "3": "事业法人", "4": "社会组织法人", "5": "行政机关", "6": "其他组织"}
LIMIT_UNITS = {"working_day": "个工作日", "natural_day": "个自然日", "immediate": "即办"}
ONLINE_DEPTHS = {1: "一级（信息发布）", 2: "二级（在线预审）", 3: "三级（网上受理）", 4: "四级（全程网办）"}
MATERIAL_SOURCES = {"applicant": "申请人自备", "government": "政府部门核发", "other": "其他"}
MATERIAL_FORMS = {"paper": "纸质", "electronic": "电子", "any": "纸质或电子"}


def item_type_code(value: str) -> str | None:
    """'01', '1', '行政许可' → '01'; None when unknown."""
    v = (value or "").strip()
    if v.isdigit() and len(v) <= 2:
        v = v.zfill(2)
        return v if v in ITEM_TYPES or 11 <= int(v) <= 29 else None
    if v in ITEM_TYPE_ALIASES:
        return ITEM_TYPE_ALIASES[v]
    for code, name in ITEM_TYPES.items():
        if v == name:
            return code
    return None


def item_type_name(code: str) -> str:
    if code in ITEM_TYPES:
        return ITEM_TYPES[code]
    return "其他行政权力（扩展）" if code.isdigit() and 11 <= int(code) <= 19 else "公共服务（扩展）"


USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
BASIC_RE = re.compile(r"^\d{2}\d{2}[0-9A-Z]{5}[0-9A-Z]{3}$")


def code_problems(code: str, basic_code: str | None = None) -> list[str]:
    """Structure problems of an implementation code. Real catalogs vary, so these are warnings:
    the code is kept as given and stored in a wide column."""
    problems: list[str] = []
    c = code.strip()
    if len(c) not in (31, 33):
        problems.append(f"实施编码应为 31 位（业务办理项编码 33 位），实际 {len(c)} 位")
        return problems
    if not USCC_RE.match(c[:18]):
        problems.append("实施编码前 18 位不是统一社会信用代码格式")
    if c[18] not in "1234567":
        problems.append("实施编码第 19 位（行使层级）应为 1–7")
    if not BASIC_RE.match(c[19:31]):
        problems.append("实施编码第 20–31 位不是基本编码格式")
    if len(c) == 33 and not c[31:].isdigit():
        problems.append("业务办理项编码末 2 位应为数字")
    if basic_code and basic_code != c[19:31]:
        problems.append("基本编码与实施编码中的基本编码不一致")
    return problems
