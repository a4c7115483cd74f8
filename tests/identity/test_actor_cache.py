"""What a token names is remembered for a few seconds per process, and forgotten the moment a credential
changes: a logout, a staff member switched off, or a stamp another worker touched."""

from __future__ import annotations

import os
import time

from sqlalchemy import event

from tests import factories as f
from yiwang.core.db import session_factory
from yiwang.identity import actor_cache
from yiwang.identity import service as identity


def _statements(engine):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def log(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    return seen, lambda: event.remove(engine, "before_cursor_execute", log)


def _resolve(engine, raw: str, kind: str = "api"):  # type: ignore[no-untyped-def]
    """As a request does: in a session of its own."""
    with session_factory(engine)() as s:
        return identity.resolve_actor(s, raw, kind)


def test_a_resolved_token_is_answered_without_the_database(session, engine) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw, _ = identity.issue_token(session, actor, "api")
    session.commit()
    first = identity.resolve_actor(session, raw, "api")
    assert first is not None and first.id == actor.id
    seen, stop = _statements(engine)
    try:
        again = identity.resolve_actor(session, raw, "api")
        profile = identity.applicant_profile(session, again)  # type: ignore[arg-type]
    finally:
        stop()
    assert again == first and profile.label == actor.label and seen == []
    assert identity.resolve_actor(session, raw, "web") is None  # an API token is still not a page session


def test_logout_is_honoured_at_once(session, engine) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw, _ = identity.issue_token(session, actor, "api")
    session.commit()
    assert _resolve(engine, raw) is not None
    with session_factory(engine)() as other:  # another request logs out
        identity.revoke_token(other, raw)
        other.commit()
    assert _resolve(engine, raw) is None


def test_a_switched_off_staff_member_is_refused_at_once(session, engine) -> None:  # type: ignore[no-untyped-def]
    admin = f.staff(session, "admin1", ["admin"])
    clerk = f.staff(session, "clerk1", ["window_clerk"])
    raw, _ = identity.issue_token(session, clerk, "api")
    session.commit()
    assert _resolve(engine, raw) is not None
    with session_factory(engine)() as other:
        identity.set_staff_active(other, admin, login="clerk1", active=False)
        other.commit()
    assert _resolve(engine, raw) is None


def test_a_rolled_back_logout_changes_nothing(session, engine) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw, _ = identity.issue_token(session, actor, "api")
    session.commit()
    with session_factory(engine)() as other:
        identity.revoke_token(other, raw)
        other.rollback()
    assert _resolve(engine, raw) is not None


def _revoked_behind_the_cache(session, engine) -> str:  # type: ignore[no-untyped-def]
    """A token this process has cached, then revoked in the database without telling anyone."""
    actor, _ = f.person(session)
    raw, row = identity.issue_token(session, actor, "api")
    session.commit()
    assert _resolve(engine, raw) is not None
    row.revoked_at = row.created_at
    session.commit()
    return raw


def test_another_workers_stamp_empties_the_cache(session, engine) -> None:  # type: ignore[no-untyped-def]
    """A worker that changed a credential touches the stamp; this one then asks the database again (here the
    token was revoked behind its back, as by a worker whose own cache is the only one it cleared)."""
    actor_cache.forget()  # some earlier change left a stamp
    raw = _revoked_behind_the_cache(session, engine)
    assert _resolve(engine, raw) is not None  # still trusted: nobody said anything
    stamp = actor_cache._stamp_path()
    before = stamp.stat()
    other = stamp.with_name("written-by-another-worker")
    other.write_bytes(b"x")
    os.replace(other, stamp)
    os.utime(stamp, ns=(before.st_atime_ns, before.st_mtime_ns))  # one tick of a coarse clock: same time, new file
    assert _resolve(engine, raw) is None


def test_entries_expire(session, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    raw = _revoked_behind_the_cache(session, engine)
    real = time.monotonic
    monkeypatch.setattr(actor_cache.time, "monotonic", lambda: real() + 3600)
    assert _resolve(engine, raw) is None
