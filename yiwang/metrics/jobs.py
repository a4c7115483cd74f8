"""The indicators' side of the worker: the current month's counters every hour (today and yesterday recounted),
and once a night the whole of the month yesterday fell in (and, until the 10th, the month before)."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from yiwang.core import outbox
from yiwang.core.db import session_scope
from yiwang.metrics import service as metrics

log = logging.getLogger(__name__)
HOUR = 3600.0


@outbox.scheduled("metrics.hourly", lambda: HOUR)
def hourly(engine: Engine | None) -> None:
    with session_scope(engine) as session:
        reports = metrics.refresh(session)
    for r in reports:
        log.info("indicators %s: %d days recounted in %.1f s", r.period, r.days, r.seconds)


@outbox.scheduled("metrics.nightly", lambda: HOUR)
def nightly(engine: Engine | None) -> None:
    """Checked hourly; runs once after each local midnight (no whole-month run since it)."""
    with session_scope(engine) as session:
        if not metrics.nightly_due(session):
            return
        reports = metrics.nightly(session)
    for r in reports:
        log.info("indicators %s: the whole month recounted in %.1f s", r.period, r.seconds)
