from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from yiwang.core import clock, outbox
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM

seen: list[int] = []


@outbox.handler("test.ok")
def _ok(session, event) -> None:  # type: ignore[no-untyped-def]
    seen.append(event.payload["n"])


@outbox.handler("test.fail")
def _fail(session, event) -> None:  # type: ignore[no-untyped-def]
    raise RuntimeError("gateway down")


def test_events_are_delivered_once(session, engine) -> None:  # type: ignore[no-untyped-def]
    seen.clear()
    outbox.emit(session, "test.ok", {"n": 1})
    outbox.emit(session, "test.ok", {"n": 2})
    session.commit()
    assert outbox.run_once(engine) == 2
    assert outbox.run_once(engine) == 0
    assert sorted(seen) == [1, 2]
    statuses = set(session.scalars(select(OutboxEvent.status)))
    assert statuses == {"done"}


def test_event_not_committed_is_never_delivered(session, engine) -> None:  # type: ignore[no-untyped-def]
    seen.clear()
    outbox.emit(session, "test.ok", {"n": 9})
    session.rollback()
    assert outbox.run_once(engine) == 0
    assert seen == []


def test_failures_back_off_then_go_dead_and_can_be_resent(session, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIWANG_OUTBOX_MAX_ATTEMPTS", "3")
    from yiwang.core.config import reset_settings

    reset_settings()
    try:
        ev = outbox.emit(session, "test.fail", {})
        session.commit()
        event_id = ev.id
        t0 = clock.now()
        for i in range(3):
            with clock.frozen(t0 + dt.timedelta(hours=2 * i)):
                assert outbox.run_once(engine) == 1
        session.expire_all()
        ev = session.get(OutboxEvent, event_id)
        assert ev.status == "dead" and ev.attempts == 3 and "gateway down" in ev.last_error
        outbox.resend(session, SYSTEM, event_id)
        session.commit()
        assert session.get(OutboxEvent, event_id).status == "pending"
    finally:
        monkeypatch.delenv("YIWANG_OUTBOX_MAX_ATTEMPTS")
        reset_settings()


def test_failed_event_waits_for_its_backoff(session, engine) -> None:  # type: ignore[no-untyped-def]
    ev = outbox.emit(session, "test.fail", {})
    session.commit()
    assert outbox.run_once(engine) == 1
    assert outbox.run_once(engine) == 0  # not due yet
    session.expire_all()
    assert session.get(OutboxEvent, ev.id).available_at > clock.now()


def test_concurrent_workers_run_each_event_once(session, engine) -> None:  # type: ignore[no-untyped-def]
    import threading

    seen.clear()
    for n in range(8):
        outbox.emit(session, "test.ok", {"n": n})
    session.commit()
    threads = [threading.Thread(target=outbox.run_once, args=(engine,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(8))


def test_an_abandoned_claim_is_taken_again_after_its_lease(session, engine) -> None:  # type: ignore[no-untyped-def]
    seen.clear()
    ev = outbox.emit(session, "test.ok", {"n": 42})
    session.commit()
    ev.status, ev.available_at = "running", clock.now() + outbox.LEASE  # a worker died holding it
    session.commit()
    assert outbox.run_once(engine) == 0
    with clock.frozen(clock.now() + outbox.LEASE + dt.timedelta(seconds=1)):
        assert outbox.run_once(engine) == 1
    assert seen == [42]


@outbox.handler("test.mixed")
def _mixed_writes(session, event) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core import audit

    audit.record(session, SYSTEM, "test.mixed_effect", "test", event.id, {})


@outbox.handler("test.mixed")
def _mixed_fails(session, event) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core import audit

    audit.record(session, SYSTEM, "test.half_done", "test", event.id, {})
    session.flush()
    raise RuntimeError("not yet")


def test_one_failing_handler_keeps_the_others_work(session, engine) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core import audit

    ev = outbox.emit(session, "test.mixed", {})
    session.commit()
    assert outbox.run_once(engine) == 1
    session.expire_all()
    actions = list(session.scalars(select(audit.AuditRecord.action).where(audit.AuditRecord.object_type == "test")))
    assert actions == ["test.mixed_effect"]  # the failing handler's own write was rolled back to its savepoint
    event = session.get(OutboxEvent, ev.id)
    assert event.status == "pending" and event.attempts == 1 and "_mixed_fails" in event.last_error
    assert audit.verify(session).ok
