from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from yiwang.cli import main
from yiwang.core.config import reset_settings


@pytest.fixture()
def cli_env(engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    yield CliRunner()
    monkeypatch.delenv("YIWANG_DATABASE_URL")
    reset_settings()


def test_staff_add_creates_unknown_department(cli_env, session) -> None:  # type: ignore[no-untyped-def]
    r = cli_env.invoke(main, ["staff", "add", "--login", "wang", "--password", "Secret2026x", "--name", "王五",
                              "--department", "县自然资源局", "--roles", "handler,approver"])
    assert r.exit_code == 0, r.output
    from yiwang.identity import service as identity

    actor = identity.authenticate(session, "wang", "Secret2026x")
    assert actor.department_name == "县自然资源局" and actor.roles == frozenset({"handler", "approver"})
    bad = cli_env.invoke(main, ["staff", "add", "--login", "li", "--password", "Secret2026x", "--name", "李",
                                "--department", "县自然资源局", "--roles", "wizard"])
    assert bad.exit_code == 2 and "未知角色" in bad.output


def test_calendar_import_command(cli_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True}]}), encoding="utf-8")
    r = cli_env.invoke(main, ["calendar", "import", str(path)])
    assert r.exit_code == 0 and "imported 2027" in r.output
    path.write_text("{}", encoding="utf-8")
    assert cli_env.invoke(main, ["calendar", "import", str(path)]).exit_code == 2


def test_db_upgrade_is_repeatable(cli_env) -> None:  # type: ignore[no-untyped-def]
    r = cli_env.invoke(main, ["db", "upgrade"])
    assert r.exit_code == 0 and "database at head" in r.output


def _free_port() -> int:
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this host")
def test_serve_on_ipv6_any_also_answers_ipv4(tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, YIWANG_DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    subprocess.run([sys.executable, "-m", "yiwang.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--host", "::", "--port", str(port),
                             "--no-embedded-worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        answered = set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(answered) < 2:
            for host in ("127.0.0.1", "[::1]"):
                try:
                    with urllib.request.urlopen(f"http://{host}:{port}/api/v1/workdays/deadline?start=2026-09-30&days=1",
                                                timeout=2) as resp:
                        if json.load(resp) == {"deadline": "2026-10-08"}:
                            answered.add(host)
                except OSError:
                    time.sleep(0.3)
        assert answered == {"127.0.0.1", "[::1]"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _searches_answered(port: int, path: str, times: int, seconds: float = 60) -> int:
    """How many of ``times`` searches on fresh connections (so every worker is reached) found something."""
    found = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and found < times:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
                body = json.load(resp)
                found += body["total"] >= 1 and bool(body["items"][0]["code"])
        except OSError:
            time.sleep(0.3)
    return found


def test_serve_with_workers_forks_them_from_a_preloaded_process(tmp_path: Path, engine, session) -> None:  # type: ignore[no-untyped-def]
    """``serve --workers 2`` builds the app and the catalog index once, then forks the workers: the index is
    loaded (and its snapshot written) before any worker starts, and both answer searches."""
    if engine.dialect.name != "sqlite":
        pytest.skip("one database kind is enough for the server's start-up")
    from tests.catalog import factories as cf

    url = f"sqlite:///{tmp_path}/s.db"
    env = dict(os.environ, YIWANG_DATABASE_URL=url, YIWANG_VAR_DIR=str(tmp_path / "var"),
               YIWANG_SEARCH_WARM_ON_START="true")
    subprocess.run([sys.executable, "-m", "yiwang.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
    from sqlalchemy.orm import Session

    from yiwang.core.db import make_engine

    own = make_engine(url)
    with Session(own) as s:
        code = cf.published(s, name="食品经营许可")
        s.commit()
    own.dispose()
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port), "--host",
                                 "127.0.0.1", "--workers", "2", "--embedded-worker"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        assert _searches_answered(port, "/api/v1/items?q=%E9%A3%9F%E5%93%81", times=12) == 12
        assert list((tmp_path / "var" / "search").glob("*.npz")), "the index was kept for the next start"
        # two workers and the embedded outbox worker, each a process of its own: the serving process runs no
        # thread that a later fork (a worker replaced) could catch holding a lock
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 3, children
        assert Path(f"/proc/{proc.pid}/status").read_text().count("Threads:\t1\n") == 1
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = log.read_text(encoding="utf-8", errors="replace")
    # the index was made once, by the serving process before the fork; no worker built or loaded it again
    assert text.count("search index built") == 1 and "search index loaded" not in text, text
    assert text.index("search index built") < text.index("Started server process"), text
    assert text.count("Started server process") == 2 and code
