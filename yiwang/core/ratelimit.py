"""Rate limits.

``SlidingWindow`` is a small in-process limiter (each worker keeps its own window).

``RateCounter`` rows are limits kept in the database, so they hold across workers and machines: login
throttling, the public progress query, registration, phone codes. Every operation runs in its own short
transaction on its own connection and commits at once, so a count survives the refusal (and rollback) of
the request that made it and no lock is held while the request goes on (a password check, say). The
connection comes from a companion pool (``db.companion_engine``), so a request holding a connection of the
main pool never waits for a second one from it. (A SQLite session that has already written holds the
database's only write lock; its counters then go through that session, in a savepoint.)

``acquire`` counts one attempt against one or more keys in one step: each key's row is inserted or
incremented with a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite and PostgreSQL), which
holds the row (PostgreSQL) or the database (SQLite) write lock until the transaction ends; when any key is
over its limit or locked, the whole step is rolled back and the attempt refused. So N parallel attempts on
a key with limit L pass at most L times, however they interleave.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Integer, String, Table, case, delete, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from yiwang.core import clock
from yiwang.core.db import Base, companion_engine
from yiwang.core.errors import TooManyRequests


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one attempt for ``key``; refuse it when the window is full."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] > self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = int(self.seconds - (now - hits[0])) + 1
                raise TooManyRequests(f"查询过于频繁，请 {retry} 秒后再试", code="too_many_requests",
                                      extra={"retry_after": retry})
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle clients rather than grow without bound
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] > self.seconds]:
                    del self._hits[k]


# --- counters in the database -------------------------------------------------------------------------

KEY_LEN = 200


class RateCounter(Base):
    """Attempts counted against a key within a fixed window that starts at the first attempt; a key may
    also be locked until a moment (login throttling)."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(KEY_LEN), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when refused
    locked: bool = False  # refused because of a lock rather than a full window


def _table() -> Table:
    return cast(Table, RateCounter.__table__)


def bind_of(target: Session | Engine | Connection) -> Engine:
    if isinstance(target, Session):
        bind = target.get_bind()
        return bind.engine if isinstance(bind, Connection) else bind
    return target.engine if isinstance(target, Connection) else target


def _holds_sqlite_write_lock(target: Session | Engine | Connection) -> Session | None:
    """The session, when it is a SQLite session that has already written in its open transaction: it holds the
    database's only write lock, so a second connection would wait for it forever; the counters then go
    through that session (and are kept when it commits)."""
    if not isinstance(target, Session) or bind_of(target).dialect.name != "sqlite" or not target.in_transaction():
        return None
    dbapi = target.connection().connection.dbapi_connection
    return target if dbapi is not None and getattr(dbapi, "in_transaction", False) else None


@contextlib.contextmanager
def _step(target: Session | Engine | Connection) -> Iterator[tuple[Connection, Callable[[], None]]]:
    """A connection for one counting step and a function that abandons the step. The step commits on its own,
    or — when the caller's SQLite session holds the write lock — runs in a savepoint of that session."""
    session = _holds_sqlite_write_lock(target)
    if session is not None:
        nested = session.begin_nested()
        try:
            yield session.connection(), nested.rollback
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise
        if nested.is_active:
            nested.commit()
        return
    with companion_engine(bind_of(target)).connect() as conn:
        trans = conn.begin()
        try:
            yield conn, trans.rollback
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise
        if trans.is_active:
            trans.commit()


def _upsert(conn: Connection, key: str, now: dt.datetime, floor: dt.datetime) -> tuple[int, dt.datetime,
                                                                                        dt.datetime | None]:
    from sqlalchemy.dialects import postgresql, sqlite

    t = _table()
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(t).values(key=key, n=1, window_start=now, locked_until=None)
    excluded = stmt.excluded
    # a window that has run out, or a lock that has lapsed, starts afresh
    expired = ((t.c.locked_until.is_(None) & (t.c.window_start <= floor))
               | (t.c.locked_until.is_not(None) & (t.c.locked_until <= now)))
    upsert = stmt.on_conflict_do_update(index_elements=[t.c.key], set_={
        "n": case((expired, 1), else_=t.c.n + 1),
        "window_start": case((expired, excluded.window_start), else_=t.c.window_start),
        "locked_until": case((expired, None), else_=t.c.locked_until),
    }).returning(t.c.n, t.c.window_start, t.c.locked_until)
    n, start, locked_until = conn.execute(upsert).one()
    return int(n), start, locked_until


def acquire(target: Session | Engine | Connection, keys: Iterable[str], *, limit: int, window: dt.timedelta
            ) -> Verdict:
    """Count one attempt against every key, or against none when any key is locked or already has
    ``limit`` attempts in its window (then the attempt is refused). Commits on its own."""
    wanted = sorted({k[:KEY_LEN] for k in keys})  # one order everywhere: no deadlocks between keys
    if not wanted:
        return Verdict(True)
    now = clock.now()
    with _step(target) as (conn, abandon):
        for key in wanted:
            n, start, locked_until = _upsert(conn, key, now, now - window)
            if locked_until is not None and locked_until > now:
                abandon()
                return Verdict(False, int((locked_until - now).total_seconds()) + 1, locked=True)
            if n > limit:
                abandon()
                return Verdict(False, max(1, int((start + window - now).total_seconds()) + 1))
    return Verdict(True)


def lock_full(target: Session | Engine | Connection, keys: Iterable[str], *, limit: int,
              until: dt.datetime) -> None:
    """Lock those keys that have reached ``limit`` attempts (and are not locked yet) until ``until``."""
    wanted = sorted({k[:KEY_LEN] for k in keys})
    if not wanted:
        return
    t = _table()
    with _step(target) as (conn, _):
        conn.execute(update(t).where(t.c.key.in_(wanted), t.c.n >= limit, t.c.locked_until.is_(None))
                     .values(locked_until=until))


def give_back(target: Session | Engine | Connection, keys: Sequence[str]) -> None:
    """Return one counted attempt on each key (it turned out not to count: a correct password on a key
    that other accounts share, say)."""
    wanted = sorted({k[:KEY_LEN] for k in keys})
    if not wanted:
        return
    t = _table()
    with _step(target) as (conn, _):
        conn.execute(update(t).where(t.c.key.in_(wanted), t.c.n > 0).values(n=t.c.n - 1))


def reset(target: Session | Engine | Connection, keys: Sequence[str]) -> None:
    """Forget every attempt counted against the keys."""
    wanted = sorted({k[:KEY_LEN] for k in keys})
    if not wanted:
        return
    t = _table()
    with _step(target) as (conn, _):
        conn.execute(delete(t).where(t.c.key.in_(wanted)))


def check(target: Session | Engine | Connection, keys: Iterable[str], *, limit: int, window: dt.timedelta,
          message: str = "操作过于频繁，请 {minutes} 分钟后再试", code: str = "too_many_requests",
          field: str | None = None) -> None:
    """``acquire`` that raises ``TooManyRequests`` (with ``retry_after``) when refused."""
    verdict = acquire(target, keys, limit=limit, window=window)
    if not verdict.allowed:
        minutes = max(1, (verdict.retry_after + 59) // 60)
        raise TooManyRequests(message.format(minutes=minutes, seconds=verdict.retry_after), code=code,
                              field=field, extra={"retry_after": verdict.retry_after})


PURGE_AFTER = dt.timedelta(days=1)  # longer than any window or lock in use


def purge(target: Session | Engine | Connection, *, older_than: dt.timedelta = PURGE_AFTER) -> int:
    """Forget counters whose window started long ago and that hold no running lock (keys are cheap to create:
    anyone may try any username); returns how many went."""
    now = clock.now()
    t = _table()
    with _step(target) as (conn, _):
        result = conn.execute(delete(t).where(t.c.window_start < now - older_than,
                                              t.c.locked_until.is_(None) | (t.c.locked_until < now)))
    return int(result.rowcount or 0)
