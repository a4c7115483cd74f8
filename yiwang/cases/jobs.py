"""Side effects of case events, run by the outbox worker.

An approval issues the item's electronic license (当场/按时出证): the item's ``result.license_type`` names the
type; the license's printed fields come from the type's template (``form.<field>``, ``decision.<field>``,
``case.<attr>``, ``applicant.<attr>``: see ``contents``), or, for a type without a template, from the item name
and every titled field of the e-form.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from yiwang.cases import contents, duties
from yiwang.cases import repository as repo
from yiwang.cases import service as cases
from yiwang.cases.models import Case
from yiwang.catalog import service as catalog
from yiwang.core import audit, outbox
from yiwang.core.db import session_scope
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM
from yiwang.licenses import service as licenses

log = logging.getLogger(__name__)

MAX_DEFAULT_FIELDS = 10
PRIVATE_FORMATS = ("phone", "email")


def license_fields(case: Case, template: list[dict[str, Any]], form_schema: dict[str, Any] | None,
                   decision: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The (label, value) rows a case's license prints: the template's sources (``contents.value_of``), or,
    for a type without a template, the item name and every titled field of the e-form."""
    if template:
        return [(f["label"], contents.value_of(case, f["source"], decision or {})) for f in template]
    rows = [("许可事项", case.item_name)]
    props = (form_schema or {}).get("properties") or {}
    for key, prop in props.items():
        if not isinstance(prop, dict) or not prop.get("title") or key not in case.form:
            continue
        if prop.get("format") in PRIVATE_FORMATS or "phone" in key or "contact" in key:
            continue  # contact details are not part of what a license certifies
        value = contents.text_of(case.form[key]).strip()
        if value:
            rows.append((str(prop["title"]), value))
        if len(rows) >= MAX_DEFAULT_FIELDS:
            break
    return rows


def _opinion(session: Session, case: Case) -> str | None:
    """The approver's opinion recorded with the approval."""
    approvals = [e for e in repo.events(session, case.id) if e.action == "approve"]
    return approvals[-1].comment if approvals else None


def issue_for_case(session: Session, case_no: str) -> list[str]:
    """Issue the licenses an approved case earns; returns their license ids (existing ones on a repeat)."""
    case = repo.case_by_no(session, case_no)
    if case is None or case.outcome != "approved":
        return []
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    if not spec.result_license_type:
        return []
    if not duties.may_issue_license(session, case):
        # decided outside the owning department on an item it never let a window decide: no licence in its name
        audit.record(session, SYSTEM, "license.issue_refused", "case", case.case_no,
                     {"reason": "decided_outside_owning_department"})
        return []
    lt = licenses.ensure_type(session, spec.result_license_type, department_id=case.department_id)
    kind = case.applicant.split(":", 1)[0]
    lic = licenses.issue(session, SYSTEM, type_ref=lt.code, department_id=case.department_id, holder=case.applicant,
                         holder_kind=kind, holder_name=case.applicant_name, holder_code=case.applicant_code,
                         fields=license_fields(case, lt.fields, spec.form_schema,
                                               contents.decision_of(session, case, _opinion(session, case))),
                         case_no=case.case_no)
    return [lic.license_id]


@outbox.scheduled("cases.supplement_reminders", lambda: 3600.0)
def remind_deferred_materials(engine: Engine | None) -> None:
    """容缺后补: remind applicants whose deferred materials come due soon (once each)."""
    with session_scope(engine) as session:
        reminded = cases.remind_deferred(session)
    if reminded:
        log.info("reminded %d applicants of deferred materials", len(reminded))


@outbox.handler("case.approve")
def on_approved(session: Session, event: OutboxEvent) -> None:
    issue_for_case(session, str(event.payload["case_no"]))
