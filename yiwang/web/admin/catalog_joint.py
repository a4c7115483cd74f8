"""The 并联审批 part of the catalog item edit form: branch rows (department, working-day limit, timeout
rule, the materials the branch sees) read from and written to the import format the catalog checks.

The lead department is always the item's implementing department, so the form only shows it. A row with
no department is dropped, which is how a branch is removed; blank rows at the end add branches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from yiwang.catalog.joint import MAX_BRANCHES, MAX_LIMIT, TIMEOUT_RULES
from yiwang.core.errors import DomainError
from yiwang.org import service as org_service

BLANK_ROWS = 2
MAX_FIELDS = 2000  # branch rows' fields, a checkbox per visible material included
TIMEOUT_CHOICES = list(TIMEOUT_RULES.items())


def _blank() -> dict[str, Any]:
    return {"department": "", "limit": "", "on_timeout": "escalate", "materials": []}


def form_rows(record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Branch rows for the form from a version's joint configuration (import format), plus blank rows."""
    rows = [{"department": b["department"], "limit": str(b["limit"]["value"]), "on_timeout": b["on_timeout"],
             "materials": list(b.get("materials") or [])} for b in (record or {}).get("branches", [])]
    return rows + [_blank() for _ in range(BLANK_ROWS)]


def _text(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def read_rows(form: Any) -> list[dict[str, Any]]:
    count = _text(form, "joint_rows")
    rows = []
    for i in range(min(int(count) if count.isdigit() else 0, MAX_BRANCHES + BLANK_ROWS)):
        rows.append({"department": _text(form, f"j{i}.department")[:200], "limit": _text(form, f"j{i}.limit")[:10],
                     "on_timeout": _text(form, f"j{i}.on_timeout"),
                     "materials": [m for m in form.getlist(f"j{i}.materials") if isinstance(m, str)]})
    return rows


def joint_value(lead: str, rows: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[int]]:
    """The import-format value of the posted rows (None when no row names a department) and, for each branch
    in it, the form row it came from (to put an error next to the right row)."""
    kept = [i for i, r in enumerate(rows) if r["department"]]
    if not kept:
        return None, []
    branches = []
    for i in kept:
        r = rows[i]
        branch: dict[str, Any] = {"department": r["department"],
                                  "limit": {"value": int(r["limit"]) if r["limit"].isdigit() else r["limit"],
                                            "unit": "working_day"},
                                  "on_timeout": r["on_timeout"]}
        if r["materials"]:
            branch["materials"] = r["materials"]
        branches.append(branch)
    return {"lead": lead, "branches": branches}, kept


def to_form_field(exc: DomainError, kept: list[int]) -> None:
    """Point an error on ``joint.branches.N…`` at the form row N came from, and word it for the form (the
    import's message names the field path; the form names the row)."""
    m = re.match(r"joint\.branches\.(\d+)(.*)", exc.field or "")
    if not (exc.field or "").startswith("joint"):
        return
    reason = exc.message.split("：", 1)[-1]
    if m and int(m.group(1)) < len(kept):
        row = kept[int(m.group(1))]
        exc.field = f"joint.branches.{row}{m.group(2)}"
        exc.message = f"并联部门 {row + 1}：{reason}"
    else:
        exc.message = f"并联审批：{reason}"


def department_choices(session: Session, region_code: str) -> list[str]:
    """Department names offered for branches: those of the item's city (any name may still be typed)."""
    prefix = region_code[:4]
    return [d.name for d in org_service.all_departments(session) if d.region_code.startswith(prefix)][:300]


def lead_name(session: Session, version: Any) -> str:
    return org_service.get_department(session, version.department_id).name


def context(session: Session, version: Any, rows: list[dict[str, Any]], materials: list[str]) -> dict[str, Any]:
    return {"joint_lead": lead_name(session, version), "joint_rows": rows, "joint_timeouts": TIMEOUT_CHOICES, "joint_max": MAX_LIMIT,
            "joint_departments": department_choices(session, version.region_code), "joint_materials": materials}
