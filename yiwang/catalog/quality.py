"""The guide quality rules auditors apply (STANDARDS.md), in two severities.

*Blocking* problems make a guide unusable or unlawful: publishing refuses the item and lists every
blocking problem at once. *Warnings* are defects the guide can be published with — the applicant can still
find, understand and apply for the service — and are listed in the catalog manager's quality report until
they are fixed. docs/catalog.md explains which rule is which and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from yiwang.catalog.standards import ITEM_TYPES, item_type_code

BLOCKING, WARNING = "blocking", "warning"
SEVERITIES = {BLOCKING: "阻止发布", WARNING: "警告"}
# Item types whose law makes the list of materials part of the published guide: 行政许可法 第三十条 obliges the
# licensing body to publish "需要提交的全部材料的目录"; a licence guide without materials cannot be applied for.
MATERIALS_REQUIRED_TYPES = frozenset({"01"})


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: str = BLOCKING
    rule: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "severity": self.severity, "rule": self.rule}


def _phone_set(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def check(v: Any, materials: Sequence[Any]) -> list[Problem]:
    """Every problem of a version (ItemVersion-like) with its materials, blocking ones first."""
    problems = _blocking(v, materials) + _warnings(v, materials)
    return problems


def blocking(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.blocking]


def _blocking(v: Any, materials: Sequence[Any]) -> list[Problem]:
    out: list[Problem] = []
    if not (v.name or "").strip():
        out.append(Problem("name", "事项名称不能为空", BLOCKING, "name_missing"))
    if getattr(v, "department_id", 1) is None:
        out.append(Problem("department", "缺少实施主体", BLOCKING, "department_missing"))
    type_code = item_type_code(v.item_type or "")
    if type_code is None and v.item_type not in ITEM_TYPES:
        out.append(Problem("item_type", "事项类型不是 GB/T 39046 的代码", BLOCKING, "item_type_invalid"))
    promised_immediate = v.promised_limit_unit == "immediate"
    if v.legal_limit_unit == "immediate" and v.promised_limit_unit not in (None, "immediate"):
        out.append(Problem("promised_limit", "法定时限为即办，承诺时限也应为即办", BLOCKING, "limit_exceeds_legal"))
    if (v.legal_limit_value is not None and v.promised_limit_value is not None and not promised_immediate
            and v.legal_limit_unit == v.promised_limit_unit and v.promised_limit_value > v.legal_limit_value):
        out.append(Problem("promised_limit",
                           f"承诺时限（{v.promised_limit_value}）不得超过法定时限（{v.legal_limit_value}）",
                           BLOCKING, "limit_exceeds_legal"))
    for name, unit, value in (("legal_limit", v.legal_limit_unit, v.legal_limit_value),
                              ("promised_limit", v.promised_limit_unit, v.promised_limit_value)):
        if unit in ("working_day", "natural_day") and (value is None or value <= 0):
            out.append(Problem(name, "办结时限应为正整数天", BLOCKING, "limit_invalid"))
    if not (_phone_set(v.consult_phone) or (getattr(v, "location", None) or "").strip() or getattr(v, "online", False)):
        out.append(Problem("location", "办事指南既无办理地点、咨询电话，也不能网上办理，群众无从办理", BLOCKING,
                           "no_channel"))
    if (type_code or v.item_type) in MATERIALS_REQUIRED_TYPES and not materials:
        out.append(Problem("materials", "行政许可事项须公布申请材料目录（《行政许可法》第三十条）", BLOCKING,
                           "materials_missing"))
    return out


def _warnings(v: Any, materials: Sequence[Any]) -> list[Problem]:
    out: list[Problem] = []
    if v.online_depth == 4 and v.visits > 0:
        out.append(Problem("visits", "全程网办事项的到现场次数应为 0", WARNING, "visits_online"))
    if v.visits > 0 and not (v.visit_reason or "").strip():
        out.append(Problem("visit_reason", f"到现场次数为 {v.visits} 次，须说明需要到现场的理由", WARNING,
                           "visit_reason_missing"))
    if v.online_payment and not v.fees:
        out.append(Problem("online_payment", "不收费事项不应开通网上支付", WARNING, "payment_without_fee"))
    consult, complaint = _phone_set(v.consult_phone), _phone_set(v.complaint_phone)
    if not consult:
        out.append(Problem("consult_phone", "缺少咨询电话", WARNING, "consult_phone_missing"))
    if not complaint:
        out.append(Problem("complaint_phone", "缺少监督投诉电话", WARNING, "complaint_phone_missing"))
    if consult and complaint and consult == complaint:
        out.append(Problem("complaint_phone", "监督投诉电话不得与咨询电话相同", WARNING, "phones_identical"))
    if not (getattr(v, "legal_basis", None) or "").strip():
        out.append(Problem("legal_basis", "缺少设定依据", WARNING, "legal_basis_missing"))
    seen: set[str] = set()
    for i, m in enumerate(materials, start=1):
        if m.name in seen:
            out.append(Problem(f"materials.{i}", f"申请材料“{m.name}”重复", WARNING, "material_repeated"))
        seen.add(m.name)
        if m.deficiency_allowed and not m.required:
            out.append(Problem(f"materials.{i}", f"“{m.name}”为非必要材料，无需设置容缺后补", WARNING,
                               "deficiency_on_optional"))
    return out
