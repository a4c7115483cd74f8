"""Transactional outbox: side effects are rows written in the same transaction as the change; the
worker delivers them at least once. A handler runs in the same transaction that marks its event
done, so its database effects happen exactly once; outside effects must be idempotent per event id.
Failures retry with exponential back-off and, after ``outbox_max_attempts``, land in the dead list.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import ColumnElement, Index, Integer, String, Text, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from yiwang.core import audit, clock
from yiwang.core.audit import BigId
from yiwang.core.config import get_settings
from yiwang.core.db import Base, session_factory
from yiwang.core.permissions import Actor

log = logging.getLogger(__name__)

Handler = Callable[[Session, "OutboxEvent"], None]
_handlers: dict[str, list[Handler]] = {}

PENDING, RUNNING, DONE, DEAD = "pending", "running", "done", "dead"
LEASE = dt.timedelta(minutes=5)  # a claimed event not finished by then is taken again


class OutboxEvent(Base):
    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime]
    available_at: Mapped[dt.datetime]
    processed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # what the event is about ("case:<case_no>"), so a page can tell when that thing's side effect failed
    subject: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_outbox_event_due", "status", "available_at"),
                      Index("ix_outbox_event_subject", "subject"))


def emit(session: Session, topic: str, payload: dict[str, Any], *, subject: str | None = None) -> OutboxEvent:
    row = event(topic, payload, subject=subject)
    session.add(row)
    return row


def event(topic: str, payload: dict[str, Any], *, subject: str | None = None) -> OutboxEvent:
    """A new pending event, not yet added to any session (a hot path writes it with its other rows at once)."""
    now = clock.now()
    return OutboxEvent(topic=topic, payload=payload, status=PENDING, attempts=0, created_at=now,
                       available_at=now, subject=subject[:100] if subject else None)


def emit_many(session: Session, topic: str, payloads: list[dict[str, Any]]) -> None:
    """Emit one event per payload in one INSERT (a tick announcing hundreds at once: no ORM object each)."""
    if not payloads:
        return
    from sqlalchemy import insert

    now = clock.now()
    session.execute(insert(OutboxEvent), [
        {"topic": topic, "payload": payload, "status": PENDING, "attempts": 0, "created_at": now,
         "available_at": now, "subject": None} for payload in payloads])


DeadHook = Callable[[Session, "OutboxEvent"], None]
_dead_hooks: list[DeadHook] = []


def on_dead(fn: DeadHook) -> DeadHook:
    """Register a function told when an event dies (the notify domain writes administrators a message).
    It runs in the transaction that marks the event dead; its failure is logged and never stops that."""
    if fn not in _dead_hooks:
        _dead_hooks.append(fn)
    return fn


def _tell_dead(session: Session, event: OutboxEvent) -> None:
    for fn in list(_dead_hooks):
        try:
            with session.begin_nested():
                fn(session, event)
        except Exception:
            log.exception("dead-event hook %s failed for event %s", fn.__qualname__, event.id)


def handler(topic: str) -> Callable[[Handler], Handler]:
    """Register a handler for a topic (domains register theirs in their ``jobs`` module)."""

    def register(fn: Handler) -> Handler:
        _handlers.setdefault(topic, [])
        if fn not in _handlers[topic]:
            _handlers[topic].append(fn)
        return fn

    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, []))


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 2 ** attempts))


def run_once(engine: Engine | None = None, *, limit: int | None = None) -> int:
    """Deliver due events; return how many this worker processed (done or failed).

    Each event is first claimed with a conditional UPDATE (pending → running, with a lease), which
    only one worker can win on any database; a worker that dies mid-event leaves it running until the
    lease ends, when another worker takes it again.
    """
    make = session_factory(engine)
    limit = limit or get_settings().outbox_batch
    processed = 0
    with make() as session:
        now = clock.now()
        stmt = (select(OutboxEvent.id).where(OutboxEvent.status.in_((PENDING, RUNNING)),
                                             OutboxEvent.available_at <= now)
                .order_by(OutboxEvent.id).limit(limit))
        ids = list(session.scalars(stmt))
    for event_id in ids:
        with make() as session:
            now = clock.now()
            claim = (update(OutboxEvent)
                     .where(OutboxEvent.id == event_id, OutboxEvent.status.in_((PENDING, RUNNING)),
                            OutboxEvent.available_at <= now)
                     .values(status=RUNNING, available_at=now + LEASE))
            claimed = cast(CursorResult[Any], session.execute(claim)).rowcount
            session.commit()
        if claimed != 1:
            continue  # another worker took it
        with make() as session:
            event = session.get(OutboxEvent, event_id)
            assert event is not None
            errors: list[str] = []
            for fn in handlers_for(event.topic):
                # each handler in its own savepoint: one failing (a license that cannot be issued yet) must not
                # take the others' work (the applicant's message) down with it; handlers are idempotent per
                # event, so the retry repeats nothing that already happened
                try:
                    with session.begin_nested():
                        fn(session, event)
                except Exception as exc:
                    errors.append(f"{fn.__module__}.{fn.__qualname__}: {exc!r}")
            try:
                if not errors:
                    event.status, event.processed_at = DONE, clock.now()
                    event.attempts += 1
                session.commit()
            except Exception as exc:  # the database refused the whole unit: retry all of it
                session.rollback()
                errors.append(repr(exc))
            if errors:
                log.warning("outbox event %s (%s) failed: %s", event_id, event.topic, "; ".join(errors))
                _record_failure(make, event_id, "; ".join(errors))
            processed += 1
    return processed


def _record_failure(make: Callable[[], Session], event_id: int, error: str) -> None:
    with make() as session:
        event = session.get(OutboxEvent, event_id)
        if event is None:
            return
        event.attempts += 1
        event.last_error = error[:4000]
        if event.attempts >= get_settings().outbox_max_attempts:
            event.status = DEAD
            log.error("outbox event %s (%s) is dead after %s attempts", event_id, event.topic, event.attempts)
            session.flush()
            _tell_dead(session, event)
        else:
            event.status, event.available_at = PENDING, clock.now() + _backoff(event.attempts)
        session.commit()


def resend(session: Session, actor: Actor, event_id: int, *, visible: ColumnElement[bool] | None = None
           ) -> OutboxEvent | None:
    """Put a dead event back in the queue (admin action, audited); None when there is no such dead event (or
    none the caller may see: ``visible`` narrows the events, as in ``dead_events``)."""
    from yiwang.core.permissions import Perm

    if actor.is_staff:
        actor.require(Perm.OUTBOX_MANAGE)
    stmt = select(OutboxEvent).where(OutboxEvent.id == event_id, OutboxEvent.status == DEAD)
    event = session.scalars(stmt.where(visible) if visible is not None else stmt).first()
    if event is None:
        return None
    event.status, event.attempts, event.available_at = PENDING, 0, clock.now()
    audit.record(session, actor, "outbox.resend", "outbox_event", event_id, {"topic": event.topic})
    return event


def dead_events(session: Session, actor: Actor, *, limit: int = 50, offset: int = 0,
                visible: ColumnElement[bool] | None = None) -> tuple[int, list[OutboxEvent]]:
    """Events that died, newest first (administrators); ``visible`` narrows them to those the caller may see."""
    from sqlalchemy import func

    from yiwang.core.permissions import Perm

    actor.require(Perm.OUTBOX_MANAGE)
    where = [OutboxEvent.status == DEAD] + ([visible] if visible is not None else [])
    total = session.scalar(select(func.count()).select_from(OutboxEvent).where(*where)) or 0
    rows = session.scalars(select(OutboxEvent).where(*where)
                           .order_by(OutboxEvent.id.desc()).limit(limit).offset(offset)).all()
    return total, list(rows)


def dead_for(session: Session, subject: str, topics: tuple[str, ...] | None = None) -> list[OutboxEvent]:
    """The dead events about one subject ("case:<case_no>"), optionally of some topics."""
    stmt = select(OutboxEvent).where(OutboxEvent.subject == subject, OutboxEvent.status == DEAD)
    if topics:
        stmt = stmt.where(OutboxEvent.topic.in_(topics))
    return list(session.scalars(stmt))


Job = Callable[[Engine | None], None]
_scheduled: dict[str, tuple[Callable[[], float], Job]] = {}
_last_run: dict[str, float] = {}


def scheduled(name: str, every_seconds: Callable[[], float]) -> Callable[[Job], Job]:
    """Register a periodic job the worker runs about every ``every_seconds()`` seconds (the supervision tick).
    Jobs must be idempotent: every worker process runs them on its own clock."""

    def register(fn: Job) -> Job:
        _scheduled[name] = (every_seconds, fn)
        return fn

    return register


def run_scheduled(engine: Engine | None = None, *, now: float | None = None) -> list[str]:
    """Run the periodic jobs that are due; returns their names."""
    now = time.monotonic() if now is None else now
    ran = []
    for name, (every, fn) in list(_scheduled.items()):
        last = _last_run.get(name)
        if last is not None and now - last < every():
            continue
        _last_run[name] = now
        try:
            fn(engine)
            ran.append(name)
        except Exception:  # a failing job must not stop the delivery of events
            log.exception("scheduled job %s failed", name)
    return ran


def run_forever(engine: Engine | None = None, *, idle_sleep: float = 1.0,
                stop: Callable[[], bool] = lambda: False) -> None:
    while not stop():
        run_scheduled(engine)
        try:
            n = run_once(engine)
        except Exception:  # the database may be briefly unavailable; keep the worker alive
            log.exception("outbox worker pass failed")
            n = 0
        if n == 0:
            time.sleep(idle_sleep)
