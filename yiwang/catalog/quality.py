"""The guide quality rules auditors apply (STANDARDS.md). Publishing refuses an item that breaks any
of them and lists every problem at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from yiwang.catalog.standards import ITEM_TYPES, item_type_code


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _phone_set(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def check(v: Any, materials: Sequence[Any]) -> list[Problem]:
    """Problems of a version (ItemVersion-like) with its materials; empty when it may be published."""
    problems: list[Problem] = []
    if not (v.name or "").strip():
        problems.append(Problem("name", "事项名称不能为空"))
    if item_type_code(v.item_type or "") is None and v.item_type not in ITEM_TYPES:
        problems.append(Problem("item_type", "事项类型不是 GB/T 39046 的代码"))
    promised_immediate = v.promised_limit_unit == "immediate"
    if v.legal_limit_unit == "immediate" and v.promised_limit_unit not in (None, "immediate"):
        problems.append(Problem("promised_limit", "法定时限为即办，承诺时限也应为即办"))
    if (v.legal_limit_value is not None and v.promised_limit_value is not None and not promised_immediate
            and v.legal_limit_unit == v.promised_limit_unit and v.promised_limit_value > v.legal_limit_value):
        problems.append(Problem("promised_limit",
                                f"承诺时限（{v.promised_limit_value}）不得超过法定时限（{v.legal_limit_value}）"))
    if v.online_depth == 4 and v.visits > 0:
        problems.append(Problem("visits", "全程网办事项的到现场次数应为 0"))
    if v.visits > 0 and not (v.visit_reason or "").strip():
        problems.append(Problem("visit_reason", f"到现场次数为 {v.visits} 次，须说明需要到现场的理由"))
    if v.online_payment and not v.fees:
        problems.append(Problem("online_payment", "不收费事项不应开通网上支付"))
    consult, complaint = _phone_set(v.consult_phone), _phone_set(v.complaint_phone)
    if not consult:
        problems.append(Problem("consult_phone", "缺少咨询电话"))
    if not complaint:
        problems.append(Problem("complaint_phone", "缺少监督投诉电话"))
    if consult and complaint and consult == complaint:
        problems.append(Problem("complaint_phone", "监督投诉电话不得与咨询电话相同"))
    seen: set[str] = set()
    for i, m in enumerate(materials, start=1):
        if m.name in seen:
            problems.append(Problem(f"materials.{i}", f"申请材料“{m.name}”重复"))
        seen.add(m.name)
        if m.deficiency_allowed and not m.required:
            problems.append(Problem(f"materials.{i}", f"“{m.name}”为非必要材料，无需设置容缺后补"))
    return problems
