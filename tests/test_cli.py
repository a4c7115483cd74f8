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
