"""Test harness: every test that asks for ``engine`` runs on SQLite and on PostgreSQL.

PostgreSQL comes from YIWANG_TEST_DATABASE_URL or 127.0.0.1:5432 when reachable; each run creates
its own database and drops it afterwards. With CI=true a missing PostgreSQL fails the run instead
of skipping those tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

TMP = Path(os.environ.get("YIWANG_TEST_TMP", "/tmp")) / f"yiwang-test-{os.getpid()}"
os.environ.setdefault("YIWANG_SECRET_KEY", "test-secret-key")
os.environ["YIWANG_DATA_DIR"] = str(TMP / "files")
os.environ["YIWANG_VAR_DIR"] = str(TMP / "var")
# the PDF font is cut once per machine (about 40 s): share the checkout's cache rather than cut it per run
os.environ.setdefault("YIWANG_FONT_CACHE_DIR", str(Path(__file__).resolve().parent.parent / "var" / "fonts"))
os.environ["YIWANG_PASSWORD_TIME_COST"] = "1"
os.environ["YIWANG_PASSWORD_MEMORY_KIB"] = "1024"
os.environ["YIWANG_EMBEDDED_WORKER"] = "false"
os.environ["YIWANG_SEARCH_REFRESH_SECONDS"] = "0"
os.environ["YIWANG_CACHE_SECONDS"] = "0"
os.environ["YIWANG_SEARCH_WARM_ON_START"] = "false"

from yiwang.core import migrate  # noqa: E402
from yiwang.core.config import reset_settings  # noqa: E402
from yiwang.core.db import Base, dispose_engines, get_engine, session_factory  # noqa: E402

reset_settings()

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_admin_url() -> str:
    return os.environ.get("YIWANG_TEST_DATABASE_URL", PG_DEFAULT)


def _pg_reachable(url: str) -> str | None:
    try:
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                            connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    admin = _pg_admin_url()
    problem = _pg_reachable(admin)
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {admin}: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"yiwang_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://", 1),
                                 isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    yield url
    dispose_engines()
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url() -> str:
    TMP.mkdir(parents=True, exist_ok=True)
    path = TMP / f"test-{uuid.uuid4().hex[:6]}.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_engine(request: pytest.FixtureRequest) -> Engine:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    migrate.upgrade(url)
    return get_engine(url)


def _wipe(engine: Engine) -> None:
    """Empty every table a test wrote to, children first, and restart PostgreSQL's id sequences (as a fresh
    database would number). Only the tables holding rows are touched: a TRUNCATE of all 74 tables took ~450 ms
    per test on PostgreSQL (a new file per table), this takes a few."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
        filled = set(conn.scalars(text(probe)))
        for t in tables:
            if t in filled:
                conn.execute(text(f'DELETE FROM "{t}"'))
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                              "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    from yiwang.core import calendar
    from yiwang.hotline import knowledge as hotline_knowledge
    from yiwang.hotline import service as hotline
    from yiwang.identity import actor_cache

    calendar.invalidate_cache()
    hotline.invalidate()  # routers and indexes built from the wiped rows
    hotline_knowledge.reset()
    actor_cache.reset()  # labels such as person:1 name other accounts once the sequences restart
    migrate.seed_reference(engine)


@pytest.fixture()
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """A migrated database with reference data only (wiped after each test)."""
    yield migrated_engine
    _wipe(migrated_engine)


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    s = session_factory(engine)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture()
def app(engine: Engine):  # type: ignore[no-untyped-def]
    from yiwang.app import create_app

    return create_app(engine)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit windows live in the process: each test starts with empty ones (those in the database are
    wiped with the other tables)."""
    from yiwang.api import metrics as metrics_api
    from yiwang.licenses import service as licenses

    licenses.VERIFICATIONS._hits.clear()
    metrics_api._public_reads._hits.clear()
    yield


@pytest.fixture()
def api_docs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The OpenAPI document is served only when YIWANG_API_DOCS is on (off by default)."""
    monkeypatch.setenv("YIWANG_API_DOCS", "true")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()
