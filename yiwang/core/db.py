"""Database plumbing: declarative base, portable column types, engine and sessions.

Services never commit: the request (``request_session``) or the job (``session_scope``) does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event
from sqlalchemy import exc as exc_module
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from yiwang.core.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def new_id() -> str:
    """Opaque public identifiers (files, tokens' ids) are random UUIDs, never sequential."""
    return uuid.uuid4().hex


ID_LEN = 32
Uuid = String(ID_LEN)

_engines: dict[str, Engine] = {}

_WRITE_RE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)
_CTE_WRITE_RE = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _sqlite_begin_writer(conn: Any, cursor: Any, statement: str, _params: Any, _context: Any,
                         _executemany: bool) -> None:
    """Begin SQLite transactions as writers, lazily, just before their first write.

    A DEFERRED transaction that has read and then writes cannot wait for the write lock: when another
    connection wrote in the meantime SQLite fails at once with SQLITE_BUSY ("database is locked") whatever
    the busy timeout. So reads outside a transaction run on their own (read-only requests stay concurrent
    under WAL), and the first write of a unit of work (or its first savepoint) is preceded by
    ``BEGIN IMMEDIATE``, which queues for the write lock up to the busy timeout. Everything the unit does
    from then on, reads included, is one transaction committed or rolled back by the session.

    A read that locks what it reads (``select(...).with_for_update()``: "read the status, then change it")
    begins the writer too. SQLite has no row locks and SQLAlchemy leaves the clause out, so without this two
    units could both read the old status and both write; with it the second waits for the first to finish and
    then reads what the first wrote, as with PostgreSQL's row lock.
    """
    dbapi = conn.connection.dbapi_connection
    if dbapi is None or dbapi.in_transaction:
        return
    compiled = getattr(_context, "compiled", None)
    locking_read = getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
    if locking_read or _WRITE_RE.match(statement) \
            or (statement.lstrip()[:4].upper() == "WITH" and _CTE_WRITE_RE.search(statement)):
        dbapi.execute("BEGIN IMMEDIATE")


def _private_sqlite_file(name: str) -> None:
    """Create the database file 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
    database file's mode), and take group and other access away from one created before."""
    import os
    from pathlib import Path

    from yiwang.core.storage import private_dirs

    path = Path(name)
    private_dirs(path.parent)
    # Never open (and close) a descriptor on an existing database: closing any descriptor of a file drops every
    # POSIX lock this process holds on it, the locks SQLite's open connections (e.g. the main pool's, when a
    # second engine is made for the same file) rely on — and unlocked connections corrupt the database.
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
    for part in (path, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")):
        try:
            st = part.stat()
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                os.chmod(part, st.st_mode & 0o700)
        except FileNotFoundError:
            continue


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            _private_sqlite_file(url.removeprefix("sqlite:///"))
        # a writer waits this long for the write lock before SQLite gives up with "database is locked"
        busy_ms = max(0, int(get_settings().sqlite_busy_timeout_ms))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # the driver must not open transactions on its own (its implicit BEGIN is DEFERRED and it
            # ignores SAVEPOINT); _sqlite_begin_writer below decides when a transaction begins
            dbapi_conn.isolation_level = None

        event.listen(engine, "before_cursor_execute", _sqlite_begin_writer)
        _every_engine.add(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # hide_parameters: personal data in statement parameters never reaches the logs
    engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True)
    _ping_when_idle(engine)
    _every_engine.add(engine)
    return engine


IDLE_PING_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling that costs nothing on a busy server: a pooled connection is pinged
    before use only when it sat idle for more than ``IDLE_PING_SECONDS`` (a restarted database, a dropped
    connection), rather than before every request (``pool_pre_ping``: one extra round trip each time). A
    connection that fails the ping is replaced and the checkout retried."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned <= IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure means the connection is gone
            raise exc_module.DisconnectionError(str(exc).splitlines()[0] if str(exc) else "ping failed") from exc
        if not alive:
            raise exc_module.DisconnectionError("ping failed")


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    return engine


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False, autoflush=True)


@contextlib.contextmanager
def unit_of_work(make: Callable[[], Session]) -> Iterator[Session]:
    """A session from ``make`` that commits on success and rolls back on any error (requests and jobs alike)."""
    session = make()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextlib.contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work for a job or command: commit on success, roll back on error."""
    with unit_of_work(session_factory(engine)) as session:
        yield session


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether an error is SQLite's "database is locked" after the busy timeout ran out."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def close_pooled_connections() -> None:
    """Close every pooled connection, keeping the engines (a server process about to fork its workers)."""
    for engine in _engines.values():
        engine.dispose()


_every_engine: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    # a forked child must never use its parent's connections (one socket, two users): start with empty pools,
    # leaving the parent's connections to the parent
    for engine in list(_every_engine):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def companion_engine(engine: Engine) -> Engine:
    """A second engine (own connection pool) on the same database, for short steps that must commit on their
    own while the caller's session holds a connection of the main pool (rate counters). Separate pools mean a
    request never waits for a second connection of the pool its first one came from, so a full pool cannot
    deadlock."""
    url = engine.url.render_as_string(hide_password=False)
    key = f"companion:{url}"
    found = _engines.get(key)
    if found is None:
        found = _engines[key] = make_engine(url)
    return found


def pipelined_insert(session: Session, objects: list[Any], *, keep: tuple[Any, ...] = (),
                     after: list[tuple[str, tuple[Any, ...]]] | None = None) -> None:
    """PostgreSQL: INSERT new mapped objects (and any further statements) in one psycopg pipeline, one
    round trip for them all instead of one per object, inside the session's transaction.

    Each object's column values are taken as set, with the columns' scalar defaults filled in; a column left
    None that the database fills (a serial key) is left out. The rows are written as given: objects needing
    their key afterwards must carry it (taken beforehand from the sequence). Objects in ``keep`` become
    persistent in the session as if loaded (later changes to them flush as updates); the others stay
    transient, for building an answer from memory. Database errors surface as SQLAlchemy's."""
    from psycopg.types.json import Json
    from sqlalchemy.orm import make_transient_to_detached

    statements: list[tuple[str, tuple[Any, ...]]] = []
    for obj in objects:
        table = obj.__table__
        names, values = [], []
        for column in table.columns:
            if column.computed is not None or column.identity is not None:
                continue  # the database makes these (a generated column): left unloaded, read when first used
            value = obj.__dict__.get(column.key)
            if value is None and column.default is not None and column.default.is_scalar:
                value = column.default.arg
                setattr(obj, column.key, value)
            if value is None and (column.primary_key or column.server_default is not None or not column.nullable):
                continue
            if value is None and column.key not in obj.__dict__:
                setattr(obj, column.key, None)  # known to be NULL: no refresh when it is read
            if value is not None and isinstance(column.type, JSON):
                value = Json(value)
            elif isinstance(value, dt.datetime):
                if value.tzinfo is None:
                    raise ValueError(f"naive datetime given to {table.name}.{column.name}")
                value = value.astimezone(dt.UTC)
            names.append(f'"{column.name}"')
            values.append(value)
        statements.append((f'INSERT INTO "{table.name}" ({", ".join(names)}) '
                           f'VALUES ({", ".join(["%s"] * len(values))})', tuple(values)))
    statements += after or []
    run_pipeline(session, statements)
    for obj in keep:
        make_transient_to_detached(obj)
        session.add(obj)


def run_pipeline(session: Session, statements: list[tuple[str, Any]], *, many: frozenset[int] = frozenset(),
                 commit: bool = False) -> None:
    """PostgreSQL: send statements (SQL, parameters; ``many`` holds the positions whose parameters are a list
    of rows) in one psycopg pipeline inside the session's transaction — one round trip for them all — and,
    with ``commit``, the transaction's COMMIT in the same round trip. Errors surface as SQLAlchemy's."""
    raw = driver_connection(session)
    with driver_errors(statements[0][0] if statements else "COMMIT"), raw.pipeline(), raw.cursor() as cur:
        for position, (sql, params) in enumerate(statements):
            if position in many:
                cur.executemany(sql, params)
            else:
                cur.execute(sql, params)
        if commit:
            raw.commit()


def driver_connection(session: Session) -> Any:
    """The psycopg connection under the session's transaction (PostgreSQL hot paths use it directly)."""
    return session.connection().connection.driver_connection


@contextlib.contextmanager
def driver_errors(statement: str) -> Iterator[None]:
    """psycopg's errors raised in the block surface as SQLAlchemy's (IntegrityError, DataError, OperationalError …),
    which the API and the pages turn into answers, as they would from a statement sent through SQLAlchemy."""
    from psycopg import Error as DriverError
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DriverError as exc:
        raise DBAPIError.instance(statement, None, exc, DriverError) from exc  # type: ignore[arg-type]
