"""The pledges domain's listeners: an approval of a pledged case opens its post-check task (事后核查).

The case domain publishes ``case.approve``; the task is opened from that event (cases never call into this
domain). Opening is idempotent per case, so a redelivered event changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from yiwang.cases.events import CASE_APPROVED
from yiwang.core import outbox
from yiwang.core.db import session_scope
from yiwang.core.outbox import OutboxEvent
from yiwang.pledges import service as pledges
from yiwang.pledges.models import PledgeCheck


@outbox.scheduled("pledges.deadlines", lambda: 3600.0)
def fill_deadlines(engine: Engine | None) -> None:
    """Deadlines that ran into a year whose holidays were not imported yet, set once they are."""
    with session_scope(engine) as session:
        pledges.fill_deadlines(session)


@outbox.handler(CASE_APPROVED)
def on_case_approved(session: Session, event: OutboxEvent) -> None:
    pledges.open_for_approval(session, event.payload)


def open_for_case(session: Session, case_no: str) -> PledgeCheck | None:
    """Open the task from a case's latest stored approval event: what the worker does, for tools and the demo."""
    stored = session.scalars(select(OutboxEvent).where(OutboxEvent.subject == f"case:{case_no}",
                                                       OutboxEvent.topic == CASE_APPROVED)
                             .order_by(OutboxEvent.id.desc()).limit(1)).first()
    return pledges.open_for_approval(session, stored.payload) if stored is not None else None
