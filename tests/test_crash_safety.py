"""Crash safety: applicants submit cases (and 一件事 applications, two cases each, all or none) while
``yiwang serve`` (2 web workers and the embedded outbox worker) is killed with SIGKILL mid-stream; after a restart on the same PostgreSQL database, every
submission that was acknowledged with 201 exists exactly once, every unacknowledged one can be retried and
then exists exactly once, each case carries its idempotency key, its audit record and its outbox event,
and the audit chain verifies.

Runs on its own scratch PostgreSQL database (created and dropped here); skipped when PostgreSQL is not
reachable, except with CI=true. Deselect with ``-m "not slow"``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bench.bench_cases import seed_world
from bench.common import ROOT, free_port
from yiwang.core import migrate
from yiwang.core.db import get_engine

pytestmark = pytest.mark.slow

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
CLIENTS = 6               # submitting threads, each its own applicant
ACKS_BEFORE_KILL = 40     # the kill comes only after this many 201s, so it always lands mid-stream
START_TIMEOUT = 90.0      # a cold server start on a busy 2-vCPU machine
LOAD_TIMEOUT = 60.0       # bound on reaching ACKS_BEFORE_KILL
REQUEST_TIMEOUT = 20.0
BUNDLE_CLIENTS = 2        # of the clients, these file 一件事 applications (two cases each, all or none)
BUNDLE = "CRASH-YJS"


def _engine(url: str, **kw: Any) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), **kw)


@pytest.fixture()
def crash_db() -> Iterator[str]:
    """A fresh migrated PostgreSQL database of this test's own, dropped afterwards. Only this database's
    engine is disposed: the suite's other engines stay as they are."""
    admin_url = os.environ.get("YIWANG_TEST_DATABASE_URL", PG_DEFAULT)
    admin = _engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        problem = str(exc).splitlines()[0]
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {admin_url}: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"yiwang_crash_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the server as a process group ----------------------------------------------------------------------

class Server:
    """``yiwang serve`` in its own session, so that SIGKILL to its group takes the supervisor, every web
    worker and the embedded outbox worker at once — as a power cut or the OOM killer would."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("wb")
        env = dict(os.environ, YIWANG_DATABASE_URL=url, YIWANG_SEARCH_WARM_ON_START="false")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(self.port), "--workers", "2",
             "--embedded-worker"], env=env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready within {timeout:.0f} s:\n{self.tail()}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def kill(self, on_signal: Callable[[], None] = lambda: None) -> None:
        """SIGKILL the whole process group and wait until no member is left."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        on_signal()  # e.g. the clients stop starting requests: the server is gone
        try:
            self.proc.wait(timeout=15)
        finally:
            self._log.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)  # orphaned web workers linger until init has reaped them
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.1)

    def tail(self, lines: int = 40) -> str:
        if not self._log.closed:
            self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- the applicants -------------------------------------------------------------------------------------

@dataclass
class Load:
    """What the clients saw: per idempotency key, the applicant (token, files) and the outcome."""

    people: list[tuple[str, list[str]]]
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempted: dict[str, int] = field(default_factory=dict)       # key -> applicant index
    acked: dict[str, str] = field(default_factory=dict)           # key -> case_no (201)
    rejected: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> non-201 HTTP answer
    cut: dict[str, str] = field(default_factory=dict)             # key -> transport error (no answer)
    in_flight: list[bool] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _body(files: list[str]) -> dict[str, Any]:
    return {"item_code": "BENCH-ITEM-0001",
            "form": {"contact_name": "张三", "contact_phone": "13800138000", "description": "崩溃测试"},
            "materials": [{"name": "申请书", "file_id": files[0]}, {"name": "身份证明", "file_id": files[1]}]}


def _bundle_body(files: list[str]) -> dict[str, Any]:
    """A 一件事 application of both items: one form and each material once, for two cases."""
    return {"bundle_code": BUNDLE, "form": {"contact_name": "张三", "contact_phone": "13800138000",
                                            "description": "崩溃测试"},
            "materials": [{"name": "申请书", "file_id": files[0]}, {"name": "身份证明", "file_id": files[1]}]}


def _post(client: httpx.Client, person: tuple[str, list[str]], key: str, k: int) -> httpx.Response:
    """Clients below BUNDLE_CLIENTS file 一件事 applications, the others single cases."""
    token, files = person
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    if k < BUNDLE_CLIENTS:
        return client.post("/api/v1/bundle-applications", json=_bundle_body(files), headers=headers)
    return client.post("/api/v1/cases", json=_body(files), headers=headers)


def _number(r: httpx.Response) -> str:
    body = r.json()
    return body.get("application_no") or body["case_no"]


def _seed_bundle(url: str) -> None:
    """A second item of the seeded department asking for the same two materials, and a bundle of both."""
    from yiwang.catalog import bundles as bundle_catalog
    from yiwang.catalog import service as catalog
    from yiwang.catalog.schemas import ItemIn
    from yiwang.core.db import session_scope
    from yiwang.core.permissions import SYSTEM

    with session_scope(get_engine(url)) as s:
        first = catalog.get_guide(s, "BENCH-ITEM-0001")
        catalog.import_record(s, SYSTEM, ItemIn.model_validate({
            "code": "BENCH-ITEM-0002", "name": "基准测试许可（二）", "department": first.department,
            "region_code": "440104", "item_type": "01", "promised_limit": {"value": 10, "unit": "working_day"},
            "consult_phone": "020-1", "complaint_phone": "020-2",
            "materials": [{"name": "申请书", "required": True}, {"name": "身份证明", "required": True}]}),
            publish=True)
        bundle_catalog.import_bundle(s, SYSTEM, bundle_catalog.BundleIn.model_validate(
            {"kind": "bundle", "code": BUNDLE, "name": "崩溃测试一件事", "items": ["BENCH-ITEM-0001",
                                                                             "BENCH-ITEM-0002"],
             "audience": "person"}))


def _submitter(base: str, load: Load, k: int) -> None:
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        n = 0
        while not load.stop.is_set():
            key = f"crash-{k}-{n}-{uuid.uuid4().hex[:8]}"
            n += 1
            with load.lock:
                load.attempted[key] = k
            load.in_flight[k] = True
            try:
                r = _post(client, load.people[k], key, k)
            except httpx.TransportError as exc:
                with load.lock:
                    load.cut[key] = type(exc).__name__
                continue
            finally:
                load.in_flight[k] = False
            with load.lock:
                if r.status_code == 201:
                    load.acked[key] = _number(r)
                else:
                    load.rejected[key] = (r.status_code, r.text[:200])


# --- the database as it is after the crash --------------------------------------------------------------

def _snapshot(url: str) -> dict[str, Any]:
    eng = _engine(url, isolation_level="REPEATABLE READ")  # the four reads see one moment
    try:
        with eng.connect() as conn:
            cases = dict(conn.execute(text("SELECT id, case_no FROM cases WHERE bundle_application_id IS NULL")).all())
            keys = conn.execute(text("SELECT key, case_id FROM case_submission_key")).all()
            bundle_cases = conn.execute(text("SELECT bundle_application_id, case_no FROM cases "
                                             "WHERE bundle_application_id IS NOT NULL")).all()
            apps = dict(conn.execute(text("SELECT id, application_no FROM bundle_application")).all())
            app_keys = conn.execute(text("SELECT key, application_id FROM bundle_submission_key")).all()
            events = conn.execute(text("SELECT payload, status FROM outbox_event WHERE topic = 'case.submitted'")).all()
            audits = conn.execute(text("SELECT object_id FROM audit_record WHERE action = 'case.submit'")).scalars().all()
    finally:
        eng.dispose()
    submitted: dict[str, list[str]] = {}
    for payload, status in events:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        submitted.setdefault(data["case_no"], []).append(status)
    key_cases: dict[str, list[int]] = {}
    for key, case_id in keys:
        key_cases.setdefault(key, []).append(case_id)
    per_app: dict[int, list[str]] = {}
    for app_id, case_no in bundle_cases:
        per_app.setdefault(app_id, []).append(case_no)
    # an application's key points at its application id; answers carry application numbers, so key → number
    for key, app_id in app_keys:
        key_cases.setdefault(key, []).append(-app_id)
    cases.update({-app_id: no for app_id, no in apps.items()})
    return {"cases": cases, "keys": key_cases, "events": submitted, "audits": list(audits), "apps": apps,
            "bundle_cases": per_app}


def _check_consistent(snap: dict[str, Any]) -> None:
    """Every case (and every 一件事 application: its id negated) has exactly one idempotency key; every case, one
    audit record and one ``case.submitted`` event; every application, all its cases and no other."""
    cases, keys = snap["cases"], snap["keys"]
    keyed = [cid for ids in keys.values() for cid in ids]
    assert sorted(keyed) == sorted(cases), "a case without its submission key, or a key without its case"
    assert all(len(ids) == 1 for ids in keys.values())
    assert set(snap["bundle_cases"]) == set(snap["apps"]), "an application without cases, or cases without one"
    assert all(len(nos) == 2 for nos in snap["bundle_cases"].values()), "an application filed only in part"
    numbers = sorted([no for cid, no in cases.items() if cid > 0]
                     + [no for nos in snap["bundle_cases"].values() for no in nos])
    assert sorted(snap["audits"]) == numbers, "each case has exactly one case.submit audit record"
    assert sorted(snap["events"]) == numbers and all(len(v) == 1 for v in snap["events"].values()), \
        "each case has exactly one case.submitted outbox event"


def _audit_verify(url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, YIWANG_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "yiwang.cli", "audit", "verify"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_sigkill_mid_stream_loses_and_doubles_nothing(crash_db: str, tmp_path: Path) -> None:
    url = crash_db
    t0 = time.monotonic()
    world = seed_world(url, applicants=CLIENTS)
    _seed_bundle(url)
    seeded = time.monotonic()
    load = Load(people=world["people"], in_flight=[False] * CLIENTS)  # type: ignore[arg-type]

    server = Server(url, tmp_path / "serve-1.log")
    threads: list[threading.Thread] = []
    try:
        server.wait_ready()
        started = time.monotonic()
        threads = [threading.Thread(target=_submitter, args=(server.base, load, k), daemon=True)
                   for k in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + LOAD_TIMEOUT
        while len(load.acked) < ACKS_BEFORE_KILL:
            assert time.monotonic() < deadline, \
                f"only {len(load.acked)} submissions acknowledged in {LOAD_TIMEOUT:.0f} s:\n{server.tail()}"
            assert not load.rejected, f"server refused submissions under load: {load.rejected}"
            time.sleep(0.01)
        in_flight_at_kill = sum(load.in_flight)
        killed = time.monotonic()
        server.kill(on_signal=load.stop.set)  # no new request starts once the server is gone
    finally:
        load.stop.set()
        if server.proc.poll() is None:
            server.kill()
        for t in threads:
            t.join(timeout=REQUEST_TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a client thread hung after the kill"

    acked, unacked = dict(load.acked), [k for k in load.attempted if k not in load.acked]
    assert not load.rejected, f"server answered with errors: {load.rejected}"
    assert set(load.cut) == set(unacked)
    assert load.cut, "the kill did not land while requests were in flight"

    # straight after the crash, before any retry: nothing acknowledged is missing, nothing is doubled
    snap = _snapshot(url)
    _check_consistent(snap)
    by_id = snap["cases"]
    for key, case_no in acked.items():
        assert key in snap["keys"], f"acknowledged submission {key} ({case_no}) lost in the crash"
        assert by_id[snap["keys"][key][0]] == case_no
    filed = set(snap["events"])
    for key, number in acked.items():
        app_id = -snap["keys"][key][0] if snap["keys"][key][0] < 0 else None
        numbers = snap["bundle_cases"][app_id] if app_id is not None else [number]
        assert set(numbers) <= filed, f"an acknowledged case of {number} without its outbox event"
    committed_unacked = [k for k in unacked if k in snap["keys"]]
    assert set(snap["keys"]) <= set(load.attempted), "a case under a key that nobody sent"

    restarted = Server(url, tmp_path / "serve-2.log")
    try:
        restarted.wait_ready()
        restarted_at = time.monotonic()
        with httpx.Client(base_url=restarted.base, timeout=REQUEST_TIMEOUT) as client:
            # the client's retry of an acknowledged submission answers the same case and files nothing new
            for key, case_no in acked.items():
                k = load.attempted[key]
                r = _post(client, load.people[k], key, k)
                assert r.status_code == 201 and _number(r) == case_no, (key, r.status_code, r.text[:200])
            assert len(_snapshot(url)["cases"]) == len(snap["cases"])
            # the retry of an unacknowledged one files it at most once, however often it is repeated
            retried: dict[str, str] = {}
            for key in unacked:
                k = load.attempted[key]
                answers = [_post(client, load.people[k], key, k) for _ in range(2)]
                assert {a.status_code for a in answers} == {201}, [a.text[:200] for a in answers]
                numbers = {_number(a) for a in answers}
                assert len(numbers) == 1, (key, numbers)
                retried[key] = numbers.pop()
                if key in committed_unacked:
                    assert by_id[snap["keys"][key][0]] == retried[key], "the retry filed a second case"

            # the embedded worker of the new server picks up what the killed one left pending
            deadline = time.monotonic() + 30
            while True:
                final = _snapshot(url)
                pending = [n for n, st in final["events"].items() if st != ["done"] and st != ["running"]]
                if not pending or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
    finally:
        restarted.kill()

    _check_consistent(final)
    assert set(final["keys"]) == set(load.attempted)
    assert len(final["cases"]) == len(load.attempted)
    assert {final["cases"][final["keys"][k][0]] for k in acked} == set(acked.values())
    assert not pending, f"outbox events not delivered after the restart: {pending[:5]}\n{restarted.tail()}"

    verified = _audit_verify(url)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr

    print(f"\ncrash: {len(acked)} acknowledged, {in_flight_at_kill} in flight at the kill, "
          f"{len(load.cut)} cut off ({sorted(set(load.cut.values()))}), "
          f"{len(committed_unacked)} committed but unacknowledged; after retries {len(final['cases'])} filings "
          f"({len(final['apps'])} of them 一件事 applications of 2 cases); "
          f"{sum(st == ['running'] for st in final['events'].values())} events still leased by the killed worker; "
          f"seed {seeded - t0:.1f} s, start {started - seeded:.1f} s, load {killed - started:.1f} s, "
          f"restart {restarted_at - killed:.1f} s, checks {time.monotonic() - restarted_at:.1f} s")
