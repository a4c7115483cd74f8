"""Shared benchmark helpers: throwaway PostgreSQL databases, a served instance, latency statistics."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("YIWANG_BENCH_DATABASE_URL",
                          os.environ.get("YIWANG_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    from yiwang.core import migrate
    from yiwang.core.db import dispose_engines

    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(url: str, workers: int = 2, ready_path: str = "/api/v1/health",
           env: dict[str, str] | None = None) -> Iterator[str]:
    """`yiwang serve` on a free port against ``url``; yields the base URL. The PDF font is cut before the
    server starts (once per machine), so that no worker spends the measured seconds doing it."""
    from yiwang.core import fonts

    fonts.static_font_path()
    port = free_port()
    env = dict(os.environ, YIWANG_DATABASE_URL=url, YIWANG_EMBEDDED_WORKER="false", **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port), "--workers",
                             str(workers), "--no-embedded-worker"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a server building its search index first
        while True:
            try:
                with urllib.request.urlopen(base + ready_path, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:  # type: ignore[type-arg]
    """Stop a server started with Popen: SIGTERM, then SIGKILL if it has not exited within ``timeout``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"p50": pick(50), "p95": pick(95), "p99": pick(99), "mean": statistics.fmean(ordered),
            "n": float(len(ordered))}


RESULT_PREFIX = "RESULT\t"


def result(measure: str, value: float, unit: str, baseline: str, baseline_value: float, *,
           target: str = "", met: bool | None = None, higher_is_better: bool = True) -> None:
    """Print one headline figure for the summary table `make bench` writes (a tab-prefixed JSON line that the
    runner collects and removes from the raw output)."""
    import json

    ratio = value / baseline_value if baseline_value else float("nan")
    print(RESULT_PREFIX + json.dumps({"measure": measure, "value": value, "unit": unit, "baseline": baseline,
                                      "baseline_value": baseline_value, "ratio": ratio, "target": target,
                                      "met": met, "higher_is_better": higher_is_better}, ensure_ascii=False))
