"""The bundle domain's listeners: when a case of a 一件事 application concludes or closes, the application's
results are delivered together once none is open any more (统一送达)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yiwang.bundles import service
from yiwang.cases import events as case_events
from yiwang.cases import service as cases
from yiwang.core import outbox
from yiwang.core.outbox import OutboxEvent

# the actions after which a case is no longer open
CLOSING = (case_events.CASE_APPROVED, case_events.CASE_DENIED, case_events.CASE_REJECTED,
           case_events.CASE_WITHDRAWN)


def on_case_closed(session: Session, payload: dict[str, object]) -> list[str]:
    case_no = payload.get("case_no")
    if not isinstance(case_no, str):
        return []
    application_id = cases.bundle_application_of(session, case_no)
    if application_id is None:
        return []
    return service.deliver_if_complete(session, application_id)


def _deliver(session: Session, event: OutboxEvent) -> None:
    on_case_closed(session, event.payload)


for _topic in CLOSING:
    outbox.handler(_topic)(_deliver)
