"""Supervision's side of the worker: the periodic tick, and cards raised as soon as an event shows them."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from yiwang.cases import events as case_events
from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import outbox
from yiwang.core.config import get_settings
from yiwang.core.db import session_scope
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM
from yiwang.supervision import service as supervision

log = logging.getLogger(__name__)


@outbox.scheduled("supervision.tick", lambda: get_settings().supervision_tick_minutes * 60.0)
def periodic_tick(engine: Engine | None) -> None:
    with session_scope(engine) as session:
        result = supervision.tick(session)
    log.info("supervision tick %s: raised %d, cleared %d, open %s", result.as_of, result.raised, result.cleared,
             result.open_by_level)


@outbox.handler(case_events.CASE_CORRECTION_REQUESTED)
def check_correction_against_guide(session: Session, event: OutboxEvent) -> None:
    """A correction notice may ask only for what the published guide lists (red card otherwise)."""
    case_no = str(event.payload["case_no"])
    case = cases.get_case(session, SYSTEM, case_no)
    notices = cases.corrections(session, case)
    if not notices:
        return
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    listed = {m.name for m in spec.materials}
    beyond = [name for name in notices[-1].materials if name not in listed]
    if beyond:
        supervision.raise_card(session, case_no=case_no, rule="beyond_guide",
                               content="补正通知要求了办事指南以外的材料：" + "、".join(beyond),
                               detail={"materials": beyond, "notice": notices[-1].seq})


@outbox.handler(case_events.CASE_REPEATED_CORRECTION)
def repeated_correction(session: Session, event: OutboxEvent) -> None:
    supervision.raise_card(session, case_no=str(event.payload["case_no"]), rule="repeated_correction",
                           content=supervision.CONTENT["repeated_correction"],
                           detail={"notices": event.payload.get("notice")})
