"""The licence domain's listeners: an approval issues the licence it earned (当场/按时出证).

The case domain publishes ``case.approve`` with the :class:`~yiwang.cases.events.LicenceBasis` fixed at the
decision (type, holder, printed fields); issuing from it needs nothing else of the case. Issuance is idempotent
per case and licence type, so a redelivered event returns the licence already issued.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.cases.events import CASE_APPROVED, CASE_LICENCE_BASIS, CaseChanged, LicenceBasis
from yiwang.core import audit, outbox
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM
from yiwang.licenses import service as licenses


def issue_from_event(session: Session, payload: dict[str, object]) -> list[str]:
    """Issue the licence an approval event names; returns its licence ids (the existing one on a repeat). An
    approval queued before approvals carried their basis is skipped here: the case domain publishes its basis
    (``case.licence_basis``) and the licence is issued from that."""
    if "actor" not in payload:
        return []
    event = CaseChanged.model_validate(payload)
    if event.outcome != "approved" or event.license is None:
        return []
    return issue_from_basis(session, event.license)


def issue_from_basis(session: Session, basis: LicenceBasis) -> list[str]:
    """Issue the licence a decision's basis describes (idempotent per case and licence type)."""
    if not basis.may_issue:
        # decided outside the owning department on an item it never let a window decide: no licence in its name
        audit.record(session, SYSTEM, "license.issue_refused", "case", basis.case_no,
                     {"reason": "decided_outside_owning_department"})
        return []
    lt = licenses.ensure_type(session, basis.type_ref, department_id=basis.department_id)
    lic = licenses.issue(session, SYSTEM, type_ref=lt.code, department_id=basis.department_id, holder=basis.holder,
                         holder_kind=basis.holder_kind, holder_name=basis.holder_name,
                         holder_code=basis.holder_code, fields=[(a, b) for a, b in basis.fields],
                         case_no=basis.case_no)
    return [lic.license_id]


def issue_for_case(session: Session, case_no: str) -> list[str]:
    """Issue (again) from a case's latest approval event: what the worker does, for tools and the demo."""
    stored = session.scalars(select(OutboxEvent).where(OutboxEvent.subject == f"case:{case_no}",
                                                       OutboxEvent.topic == CASE_APPROVED)
                             .order_by(OutboxEvent.id.desc()).limit(1)).first()
    return issue_from_event(session, stored.payload) if stored is not None else []


@outbox.handler(CASE_APPROVED)
def on_case_approved(session: Session, event: OutboxEvent) -> None:
    issue_from_event(session, event.payload)


@outbox.handler(CASE_LICENCE_BASIS)
def on_licence_basis(session: Session, event: OutboxEvent) -> None:
    issue_from_basis(session, LicenceBasis.model_validate(event.payload))
