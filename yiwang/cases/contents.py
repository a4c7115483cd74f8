"""What a case's license says: each field of the license type's template names its source — the submitted
form (``form.<field>``), the decision (``decision.<field>``), the case (``case.<attr>``) or the applicant
(``applicant.<attr>``) — so a signed license states only what was applied for and decided. A required field
without a value refuses the approval up front (``check_license_fields``), rather than issuing a license
with a blank or invented line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases.errors import IllegalTransition
from yiwang.cases.events import LicenceBasis
from yiwang.cases.models import Case
from yiwang.catalog.schemas import ApplicationSpec
from yiwang.core import clock
from yiwang.licenses import service as licenses
from yiwang.org import service as org_service

CASE_ATTRS = {"case_no": "case_no", "item_name": "item_name", "item_code": "item_code"}
APPLICANT_ATTRS = {"name": "applicant_name", "code": "applicant_code"}
DECISIONS = ("date", "department", "opinion")


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "、".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{text_of(v)}" for k, v in value.items())
    return str(value)


def decision_of(session: Session, case: Case, opinion: str | None, on: dt.datetime | None = None) -> dict[str, str]:
    """The decision's fields a template may use: its date, the deciding department and the opinion."""
    day = clock.to_local(on or case.concluded_at or clock.now()).date()
    return {"date": f"{day.year}年{day.month}月{day.day}日",
            "department": org_service.department_name(session, case.department_id),
            "opinion": (opinion or "").strip()}


def value_of(case: Case, source: str, decision: dict[str, str]) -> str:
    """The text a template source gives for this case ("" when it has none)."""
    if source in ("item_name", "case_no"):  # older templates
        source = f"case.{source}"
    prefix, _, name = source.partition(".")
    if prefix == "form":
        return text_of(case.form.get(name)).strip()
    if prefix == "decision":
        return decision.get(name, "").strip()
    if prefix == "case" and name in CASE_ATTRS:
        return text_of(getattr(case, CASE_ATTRS[name])).strip()
    if prefix == "applicant" and name in APPLICANT_ATTRS:
        return text_of(getattr(case, APPLICANT_ATTRS[name])).strip()
    return ""


def missing_fields(session: Session, case: Case, opinion: str | None, license_type: str) -> list[str]:
    """Labels of the required fields of the license of ``license_type`` this case would leave empty if
    approved now."""
    lt = licenses.find_type(session, license_type)
    if lt is None:
        return []
    decision = decision_of(session, case, opinion, clock.now())
    return [f["label"] for f in lt.fields if f.get("required") and not value_of(case, f["source"], decision)]


def check_license_fields(session: Session, case: Case, opinion: str | None, license_type: str) -> None:
    """Refuse an approval whose license would lack a required field (409 license_fields_missing)."""
    missing = missing_fields(session, case, opinion, license_type)
    if missing:
        raise IllegalTransition("证照内容缺少必填项，不能作出准予决定：" + "、".join(missing)
                                + "（请申请人补正申请表，或由事项管理员在电子表单中增加相应字段）",
                                field="action", code="license_fields_missing", extra={"missing": missing})


MAX_DEFAULT_FIELDS = 10
PRIVATE_FORMATS = ("phone", "email")


def license_fields(case: Case, template: list[dict[str, Any]], form_schema: dict[str, Any] | None,
                   decision: dict[str, str] | None = None) -> list[list[str]]:
    """The [label, value] rows a case's licence prints: the template's sources (``value_of``), or, for a type
    without a template, the item name and every titled field of the e-form (contact details left out)."""
    if template:
        return [[f["label"], value_of(case, f["source"], decision or {})] for f in template]
    rows = [["许可事项", case.item_name]]
    props = (form_schema or {}).get("properties") or {}
    for key, prop in props.items():
        if not isinstance(prop, dict) or not prop.get("title") or key not in case.form:
            continue
        if prop.get("format") in PRIVATE_FORMATS or "phone" in key or "contact" in key:
            continue  # contact details are not part of what a license certifies
        value = text_of(case.form[key]).strip()
        if value:
            rows.append([str(prop["title"]), value])
        if len(rows) >= MAX_DEFAULT_FIELDS:
            break
    return rows


def license_basis(session: Session, case: Case, spec: ApplicationSpec, opinion: str | None, *,
                  may_issue: bool) -> LicenceBasis:
    """The licence an approval earns, fixed at the decision: published with the case-approved event, from
    which the licence domain issues it."""
    assert spec.result_license_type
    lt = licenses.find_type(session, spec.result_license_type)
    decision = decision_of(session, case, opinion, case.concluded_at)
    return LicenceBasis(type_ref=lt.code if lt else spec.result_license_type, department_id=case.department_id,
                        holder=case.applicant, holder_kind=case.applicant.split(":", 1)[0],
                        holder_name=case.applicant_name, holder_code=case.applicant_code, case_no=case.case_no,
                        fields=license_fields(case, lt.fields if lt else [], spec.form_schema, decision),
                        may_issue=may_issue)
