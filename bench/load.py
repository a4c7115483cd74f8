"""Load test: locust against ``yiwang serve --workers 4`` on PostgreSQL, seeded with the demo (the real
Guangdong catalog, ~1,900 published items) plus registered applicants, driven by a weighted mix of
visitors (guide pages and searches), applicants (upload + submit the food-business permit) and handlers
(their queue, then 受理). Prints a Markdown table and writes docs/load.md.

Usage: python -m bench.load [--users 50] [--spawn-rate 5] [--settle 15] [--seconds 60] [--workers 4] [--out docs/load.md]
       (`make load` installs locust and runs this)

The same file is the locustfile: when locust imports it (``locust -f bench/load.py``) it defines the user
classes, reading the seeded world from the JSON file named by YIWANG_LOAD_WORLD.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo2026pass"  # noqa: S105 - the demo password, printed by `yiwang demo seed`
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FOOD_ITEM_NAME = "食品经营许可（新办）"
APPLICATION_LETTER = "食品经营许可申请书"  # uploaded anew with every application
KEPT_MATERIALS = ["营业执照", "法定代表人（负责人）身份证明", "与食品经营相适应的主要设备设施布局、操作流程等文件",
                  "食品安全自查、从业人员健康管理等食品安全管理制度"]  # uploaded once per applicant, reused
APPLICANTS = 30

# request names: one row each in the table, in this order
GUIDE = "GET /items/{code} (guide page)"
SEARCH_API = "GET /api/v1/items?q= (search API)"
SEARCH_PAGE = "GET /items?q= (search page)"
LOGIN = "POST /api/v1/auth/login"
UPLOAD = "POST /api/v1/files (upload)"
SUBMIT = "POST /api/v1/cases (submit)"
MY_CASES = "GET /api/v1/cases (applicant's own)"
QUEUE = "GET /api/v1/cases?status=submitted (handler queue)"
CASE = "GET /api/v1/cases/{no} (handler opens)"
ACCEPT = "POST /api/v1/cases/{no}/actions accept"
ORDER = [GUIDE, SEARCH_API, SEARCH_PAGE, UPLOAD, SUBMIT, MY_CASES, QUEUE, CASE, ACCEPT, LOGIN]


def _multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# --- the users (defined only when locust loads this file) -------------------------------------------------

if "locust" in sys.modules:
    import itertools

    import gevent
    from locust import FastHttpUser, between, events, task

    WORLD: dict[str, Any] = json.loads(Path(os.environ["YIWANG_LOAD_WORLD"]).read_text(encoding="utf-8"))
    _applicants = itertools.cycle(WORLD["applicants"])
    _handler_slots = itertools.count()
    TALLY = {"started": 0, "acknowledged": 0}  # submissions over the whole run, to check against the database

    @events.init.add_listener
    def _measured_window(environment: Any, **_kw: Any) -> None:
        """Once every user is spawned, let the logins and first uploads settle, reset the statistics, tell the
        harness (the marker file) and stop after exactly ``seconds``: the table is steady state only."""

        def window() -> None:
            gevent.sleep(WORLD["settle"])
            environment.runner.stats.reset_all()
            Path(WORLD["marker"]).write_text(str(time.time()), encoding="utf-8")
            gevent.sleep(WORLD["seconds"])
            environment.runner.quit()
            Path(WORLD["tally"]).write_text(json.dumps(TALLY), encoding="utf-8")

        environment.events.spawning_complete.add_listener(lambda **_kw: gevent.spawn(window))

    def _login(user: FastHttpUser, username: str) -> dict[str, str]:
        r = user.client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD}, name=LOGIN)
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    class Visitor(FastHttpUser):
        """Anyone on the portal: reads guides and searches, without logging in."""

        weight = 6
        wait_time = between(0.2, 1.0)

        @task(5)
        def guide(self) -> None:
            self.client.get(f"/items/{random.choice(WORLD['codes'])}", name=GUIDE)

        @task(3)
        def search_api(self) -> None:
            self.client.get(f"/api/v1/items?q={quote(random.choice(WORLD['queries']))}", name=SEARCH_API)

        @task(2)
        def search_page(self) -> None:
            self.client.get(f"/items?q={quote(random.choice(WORLD['queries']))}", name=SEARCH_PAGE)

    class Applicant(FastHttpUser):
        """A registered person applying for the food-business permit: one fresh upload (the signed
        application letter) and the submission per application; the other materials were uploaded once."""

        weight = 3
        wait_time = between(0.5, 2.0)

        def on_start(self) -> None:
            self.auth = _login(self, next(_applicants))
            self.kept = {name: self._upload(name) for name in KEPT_MATERIALS}

        def _upload(self, name: str) -> str:
            body, ctype = _multipart(f"{name}.pdf", PDF + uuid.uuid4().bytes)
            r = self.client.post("/api/v1/files", data=body, headers={**self.auth, "Content-Type": ctype},
                                 name=UPLOAD)
            return str(r.json()["file_id"])

        @task(3)
        def apply(self) -> None:
            letter = self._upload(APPLICATION_LETTER)
            materials = [{"name": APPLICATION_LETTER, "file_id": letter}] + [
                {"name": name, "file_id": fid} for name, fid in self.kept.items()]
            form = dict(WORLD["form"], business_name=f"越秀区{random.randint(1, 99999)}号小吃店")
            TALLY["started"] += 1
            r = self.client.post("/api/v1/cases", json={"item_code": WORLD["food_item"], "form": form,
                                                        "materials": materials},
                                 headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex}, name=SUBMIT)
            TALLY["acknowledged"] += r.status_code == 201

        @task(1)
        def my_cases(self) -> None:
            self.client.get("/api/v1/cases?limit=10", headers=self.auth, name=MY_CASES)

    class Handler(FastHttpUser):
        """The market-regulation 承办人: looks at the submitted cases, opens one and accepts it. Two of them
        share the queue by case number parity, so that they never race for the same case."""

        fixed_count = 2
        wait_time = between(0.5, 1.5)

        def on_start(self) -> None:
            self.auth = _login(self, "handler")
            self.slot = next(_handler_slots) % 2
            self.queue: list[str] = []

        @task(2)
        def look_at_queue(self) -> None:
            r = self.client.get("/api/v1/cases?status=submitted&limit=50", headers=self.auth, name=QUEUE)
            if r.status_code == 200:
                self.queue = [c["case_no"] for c in r.json()["items"]
                              if int(c["case_no"][-1]) % 2 == self.slot]

        @task(3)
        def accept_one(self) -> None:
            if not self.queue:
                return
            no = self.queue.pop(0)
            self.client.get(f"/api/v1/cases/{no}", headers=self.auth, name=CASE)
            self.client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept", "comment": "材料齐全，予以受理"},
                             headers=self.auth, name=ACCEPT)


# --- the harness -----------------------------------------------------------------------------------------

def _queries() -> list[str]:
    with (ROOT / "bench" / "data" / "search_queries.tsv").open(encoding="utf-8") as f:
        return [row["query"] for row in csv.DictReader(f, delimiter="\t") if row["query"].strip()]


def seed(url: str, env: dict[str, str]) -> dict[str, Any]:
    """The demo (`yiwang demo seed`), more applicants, and the facts the users need."""
    from sqlalchemy import text

    from yiwang.core.db import get_engine, session_scope
    from yiwang.demo import FOOD_FORM, make_id_number
    from yiwang.identity import service as identity

    subprocess.run([sys.executable, "-m", "yiwang.cli", "demo", "seed"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    engine = get_engine(url)
    applicants = []
    with session_scope(engine) as s:
        for i in range(APPLICANTS):
            number = make_id_number(f"44010419850415{i:03d}")
            identity.register_person(s, name=f"申请人{i:02d}", id_number=number, phone=f"137{i:08d}",
                                     password=PASSWORD)
            applicants.append(number)
    with engine.connect() as conn:
        codes = list(conn.execute(text("SELECT code FROM catalog_item WHERE published_version_id IS NOT NULL "
                                       "ORDER BY code")).scalars())
        food = conn.execute(text("SELECT i.code FROM catalog_item i JOIN catalog_item_version v "
                                 "ON v.id = i.published_version_id WHERE v.name = :n"), {"n": FOOD_ITEM_NAME}).scalar_one()
    return {"codes": codes, "queries": _queries(), "food_item": food, "form": FOOD_FORM,
            "applicants": applicants}


@contextlib.contextmanager
def serving(url: str, workers: int, env: dict[str, str], log: Path,
            queries: list[str]) -> Iterator[tuple[str, int]]:
    """`yiwang serve --workers N` (embedded outbox worker on, as a single machine runs it) in its own process
    group; yields (base URL, process group id) once every worker's search index is warm."""
    from bench.common import free_port

    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port), "--workers",
                                 str(workers)], env=dict(env, YIWANG_DATABASE_URL=url), cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, proc)
            pending = _drain_outbox(url)
            _warm(base, queries)
            print(f"server up at {base}; delivered the {pending} outbox events the seed left pending; warmed up",
                  flush=True)
            yield base, proc.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _drain_outbox(url: str, timeout: float = 300) -> int:
    """Wait until the embedded worker has delivered the seed's events (one per published item): the run should
    measure requests, not the worker catching up. Returns how many were pending at first."""
    from sqlalchemy import text

    from yiwang.core.db import get_engine

    first = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with get_engine(url).connect() as conn:
            pending = conn.execute(text("SELECT count(*) FROM outbox_event WHERE status = 'pending'")).scalar_one()
        first = pending if first is None else first
        if pending == 0:
            break
        time.sleep(1)
    return first or 0


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start (exit {proc.poll()})")
        try:
            if httpx.get(base + "/api/v1/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)


def _warm(base: str, queries: list[str]) -> None:
    """Search and render every query twice from 8 threads over fresh connections (so that every worker gets its
    share): each worker loads its search index, segmenter and pinyin tables and compiles its templates on its
    first requests."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    def one(q: str) -> float:
        t0 = time.perf_counter()
        httpx.get(base + "/api/v1/items", params={"q": q}, timeout=120)
        httpx.get(base + "/items", params={"q": q}, timeout=120)
        return time.perf_counter() - t0

    with ThreadPoolExecutor(8) as pool:
        for _ in range(2):  # ~150 requests per worker: every worker has been through its first-time loads
            list(pool.map(one, queries))


# --- CPU accounting, for an honest reading on a shared 2-vCPU machine --------------------------------------

def _cpu_by_group(server_pgid: int, locust_pgid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, this database's PostgreSQL backends and locust."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "postgres": 0.0, "locust": 0.0}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        pgrp, cpu = int(fields[2]), (int(fields[11]) + int(fields[12])) / tick
        if pgrp == server_pgid:
            used["server"] += cpu
        elif pgrp == locust_pgid:
            used["locust"] += cpu
        elif cmd.startswith("postgres:") and f" {database} " in cmd:
            used["postgres"] += cpu
    return used


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8])
    return (total - values[3] - values[4]) / tick, total / tick


# --- the run ---------------------------------------------------------------------------------------------

def run_locust(base: str, world_path: Path, marker: Path, users: int, spawn_rate: int, seconds: int,
               settle: int, csv_prefix: Path, sample: Callable[[int], None]) -> None:
    """Run locust headless. It stops by itself ``seconds`` after the measured window opens (see
    ``_measured_window``); ``sample(locust_pgid)`` is called when the window opens and then every second
    until locust exits (its CPU time can only be read while it runs)."""
    limit = -(-users // spawn_rate) + settle + seconds + 60
    cmd = [str(Path(sys.executable).parent / "locust"), "-f", str(Path(__file__).resolve()), "--headless",
           "-u", str(users), "-r", str(spawn_rate), "-t", f"{limit}s", "--csv", str(csv_prefix), "--host", base,
           "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"]
    proc = subprocess.Popen(cmd, env=dict(os.environ, YIWANG_LOAD_WORLD=str(world_path)), cwd=ROOT,
                            start_new_session=True)
    deadline = time.monotonic() + limit + 30
    try:
        while not marker.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"locust ended before its measured window began (exit {proc.poll()})")
            time.sleep(0.1)
        while proc.poll() is None:
            sample(proc.pid)
            if time.monotonic() > deadline:
                raise RuntimeError("locust did not stop")
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc.returncode not in (0, 1):  # 1: some requests failed, which the table reports
        raise RuntimeError(f"locust exited with {proc.returncode}")


def read_stats(csv_prefix: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as f:
        stats = list(csv.DictReader(f))
    failures_path = Path(f"{csv_prefix}_failures.csv")
    failures = list(csv.DictReader(failures_path.open(encoding="utf-8"))) if failures_path.exists() else []
    return stats, failures


def idle_latencies(base: str, world: dict[str, Any], n: int = 20) -> dict[str, list[float]]:
    """The baseline, measured in the same run: each request type alone, one client, one request at a time,
    against the warmed server just before the load starts."""
    import httpx

    out: dict[str, list[float]] = {}

    def timed(name: str, send: Callable[[], httpx.Response]) -> httpx.Response:
        t0 = time.perf_counter()
        r = send()
        out.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        return r

    rng = random.Random(7)
    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(n):
            timed(GUIDE, lambda: c.get(f"/items/{rng.choice(world['codes'])}"))
            timed(SEARCH_API, lambda: c.get("/api/v1/items", params={"q": rng.choice(world["queries"])}))
            timed(SEARCH_PAGE, lambda: c.get("/items", params={"q": rng.choice(world["queries"])}))
        auths = []
        for who in (world["applicants"][0], "handler"):
            r = timed(LOGIN, lambda who=who: c.post("/api/v1/auth/login", json={"username": who, "password": PASSWORD}))
            auths.append({"Authorization": f"Bearer {r.json()['access_token']}"})
        person, staff = auths

        def upload(name: str) -> str:
            body, ctype = _multipart(f"{name}.pdf", PDF + uuid.uuid4().bytes)
            r = timed(UPLOAD, lambda: c.post("/api/v1/files", content=body, headers={**person, "Content-Type": ctype}))
            return str(r.json()["file_id"])

        kept = [{"name": name, "file_id": upload(name)} for name in KEPT_MATERIALS]
        numbers = []
        for i in range(n):
            materials = [{"name": APPLICATION_LETTER, "file_id": upload(APPLICATION_LETTER)}, *kept]
            body = {"item_code": world["food_item"], "form": dict(world["form"], business_name=f"基线{i}号小吃店"),
                    "materials": materials}
            r = timed(SUBMIT, lambda body=body: c.post("/api/v1/cases", json=body,
                                                       headers={**person, "Idempotency-Key": uuid.uuid4().hex}))
            numbers.append(r.json()["case_no"])
            timed(MY_CASES, lambda: c.get("/api/v1/cases", params={"limit": 10}, headers=person))
        for no in numbers:
            timed(QUEUE, lambda: c.get("/api/v1/cases", params={"status": "submitted", "limit": 50}, headers=staff))
            timed(CASE, lambda no=no: c.get(f"/api/v1/cases/{no}", headers=staff))
            timed(ACCEPT, lambda no=no: c.post(f"/api/v1/cases/{no}/actions", headers=staff,
                                               json={"action": "accept", "comment": "材料齐全，予以受理"}))
    return out


def table(stats: list[dict[str, str]], idle: dict[str, list[float]]) -> str:
    from bench.common import percentiles

    rows = {r["Name"]: r for r in stats}
    lines = ["| request type | requests | req/s | p50 ms | p95 ms | p99 ms | failures | alone: p50 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]

    def line(label: str, r: dict[str, str], alone: str) -> str:
        return (f"| {label} | {int(r['Request Count']):,} | {float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} "
                f"| {r['99%']} | {int(r['Failure Count'])} | {alone} |")

    for name in ORDER:
        if name in rows and int(rows[name]["Request Count"]) > 0:
            alone = f"{percentiles(idle[name])['p50']:.1f}" if idle.get(name) else "–"
            lines.append(line(name, rows[name], alone))
    if "Aggregated" in rows:
        lines.append(line("**all requests**", rows["Aggregated"], "–"))
    return "\n".join(lines)


def outcome(url: str) -> dict[str, Any]:
    from sqlalchemy import text

    from yiwang.core.db import get_engine

    with get_engine(url).connect() as conn:
        by_status = dict(conn.execute(text("SELECT status, count(*) FROM cases GROUP BY status")).all())
        keyed = conn.execute(text("SELECT count(*) FROM case_submission_key")).scalar_one()
        outbox = dict(conn.execute(text("SELECT status, count(*) FROM outbox_event GROUP BY status")).all())
        version = conn.execute(text("SHOW server_version")).scalar_one().split()[0]
    return {"cases": by_status, "keyed": keyed, "outbox": outbox, "pg_version": version}


def _machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    return f"{os.cpu_count()} vCPU ({model}), {platform.python_implementation()} {platform.python_version()}"


CRASH_SAFETY = """## Crash safety

`tests/test_crash_safety.py` (part of `make test`; deselect with `-m "not slow"`) is the evidence, run on
every test run rather than described here. On a scratch PostgreSQL database it starts `yiwang serve` with
2 web workers and the embedded outbox worker in its own process group, has 6 applicants submit cases
continuously, each request with its own `Idempotency-Key`, and once at least 40 submissions have been
answered 201 it sends SIGKILL to the whole group — supervisor, web workers and outbox worker at once, as
a power cut or the OOM killer would — while requests are in flight (typically all 6: they end in
`ReadError` / `RemoteProtocolError`, never in an HTTP answer). Then, before and after restarting the
server on the same database, it checks:

- every submission answered 201 exists, exactly once, under its key and with the case number that was
  answered (the commit happens before the response leaves, so an acknowledged case cannot be lost);
- re-sending an acknowledged key returns the same case number and files nothing new;
- re-sending each unacknowledged key (twice) files it at most once — it may already exist if the kill came
  between the commit and the response — and afterwards every key sent has exactly one case;
- no case exists without its submission key, and each case has exactly one `case.submit` audit record and
  exactly one `case.submitted` outbox event (written in the submission's transaction);
- the restarted server's outbox worker delivers what the killed one left pending (an event the killed
  worker had claimed stays leased until its lease ends and is then taken again);
- `yiwang audit verify` exits 0: the hash chain is intact after the crash.

It takes about 25–45 s on a 2-vCPU machine (two cold starts of a 2-worker server are most of it) and up to
~90 s when the machine is busy with other work; every wait in it is bounded, and it leaves no process and no
database behind.
"""


def _bullets(items: list[str], indent: int = 0) -> str:
    pad = " " * indent
    return "\n".join(textwrap.fill(item, width=110, initial_indent=pad + "- ", subsequent_indent=pad + "  ",
                                   break_on_hyphens=False, break_long_words=False) for item in items)


def write_doc(path: Path, run: dict[str, Any]) -> None:
    from bench.common import percentiles

    args, stats, idle = run["args"], {r["Name"]: r for r in run["stats"]}, run["idle"]
    cores = os.cpu_count() or 1
    seconds = run["measured"]
    share = {k: v / seconds for k, v in run["cpu"].items()}
    others = max(0.0, run["busy"] - sum(share.values()))
    total = stats["Aggregated"]
    per_request = (run["cpu"]["server"] + run["cpu"]["postgres"]) / max(int(total["Request Count"]), 1) * 1000

    def alone(name: str) -> float:
        return percentiles(idle[name])["p50"]

    def ratio(name: str) -> str:
        return f"{float(stats[name]['50%']) / alone(name):.1f}×"

    tally, keyed = run["tally"], run["result"]["keyed"] - len(idle[SUBMIT])
    if keyed == tally["acknowledged"]:
        lost = "every 201 is a row and every row a 201"
    elif tally["acknowledged"] < keyed <= tally["started"]:
        lost = (f"every 201 is a row; the {keyed - tally['acknowledged']} rows more were committed for requests still "
                "in flight when locust stopped its users")
    else:
        lost = "**MISMATCH: rows and acknowledgements disagree — investigate**"
    outbox = ", ".join(f"{k} {v}" for k, v in sorted(run["result"]["outbox"].items()))
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(run["result"]["cases"].items()))
    pending = run["result"]["outbox"].get("pending", 0)
    worker = ("the embedded worker kept up with the notifications" if pending <= 20
              else f"the embedded worker fell {pending} events behind")
    world = run["world"]
    how = [
        f"`python -m bench.load --users {args.users} --spawn-rate {args.spawn_rate} --settle {args.settle} "
        f"--seconds {args.seconds} --workers {args.workers}`",
        f"Server: `yiwang serve --workers {args.workers}` (embedded outbox worker on) against a scratch PostgreSQL "
        f"database seeded with `yiwang demo seed` — {len(world['codes']):,} published items of the real Guangdong "
        f"catalog and the demo district — plus {APPLICANTS} registered applicants ({run['seed_seconds']:.0f} s). Before "
        "the load the outbox events the seed left were delivered and every worker was warmed (each query of the set, "
        "twice, from 8 threads).",
        f"Load: locust {_locust_version()} headless, {args.users} users (FastHttpUser, keep-alive) spawned at "
        f"{args.spawn_rate}/s; {args.settle} s after the last one started (logins and first uploads done) the "
        f"statistics were reset and {seconds:.0f} s measured.",
    ]
    users = [
        "visitors (weight 6, think time 0.2–1 s): guide pages `GET /items/{code}` of random published items (5), "
        f"`GET /api/v1/items?q=` (3) and `GET /items?q=` (2) with the {len(world['queries'])} real queries of "
        "`bench/data/search_queries.tsv` (exact names, colloquial, pinyin, typos);",
        f"applicants (weight 3, think time 0.5–2 s): log in (argon2id, {alone(LOGIN):.0f} ms alone), upload four "
        "materials once, then apply for 食品经营许可（新办） — a fresh upload of the application letter and "
        "`POST /api/v1/cases` with an `Idempotency-Key` and the e-form (3) — or list their own cases (1);",
        "handlers (2 users, think time 0.5–1.5 s): `handler` lists the submitted cases of its department (2), opens "
        'one and accepts it, `POST /api/v1/cases/{no}/actions {"action": "accept"}` (3); the two split the queue by '
        "case number so that they never race for the same case.",
    ]
    baseline = [f"\"alone: p50\" is the baseline measured in the same run just before the load: each request type on "
                f"its own, one client, one request at a time ({len(idle[GUIDE])} samples each)."]
    reading = [
        f"**Throughput is what {args.users} users offer**: {float(total['Requests/s']):.0f} requests/s across the mix, "
        f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, {int(total['Failure Count'])} "
        "failures. The users think between requests (a closed loop), so this is a realistic load, not the saturation "
        'point; `make load LOAD_ARGS="--users 150"` pushes further.',
        f"**Where the CPU went** over the measured {seconds:.0f} s: the server's processes used {share['server']:.2f} "
        f"of the {cores} vCPUs, this database's PostgreSQL backends {share['postgres']:.2f}, locust "
        f"{share['locust']:.2f}, and other work on this shared machine {others:.2f} (it was "
        f"{run['busy'] / cores:.0%} busy in all; 1-minute load average {run['load_before']:.1f} before the run). "
        f"Server and database together spent about {per_request:.0f} ms of CPU per request of this mix, so {cores} "
        f"dedicated vCPUs would top out somewhere near {cores * 1000 / per_request:.0f} requests/s of it — an "
        "extrapolation from CPU time, not a measurement.",
        f"**Under load versus alone**: medians are {ratio(GUIDE)} (guide page), {ratio(SEARCH_API)} (search API) and "
        f"{ratio(SUBMIT)} (submission) their single-client values. With {cores} vCPUs shared by {args.workers} "
        "workers, PostgreSQL, locust and other work, most of the difference is waiting for a CPU; the tails "
        "(p95/p99) show it most.",
        f"**Writes cost more than reads, even alone**: a submission {alone(SUBMIT):.0f} ms and an "
        f"acceptance {alone(ACCEPT):.0f} ms with one client, against {alone(GUIDE):.0f} ms for a guide page and "
        f"{alone(SEARCH_API):.0f} ms for a search. A submission is one transaction of several statements — reserve a "
        "case number, the case, its materials, its first timeline entry, its idempotency key, an audit record, an "
        "outbox event — committed before the answer, and every statement is a loopback round trip; an acceptance "
        "adds the clocks and the timeline in the same way.",
        f"**{'Submissions and rows disagree' if 'MISMATCH' in lost else 'Nothing was lost or doubled'}**: locust "
        f"started {tally['started']:,} submissions over the whole run, {tally['acknowledged']:,} were answered 201 and "
        f"the database holds {keyed:,} cases under their idempotency keys ({lost}). Cases by status after the run: "
        f"{statuses}. Outbox after the run: {outbox} — {worker}.",
        "**Percentiles are locust's**, which rounds response times above 100 ms to two significant figures; p99 of "
        "the rarer staff rows rests on a few dozen samples.",
    ]
    fail_text = _bullets([f"{f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in run["failures"]]
                         or ["none"])
    doc = f"""# Load test

Run by `make load` on {run['when']}; {_machine()}, PostgreSQL {run['pg_version']} on the same machine.
Figures drift ±20–40 % between runs on this shared machine; rerun `make load` to refresh this page.

## How it was run

{_bullets(how)}
{_bullets(users, indent=2)}
{_bullets(baseline)}

## Results

{run['table']}

Failures:
{fail_text}

## Reading

{_bullets(reading)}

{CRASH_SAFETY}"""
    path.write_text(doc, encoding="utf-8")


def _locust_version() -> str:
    from importlib.metadata import version

    return version("locust")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--settle", type=int, default=15, help="seconds after spawning before measuring")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "load.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="yiwang-load-"))
    # the run's own files and secrets; the cut PDF font is shared with the checkout (cutting it takes ~40 s)
    os.environ.update(YIWANG_DATA_DIR=str(work / "files"), YIWANG_VAR_DIR=str(work / "var"),
                      YIWANG_SECRET_KEY="load-test-" + uuid.uuid4().hex,
                      YIWANG_FONT_CACHE_DIR=os.environ.get("YIWANG_FONT_CACHE_DIR", str(ROOT / "var" / "fonts")))
    from bench.common import scratch_database
    from yiwang.core import fonts
    from yiwang.core.config import reset_settings

    reset_settings()
    fonts.static_font_path()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    database = "yiwang_load"
    with scratch_database(database) as url:
        env = dict(os.environ, YIWANG_DATABASE_URL=url)
        t0 = time.monotonic()
        world = seed(url, env)
        seed_seconds = time.monotonic() - t0
        world.update(settle=args.settle, seconds=args.seconds, marker=str(work / "window-open"),
                     tally=str(work / "tally.json"))
        world_path = work / "world.json"
        world_path.write_text(json.dumps(world, ensure_ascii=False), encoding="utf-8")
        print(f"seeded in {seed_seconds:.0f} s: {len(world['codes'])} published items, "
              f"{len(world['applicants'])} applicants; starting {args.workers} workers", flush=True)
        load_before = os.getloadavg()[0]
        with serving(url, args.workers, env, work / "serve.log", world["queries"]) as (base, server_pgid):
            samples: list[tuple[float, dict[str, float], float]] = []

            def sample(locust_pgid: int) -> None:
                samples.append((time.monotonic(), _cpu_by_group(server_pgid, locust_pgid, database),
                                _machine_busy()[0]))

            idle = idle_latencies(base, world)
            run_locust(base, world_path, work / "window-open", args.users, args.spawn_rate, args.seconds,
                       args.settle, work / "locust", sample)
        (t_first, cpu_first, busy_first), (t_last, cpu_last, busy_last) = samples[0], samples[-1]
        measured = t_last - t_first
        result = outcome(url)
    stats, failures = read_stats(work / "locust")
    tbl = table(stats, idle)
    print(tbl)
    write_doc(args.out, {
        "args": args, "when": when, "world": world, "seed_seconds": seed_seconds, "load_before": load_before,
        "pg_version": result.pop("pg_version"), "stats": stats, "failures": failures, "idle": idle, "table": tbl,
        "measured": measured, "cpu": {k: cpu_last[k] - cpu_first[k] for k in cpu_last},
        "busy": (busy_last - busy_first) / measured, "result": result,
        "tally": json.loads((work / "tally.json").read_text(encoding="utf-8"))})
    shutil.rmtree(work, ignore_errors=True)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
