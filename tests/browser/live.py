"""A real deployment for the browser suite and ``make screenshots``: a fresh database (a scratch PostgreSQL
database when reachable, required with CI=true; SQLite otherwise), migrated and seeded exactly as ``make run``
does, served by ``yiwang serve`` with the embedded worker on a free loopback port; and Debian's chromium
driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import ROOT, free_port, stop_process

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "var" / "vendor" / "axe.min.js"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START_TIMEOUT = 90.0
PASSWORD = "Demo2026pass"


class Unavailable(Exception):
    """PostgreSQL is not reachable (the caller decides whether that skips or fails)."""


@dataclass
class Deployment:
    base: str
    env: dict[str, str]
    home: Path
    database: str
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.home / "serve.log"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "yiwang.cli", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=True, timeout=300)


def _pg_engine(url: str, **kw: Any) -> Any:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), **kw)


@contextmanager
def scratch_database(prefer_pg: bool = True) -> Iterator[str]:
    """A fresh database URL: a scratch PostgreSQL database (dropped afterwards) when reachable, else a
    SQLite file. With CI=true an unreachable PostgreSQL raises ``Unavailable``."""
    admin_url = os.environ.get("YIWANG_TEST_DATABASE_URL", PG_DEFAULT)
    admin = _pg_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
        reachable = prefer_pg
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        if IN_CI:
            raise Unavailable(f"PostgreSQL is required in CI but not reachable at {admin_url}: "
                              f"{str(exc).splitlines()[0]}") from exc
        reachable = False
    if not reachable:
        home = Path(tempfile.mkdtemp(prefix="yiwang-browser-db-"))
        try:
            yield f"sqlite:///{home / 'yiwang.db'}"
        finally:
            shutil.rmtree(home, ignore_errors=True)
        return
    name = f"yiwang_browser_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def serve_demo(database_url: str) -> Iterator[Deployment]:
    """Migrate and seed the demo into ``database_url`` and serve it until the block ends."""
    home = Path(tempfile.mkdtemp(prefix="yiwang-browser-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update(YIWANG_DATABASE_URL=database_url, YIWANG_VAR_DIR=str(home / "var"),
               YIWANG_DATA_DIR=str(home / "files"), YIWANG_PUBLIC_URL=base, YIWANG_EMBEDDED_WORKER="true",
               YIWANG_SEARCH_WARM_ON_START="false", YIWANG_SECRET_KEY="browser-suite-secret",
               YIWANG_PASSWORD_TIME_COST="1", YIWANG_PASSWORD_MEMORY_KIB="1024",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for key in ("YIWANG_FONT_CACHE_DIR", "YIWANG_TEST_DATABASE_URL"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.setdefault("YIWANG_FONT_CACHE_DIR", str(ROOT / "var" / "fonts"))
    dep = Deployment(base=base, env=env, home=home, database=database_url)
    dep.cli("db", "upgrade")
    dep.cli("demo", "seed")
    log = dep.log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}: {dep.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("server not ready in time")
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield dep
    finally:
        stop_process(proc, timeout=5)  # nothing to keep: the deployment is thrown away
        log.close()
        if os.environ.get("YIWANG_KEEP_BROWSER_DEPLOYMENT") != "1":
            shutil.rmtree(home, ignore_errors=True)


def launch_browser(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run `make browser-deps` (scripts/browser_deps.sh)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def login(context: Any, base: str, username: str, *, staff: bool) -> Any:
    """A page of ``context`` logged in as ``username`` through the login form."""
    page = context.new_page()
    page.goto(base + ("/staff/login" if staff else "/login"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button.primary")
    assert "/login" not in page.url, f"login as {username} failed: {page.locator('main').inner_text()[:300]}"
    return page


class Walk:
    """Steps of a walk through the pages that run in order and share ``state``: a step that fails skips the
    ones after it (call ``skip_after_failure`` from an autouse fixture, wrap each step in ``step``)."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}

    def skip_after_failure(self, test_name: str) -> None:
        import pytest

        failed = self.state.get("failed")
        if failed and failed != test_name:
            pytest.skip(f"an earlier step failed: {failed}")

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Mark the step failed unless it finishes."""
        self.state["failed"] = name
        yield
        self.state["failed"] = None
