"""Scheduled work and listeners of the case domain: reminders of deferred materials, and the licence basis of
approvals whose events were queued before approvals carried it. Licence issuance itself listens to the
case-approved event from the licence side (``licenses.jobs``); the supervision tick times out branches."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from yiwang.cases import events
from yiwang.cases import service as cases
from yiwang.core import outbox
from yiwang.core.db import session_scope
from yiwang.core.outbox import OutboxEvent

log = logging.getLogger(__name__)


@outbox.scheduled("cases.supplement_reminders", lambda: 3600.0)
def remind_deferred_materials(engine: Engine | None) -> None:
    """容缺后补: remind applicants whose deferred materials come due soon (once each)."""
    with session_scope(engine) as session:
        reminded = cases.remind_deferred(session)
    if reminded:
        log.info("reminded %d applicants of deferred materials", len(reminded))


@outbox.handler(events.CASE_APPROVED)
def republish_legacy_approval(session: Session, event: OutboxEvent) -> None:
    """An approval event from before approvals carried their licence basis (no ``actor`` in it): publish the
    basis now, under its own topic, so the licence is still issued (and the applicant not told twice)."""
    if "actor" in event.payload:
        return
    basis = cases.legacy_licence_basis(session, str(event.payload.get("case_no", "")))
    if basis is not None:
        outbox.emit(session, events.CASE_LICENCE_BASIS, basis.model_dump(mode="json"),
                    subject=f"case:{basis.case_no}")
