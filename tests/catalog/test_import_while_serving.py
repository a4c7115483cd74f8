"""Issue 13, point 1: ``yiwang catalog import`` while ``yiwang serve`` runs on the embedded SQLite default.

A fresh SQLite deployment is served by a real ``yiwang serve`` process with its embedded outbox worker
(which delivers every ``catalog.item_published`` event the import emits). While the whole Guangdong
catalog is imported, client threads keep reading (search, guides) and writing (logins, which write tokens,
login records and audit records). The import must finish with every item imported and no traceback, and
no request may fail.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.common import ROOT, free_port, stop_process

SEED = ROOT / "yiwang" / "catalog" / "seed_data" / "guangdong.jsonl.gz"
pytestmark = pytest.mark.slow


def _cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "yiwang.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server not ready in time")


def test_import_while_serving_sqlite() -> None:
    home = Path(tempfile.mkdtemp(prefix="yiwang-import-live-"))
    db = home / "yiwang.db"
    env = dict(os.environ, YIWANG_DATABASE_URL=f"sqlite:///{db}", YIWANG_VAR_DIR=str(home / "var"),
               YIWANG_DATA_DIR=str(home / "files"), YIWANG_SEARCH_WARM_ON_START="false",
               YIWANG_EMBEDDED_WORKER="true", YIWANG_SEARCH_REFRESH_SECONDS="1")
    assert _cli(env, "db", "upgrade").returncode == 0
    added = _cli(env, "staff", "add", "--login", "clerk", "--password", "Clerk-pass-2026", "--name", "窗口人员",
                 "--department", "测试政务服务中心", "--roles", "window_clerk")
    assert added.returncode == 0, added.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = home / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port)], env=env,
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stop = threading.Event()
    failures: list[str] = []
    counts = {"read": 0, "write": 0}

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while not stop.is_set():
                for path in ("/api/v1/items?q=驾驶证", "/items?q=社保", "/api/v1/health"):
                    r = c.get(path)
                    if r.status_code != 200:
                        failures.append(f"GET {path}: {r.status_code} {r.text[:200]}")
                    counts["read"] += 1

    def writer() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while not stop.is_set():
                r = c.post("/api/v1/auth/login", json={"username": "clerk", "password": "Clerk-pass-2026"})
                if r.status_code != 200:
                    failures.append(f"login: {r.status_code} {r.text[:200]}")
                    time.sleep(0.5)
                counts["write"] += 1

    try:
        _wait_ready(base, proc, log)
        threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
        for t in threads:
            t.start()
        try:
            result = _cli(env, "catalog", "import", str(SEED))
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
    finally:
        stop_process(proc)
    served = log.read_text(errors="replace")
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "database is locked" not in served
    assert "Traceback" not in served, served[-3000:]
    assert not failures, failures[:5]
    assert counts["read"] > 0 and counts["write"] > 0
    with sqlite3.connect(db) as conn:
        items = conn.execute("SELECT count(*) FROM catalog_item").fetchone()[0]
        dead = conn.execute("SELECT count(*) FROM outbox_event WHERE status = 'dead'").fetchone()[0]
    assert items == 2262
    assert dead == 0


def test_lock_that_times_out_gives_a_message_and_the_import_resumes(tmp_path: Path) -> None:
    db = tmp_path / "yiwang.db"
    env = dict(os.environ, YIWANG_DATABASE_URL=f"sqlite:///{db}", YIWANG_VAR_DIR=str(tmp_path / "var"),
               YIWANG_DATA_DIR=str(tmp_path / "files"), YIWANG_SQLITE_BUSY_TIMEOUT_MS="300")
    assert _cli(env, "db", "upgrade").returncode == 0
    part = tmp_path / "part.jsonl"
    import gzip

    lines = gzip.open(SEED, "rt", encoding="utf-8").read().splitlines()
    part.write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    first = _cli(env, "catalog", "import", str(part))  # an earlier import that got this far
    assert first.returncode == 0, first.stderr
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process keeps the write lock
    try:
        locked = _cli(env, "catalog", "import", str(SEED))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.returncode == 3
    assert "Traceback" not in locked.stderr + locked.stdout
    assert "数据库正忙" in locked.stderr and "run the same command again" in locked.stderr
    resumed = _cli(env, "catalog", "import", str(SEED))
    assert resumed.returncode == 0, resumed.stderr
    assert "未变化 300" in resumed.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM catalog_item").fetchone()[0] == 2262
