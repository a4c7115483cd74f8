"""A fresh demo deployment served by ``yiwang serve`` over real HTTP, for black-box attack replays.

One SQLite deployment per test session (migrated and seeded exactly as ``make run`` does), served on a free
loopback port with the embedded outbox worker. Tests that use ``demo_server`` are slow: mark them so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.common import ROOT, free_port, stop_process

START_TIMEOUT = 90.0


@dataclass
class DemoServer:
    base: str
    env: dict[str, str]
    home: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``yiwang ARGS`` against this deployment's database and files."""
        return subprocess.run([sys.executable, "-m", "yiwang.cli", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=check, timeout=300)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, follow_redirects=False)


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    home = Path(tempfile.mkdtemp(prefix="yiwang-live-"))
    env = dict(os.environ,
               YIWANG_DATABASE_URL=f"sqlite:///{home / 'yiwang.db'}",
               YIWANG_VAR_DIR=str(home / "var"),
               YIWANG_DATA_DIR=str(home / "files"),
               YIWANG_SEARCH_WARM_ON_START="false",
               YIWANG_EMBEDDED_WORKER="true")
    server = DemoServer(base="", env=env, home=home)
    server.cli("db", "upgrade")
    server.cli("demo", "seed")
    port = free_port()
    server.base = f"http://127.0.0.1:{port}"
    log = (home / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}: {(home / 'serve.log').read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError("server not ready in time")
            try:
                if httpx.get(server.base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield server
    finally:
        stop_process(proc)
        log.close()
