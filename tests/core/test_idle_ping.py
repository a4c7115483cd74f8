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
