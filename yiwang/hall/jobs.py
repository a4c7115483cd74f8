"""The hall's scheduled work: the end-of-day sweep (tickets left open expire, appointments not checked in become
no-shows) every ten minutes, and appointment reminders (the day before, by SMS through the outbox) hourly."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from yiwang.core import outbox
from yiwang.core.db import session_scope
from yiwang.hall import service as hall


@outbox.scheduled("hall.sweep", lambda: 600.0)
def sweep(engine: Engine | None) -> None:
    with session_scope(engine) as session:
        hall.sweep(session)


@outbox.scheduled("hall.reminders", lambda: 3600.0)
def reminders(engine: Engine | None) -> None:
    with session_scope(engine) as session:
        hall.send_reminders(session)
