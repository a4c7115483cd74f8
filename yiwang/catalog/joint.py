"""Joint approval (并联审批) configuration of an item version: the lead department (the item's own
implementing department) accepts and decides; each branch department gives its opinion in parallel within
its own working-day limit, and when it does not, its timeout rule applies (consent or escalate).

Three shapes of the same configuration:
- the import format (JSON lines, the admin form): departments by name, as people write them
  ``{"lead": "<name>", "branches": [{"department": "<name>", "limit": {"value": 5, "unit": "working_day"},
  "on_timeout": "consent" | "escalate", "materials": ["<material name>", …]}]}`` (``materials`` optional);
- the stored column ``catalog_item_version.joint``: departments by id, so renaming a department keeps the
  branch ``{"lead_department_id": 1, "branches": [{"department_id": 2, "limit": {...}, "on_timeout": ...,
  "materials": [...]}]}`` (``materials`` only when the lead narrows what the branch sees);
- ``JointSpec`` for the case domain: ids and names resolved.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy.orm import Session

from yiwang.catalog.schemas import JointBranchSpec, JointSpec
from yiwang.core.errors import ValidationFailed
from yiwang.org import service as org_service

TIMEOUT_RULES = {"consent": "超时默认同意", "escalate": "提交监察"}
LIMIT_UNITS = {"working_day": "工作日"}
MAX_LIMIT = 60
MAX_BRANCHES = 20


def _fail(field: str, message: str, code: str) -> ValidationFailed:
    """Errors name the field in the message too: an import report shows the line and this message only."""
    return ValidationFailed(f"并联审批 {field}：{message}", field=field, code=code)


def _department(session: Session, name: str, region_code: str | None) -> Any:
    """A department by its exact name, preferring the item's own region (names repeat across regions)."""
    return (org_service.find_department(session, name, region_code) if region_code else None) or \
        org_service.find_department(session, name)


def check(session: Session, raw: Any, *, department_id: int, region_code: str | None,
          material_names: Collection[str]) -> dict[str, Any] | None:
    """The stored configuration of an import-format ``joint`` value, or None for an ordinary item.
    Raises ValidationFailed naming the field (``joint.branches.0.limit.value``) with a Chinese message."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise _fail("joint", "应为一个对象，包含 lead（牵头部门）和 branches（并联部门）", "joint_invalid")
    unknown = sorted(set(raw) - {"lead", "branches"})
    if unknown:
        raise _fail(f"joint.{unknown[0]}", "不认识的字段", "joint_unknown_field")
    lead_name = raw.get("lead")
    if not isinstance(lead_name, str) or not lead_name.strip():
        raise _fail("joint.lead", "请填写牵头部门", "joint_lead_missing")
    lead = _department(session, lead_name.strip(), region_code)
    if lead is None:
        raise _fail("joint.lead", f"部门“{lead_name.strip()}”不存在", "joint_department_unknown")
    if lead.id != department_id:
        raise _fail("joint.lead", "牵头部门应为事项的实施主体", "joint_lead_not_owner")
    branches = raw.get("branches")
    if not isinstance(branches, list) or not branches:
        raise _fail("joint.branches", "至少需要一个并联部门", "joint_no_branches")
    if len(branches) > MAX_BRANCHES:
        raise _fail("joint.branches", f"并联部门不超过 {MAX_BRANCHES} 个", "joint_too_many_branches")
    seen: set[int] = set()
    out = []
    for i, b in enumerate(branches):
        out.append(_branch(session, b, f"joint.branches.{i}", lead.id, seen, region_code, material_names))
    return {"lead_department_id": lead.id, "branches": out}


def _branch(session: Session, b: Any, at: str, lead_id: int, seen: set[int], region_code: str | None,
            material_names: Collection[str]) -> dict[str, Any]:
    if not isinstance(b, Mapping):
        raise _fail(at, "每个并联部门应为一个对象", "joint_invalid")
    unknown = sorted(set(b) - {"department", "limit", "on_timeout", "materials"})
    if unknown:
        raise _fail(f"{at}.{unknown[0]}", "不认识的字段", "joint_unknown_field")
    name = b.get("department")
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{at}.department", "请填写并联部门", "joint_department_missing")
    dept = _department(session, name.strip(), region_code)
    if dept is None:
        raise _fail(f"{at}.department", f"部门“{name.strip()}”不存在", "joint_department_unknown")
    if dept.id == lead_id:
        raise _fail(f"{at}.department", "并联部门不能是牵头部门", "joint_branch_is_lead")
    if dept.id in seen:
        raise _fail(f"{at}.department", f"并联部门“{dept.name}”重复", "joint_branch_duplicate")
    seen.add(dept.id)
    limit = b.get("limit")
    if not isinstance(limit, Mapping):
        raise _fail(f"{at}.limit", f"请填写“{dept.name}”的办理时限，如 {{\"value\": 5, \"unit\": \"working_day\"}}",
                    "joint_limit_missing")
    value, unit = limit.get("value"), limit.get("unit", "working_day")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise _fail(f"{at}.limit.value", f"“{dept.name}”的时限应为 1–{MAX_LIMIT} 之间的整数（工作日）",
                    "joint_limit_invalid")
    if unit not in LIMIT_UNITS:
        raise _fail(f"{at}.limit.unit", "时限单位只能是 working_day（工作日）", "joint_limit_unit")
    rule = b.get("on_timeout")
    if rule not in TIMEOUT_RULES:
        raise _fail(f"{at}.on_timeout", "超时规则只能是 consent（超时默认同意）或 escalate（提交监察）",
                    "joint_on_timeout")
    row: dict[str, Any] = {"department_id": dept.id, "limit": {"value": value, "unit": unit}, "on_timeout": rule}
    materials = b.get("materials")
    if materials is not None:
        if not isinstance(materials, list) or not all(isinstance(m, str) and m.strip() for m in materials):
            raise _fail(f"{at}.materials", "应为材料名称的列表", "joint_materials_invalid")
        names = list(dict.fromkeys(m.strip() for m in materials))
        missing = [m for m in names if m not in material_names]
        if missing:
            raise _fail(f"{at}.materials", f"材料“{missing[0]}”不在本事项的申请材料中", "joint_material_unknown")
        row["materials"] = names
    return row


def department_ids(stored: Mapping[str, Any] | None) -> set[int]:
    if not stored:
        return set()
    return {int(stored["lead_department_id"]), *(int(b["department_id"]) for b in stored["branches"])}


def _names(session: Session, stored: Mapping[str, Any]) -> dict[int, str]:
    return {d.id: d.name for d in org_service.departments_by_ids(session, department_ids(stored)).values()}


def record_of(session: Session, stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The import-format value of a stored configuration (export writes it, import reads it back)."""
    if not stored:
        return None
    names = _names(session, stored)
    branches = []
    for b in stored["branches"]:
        row = {"department": names.get(b["department_id"], ""), "limit": dict(b["limit"]),
               "on_timeout": b["on_timeout"]}
        if b.get("materials") is not None:
            row["materials"] = list(b["materials"])
        branches.append(row)
    return {"lead": names.get(stored["lead_department_id"], ""), "branches": branches}


def spec_of(session: Session, stored: Mapping[str, Any] | None) -> JointSpec | None:
    """The resolved configuration the case domain forks branches from (None for an ordinary item)."""
    if not stored:
        return None
    departments = org_service.departments_by_ids(session, department_ids(stored))
    names = {d.id: d.name for d in departments.values()}
    lead = int(stored["lead_department_id"])
    return JointSpec(lead_department_id=lead, lead=names.get(lead, ""), branches=[
        JointBranchSpec(department_id=b["department_id"], department=names.get(b["department_id"], ""),
                        region_code=departments[b["department_id"]].region_code
                        if b["department_id"] in departments else "",
                        limit_value=b["limit"]["value"], limit_unit=b["limit"].get("unit", "working_day"),
                        on_timeout=b["on_timeout"], materials=b.get("materials"))
        for b in stored["branches"]])


def unstaffed_branches(session: Session, stored: Mapping[str, Any] | None) -> list[str]:
    """Names of branch departments with no active staff who could handle or decide their opinion: a quality
    warning, since a case forked to them would wait for nobody."""
    if not stored:
        return []
    from yiwang.identity import service as identity_service

    names = _names(session, stored)
    return [names.get(b["department_id"], str(b["department_id"])) for b in stored["branches"]
            if not identity_service.staff_of_department(session, b["department_id"], roles=("handler", "approver"))]
