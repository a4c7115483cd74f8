"""Pooled PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced unseen."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from yiwang.core import db


@pytest.fixture()
def pg(engine):  # type: ignore[no-untyped-def]
    if engine.dialect.name != "postgresql":
        pytest.skip("the idle ping is for PostgreSQL's pool")
    own = db.make_engine(engine.url.render_as_string(hide_password=False))
    yield own
    own.dispose()


def _pid(conn) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_killed_while_idle_is_replaced(pg, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pg.connect() as conn:
        first = _pid(conn)
    killer = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with killer.connect() as k:
        k.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
    killer.dispose()
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", -1.0)  # it has been idle long enough
    with pg.connect() as conn:
        assert _pid(conn) != first  # the dead connection failed its ping and was replaced


def test_a_busy_connection_is_not_pinged(pg) -> None:  # type: ignore[no-untyped-def]
    with pg.connect() as conn:
        first = _pid(conn)
    seen: list[str] = []
    real = pg.dialect.do_ping
    pg.dialect.do_ping = lambda c: seen.append("ping") or real(c)  # type: ignore[method-assign]
    with pg.connect() as conn:
        assert _pid(conn) == first
    assert seen == []


def test_a_forked_worker_opens_its_own_connections(pg) -> None:  # type: ignore[no-untyped-def]
    """``yiwang serve`` forks its workers from a process that used the database: a child must never reuse a
    pooled connection of its parent (one socket, two users)."""
    import os

    with pg.connect() as conn:
        parents = _pid(conn)  # now pooled in the parent
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            with pg.connect() as conn:
                os.write(write, str(_pid(conn)).encode())
        finally:
            os._exit(0)
    os.close(write)
    childs = int(os.read(read, 64).decode() or 0)
    os.close(read)
    os.waitpid(child, 0)
    with pg.connect() as conn:
        assert _pid(conn) == parents  # the parent's connection is still its own, and still works
    assert childs and childs != parents
