"""Scheduled work of the case domain: reminders of deferred materials, and (for joint cases) the branch
clocks the supervision tick times out (see ``branches``). Licence issuance listens to the case-approved event
from the licence side (``licenses.jobs``)."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from yiwang.cases import service as cases
from yiwang.core import outbox
from yiwang.core.db import session_scope

log = logging.getLogger(__name__)


@outbox.scheduled("cases.supplement_reminders", lambda: 3600.0)
def remind_deferred_materials(engine: Engine | None) -> None:
    """容缺后补: remind applicants whose deferred materials come due soon (once each)."""
    with session_scope(engine) as session:
        reminded = cases.remind_deferred(session)
    if reminded:
        log.info("reminded %d applicants of deferred materials", len(reminded))
