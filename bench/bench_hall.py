"""A service hall's day on PostgreSQL: 50 windows calling concurrently through the service layer, checked for lost,
doubled and out-of-order calls, against a bare SKIP LOCKED queue on a plain table in the same run.

The day: one hall with 50 windows (40 综合, 10 专项 of which five serve items I0–I2 and five I2–I4), 5,000
tickets taken between 09:00 and 17:00 at a realistic pace (busier mornings and mid-afternoons, a quiet lunch),
replayed ``--speed`` times faster than real time: ~4 % elderly / disabled priority, ~5 % appointment check-ins
(at the front desk, through ``check_in``), 20 % 专项 (most naming an item). One thread takes the tickets (each
``take_ticket`` / ``check_in`` in its own session that commits, as a kiosk request would); 50 window threads, one
per window, each with its own staff on duty and its own sessions, loop ``call_next`` → ``serve`` → (the service
time, a few simulated minutes) → ``finish``, every step one short transaction that commits. A window whose call
finds nobody waits a simulated half minute and calls again; it stops once every ticket has been taken and a call
finds nobody.

The baseline replays the same schedule with the same 51 threads on a plain table with the queue's index and no
service layer: ``INSERT … COMMIT`` to take; ``SELECT … ORDER BY priority DESC, queued_at, id LIMIT 1 FOR UPDATE
SKIP LOCKED`` + ``UPDATE`` + ``COMMIT`` to call; an ``UPDATE`` + ``COMMIT`` each to serve and to finish.

Checks after the service run (each must hold):

* every ticket taken was called exactly once: the tickets' timeline has one ``call`` per ticket and the windows
  report one call per ticket; every ticket is done;
* no call out of priority order. The precedence of a ticket is (priority desc, queued_at, id). A window W is
  eligible for ticket U when U is in W's queue (same window type) and W lists no items, or U names no item, or
  W lists U's item. For each call of ticket T by window W, measured by the bench as the interval [s, e] from
  entering ``call_next`` to its commit, a *violation* is a ticket U eligible for W with higher precedence than
  T, whose ``take`` had committed before s and whose own call began after e — U was visible, waiting and not
  locked by any call in flight during the whole of T's call, so the window should have called U. Calls in flight
  at the same moment (overlapping intervals) may legitimately pass each other (SKIP LOCKED) and are not counted.

Usage: python -m bench.bench_hall [--tickets 5000] [--windows 50] [--speed 60]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import percentiles, result, scratch_database

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")

REGION = "440104"
HALL = "BENCH-HALL"
ITEMS = [f"BENCH-HALL-ITEM-{k}" for k in range(5)]
DAY_MINUTES = 480  # 09:00–17:00
# relative arrival rate per hour from 09:00: busy mornings, a quiet lunch, a second peak mid-afternoon
HOURLY = [1.0, 1.5, 1.4, 0.7, 0.6, 1.2, 1.3, 0.8]
IDLE_MINUTES = 1.5  # a window that finds nobody waiting calls again after this long (simulated)


@dataclass
class Spec:
    i: int
    at: float  # simulated minutes after 09:00
    window_type: str
    item: str | None
    priority: str  # normal | elderly | disabled | appointment
    service: float  # simulated minutes at the window


@dataclass
class Window:
    code: str
    type: str
    items: list[str]
    actor: Any = None


@dataclass
class Run:
    name: str
    taken: dict[int, tuple[str, float]] = field(default_factory=dict)  # spec → (ticket key, commit time)
    calls: list[tuple[str, str, float, float]] = field(default_factory=list)  # (window, ticket, start, end)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def latencies(self) -> list[float]:
        return [(e - s) * 1000 for _, _, s, e in self.calls]


def schedule(n: int, seed: int = 2026) -> list[Spec]:
    rng = random.Random(seed)
    weights = [HOURLY[m // 60] for m in range(DAY_MINUTES)]
    minutes = sorted(rng.choices(range(DAY_MINUTES), weights=weights, k=n))
    out = []
    for i, minute in enumerate(minutes):
        at = minute + rng.random()
        roll = rng.random()
        priority = "appointment" if roll < 0.05 else "elderly" if roll < 0.08 else "disabled" if roll < 0.09 \
            else "normal"
        special = rng.random() < 0.2
        item = rng.choice(ITEMS) if special and priority != "appointment" and rng.random() < 0.7 else None
        out.append(Spec(i=i, at=at, window_type="专项" if special else "综合", item=item, priority=priority,
                        service=min(30.0, rng.lognormvariate(1.3, 0.5))))
    return out


def windows_of(n: int) -> list[Window]:
    special = max(1, n // 5)
    out = [Window(f"{HALL}-{k:02d}", "综合", []) for k in range(1, n - special + 1)]
    for k in range(n - special + 1, n + 1):
        items = ITEMS[:3] if (k - (n - special)) <= special // 2 else ITEMS[2:]
        out.append(Window(f"{HALL}-{k:02d}", "专项", items))
    return out


def eligible(window: Window, window_type: str, item: str | None) -> bool:
    return window_type == window.type and (not window.items or item is None or item in window.items)


# --- the day, played out by 51 threads --------------------------------------------------------------------

def play(run: Run, specs: list[Spec], windows: list[Window], speed: float, *, take: Callable[[Spec], str],
         call: Callable[[Window], str | None], serve: Callable[[Window, str], None],
         finish: Callable[[Window, str, Spec], None]) -> None:
    by_key: dict[str, Spec] = {}
    lock = threading.Lock()
    taker_done = threading.Event()
    t0 = time.perf_counter()

    def wait_until(sim_minutes: float) -> None:
        delay = t0 + sim_minutes * 60 / speed - time.perf_counter()
        if delay > 0:
            time.sleep(delay)

    def taker() -> None:
        try:
            for spec in specs:
                wait_until(spec.at)
                key = take(spec)
                done = time.perf_counter()
                with lock:
                    by_key[key] = spec
                    run.taken[spec.i] = (key, done)
        except Exception as exc:  # noqa: BLE001 - reported and failed below
            run.errors.append(f"taker: {exc!r}")
        finally:
            taker_done.set()

    def window_loop(window: Window) -> None:
        try:
            while True:
                finished_taking = taker_done.is_set()
                start = time.perf_counter()
                key = call(window)
                end = time.perf_counter()
                if key is None:
                    if finished_taking:
                        return
                    time.sleep(IDLE_MINUTES * 60 / speed)
                    continue
                with lock:
                    run.calls.append((window.code, key, start, end))
                    spec = by_key.get(key)
                serve(window, key)
                time.sleep((spec.service if spec else 4.0) * 60 / speed)
                finish(window, key, spec or specs[0])
        except Exception as exc:  # noqa: BLE001 - reported and failed below
            run.errors.append(f"{window.code}: {exc!r}")

    threads = [threading.Thread(target=taker, name="taker")]
    threads += [threading.Thread(target=window_loop, args=(w,), name=w.code) for w in windows]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - t0


# --- the service layer ----------------------------------------------------------------------------------

def seed(make: Any, windows: list[Window], specs: list[Spec]) -> tuple[Any, dict[int, str]]:
    """The region, the items, the hall and its windows with a clerk on duty each, a front-desk clerk, and the
    day's appointments (booked beforehand, checked in during the run). Returns the desk clerk and spec → number
    of its appointment."""
    from yiwang.catalog import service as catalog
    from yiwang.catalog.schemas import ItemIn
    from yiwang.core import clock
    from yiwang.core.db import unit_of_work
    from yiwang.core.permissions import SYSTEM
    from yiwang.hall import service as hall
    from yiwang.hall.models import Appointment, Hall
    from yiwang.identity import service as identity
    from yiwang.org import service as org_service

    with unit_of_work(make) as s:
        org_service.ensure_region(s, SYSTEM, code="440000", name="广东省")
        org_service.ensure_region(s, SYSTEM, code="440100", name="广州市", parent_code="440000")
        org_service.ensure_region(s, SYSTEM, code=REGION, name="越秀区", parent_code="440100")
        centre = org_service.ensure_department(s, SYSTEM, name="区政务服务数据管理局", region_code=REGION)
        dept = org_service.ensure_department(s, SYSTEM, name="区市场监督管理局", region_code=REGION)
        for k, code in enumerate(ITEMS):
            outcome = catalog.import_record(s, SYSTEM, ItemIn.model_validate({
                "code": code, "name": f"基准专项事项{k}", "department": dept.name, "region_code": REGION,
                "item_type": "01", "promised_limit": {"value": 10, "unit": "working_day"},
                "consult_phone": "020-1", "complaint_phone": "020-2",
                "materials": [{"name": "申请书", "required": True}]}), publish=True)
            assert outcome.published, outcome.problems
        logins = {}
        for w in windows:
            login = "bench_" + w.code.rsplit("-", 1)[1]
            staff = identity.add_staff(s, SYSTEM, login=login, password="Bench2026x", name=f"窗口{w.code[-2:]}",
                                       department_id=centre.id, roles=["window_clerk"])
            logins[w.code] = login
            w.actor = staff
        desk = identity.add_staff(s, SYSTEM, login="bench_desk", password="Bench2026x", name="前台",
                                  department_id=centre.id, roles=["window_clerk"])
        report = hall.import_halls(s, SYSTEM, [("1", {
            "code": HALL, "name": "基准政务服务中心", "region_code": REGION, "opens": "09:00", "closes": "17:00",
            "windows": [{"code": w.code, "type": w.type, "item_codes": w.items, "staff": [logins[w.code]]}
                        for w in windows]})])
        assert not report.errors, report.errors
        s.flush()
        for w in windows:
            w.actor = identity.actor_for_staff(s, w.actor)
        desk_actor = identity.actor_for_staff(s, desk)
        hall_row = hall.repository.hall_by_code(s, HALL)
        assert isinstance(hall_row, Hall)
        # check-in is open from an hour before the slot: a slot starting ten minutes from now covers the run
        local = clock.local_now() + dt.timedelta(minutes=10)
        start, end = f"{local:%H:%M}", f"{local + dt.timedelta(minutes=30):%H:%M}"
        numbers = {}
        now = clock.now()
        for spec in specs:
            if spec.priority != "appointment":
                continue
            no = f"YB{spec.i:08d}"
            s.add(Appointment(appointment_no=no, hall_id=hall_row.id, slot_id=0, window_type=spec.window_type,
                              item_code=None, day=local.date(), start=start, end=end, applicant=f"bench:{spec.i}",
                              applicant_name="预约人", phone=None, status="booked", reminded=False,
                              created_at=now, last_action_at=now, version=1))
            numbers[spec.i] = no
    return desk_actor, numbers


def service_ops(make: Any, desk: Any, appointments: dict[int, str]) -> dict[str, Any]:
    from yiwang.core.db import unit_of_work
    from yiwang.core.permissions import ANONYMOUS
    from yiwang.hall import service as hall
    from yiwang.hall.errors import NoTicketWaiting

    def take(spec: Spec) -> str:
        with unit_of_work(make) as s:
            if spec.priority == "appointment":
                return hall.check_in(s, desk, appointments[spec.i]).ticket_no
            return hall.take_ticket(s, ANONYMOUS, HALL, item_code=spec.item, source="kiosk",
                                    window_type=None if spec.item else spec.window_type,
                                    priority=spec.priority).ticket_no

    def call(w: Window) -> str | None:
        try:
            with unit_of_work(make) as s:
                return hall.call_next(s, w.actor, w.code).ticket_no
        except NoTicketWaiting:
            return None

    def serve(w: Window, key: str) -> None:
        with unit_of_work(make) as s:
            hall.serve(s, w.actor, w.code)

    def finish(w: Window, key: str, spec: Spec) -> None:
        with unit_of_work(make) as s:
            hall.finish(s, w.actor, w.code, outcome="concluded" if spec.i % 3 else "consult")

    return {"take": take, "call": call, "serve": serve, "finish": finish}


def check_service(make: Any, run: Run, windows: list[Window], n: int) -> dict[str, int]:
    """Lost, doubled and out-of-order calls (see the module's docstring), from the database and the run."""
    import numpy as np
    from sqlalchemy import func, select

    from yiwang.core.db import unit_of_work
    from yiwang.core.lifecycle import LifecycleEvent
    from yiwang.hall.models import Ticket

    with unit_of_work(make) as s:
        rows = s.execute(select(Ticket.ticket_no, Ticket.window_type, Ticket.item_code, Ticket.priority,
                                Ticket.queued_at, Ticket.id, Ticket.status)).all()
        per_ticket = dict(s.execute(select(LifecycleEvent.subject, func.count())
                                    .where(LifecycleEvent.kind == "hall_ticket", LifecycleEvent.action == "call")
                                    .group_by(LifecycleEvent.subject)).all())
    called_in_db = collections.Counter(subject.rsplit("/", 1)[1] for subject in per_ticket)
    calls_per_ticket = {no: int(per_ticket[s]) for s in per_ticket for no in [s.rsplit("/", 1)[1]]}
    reported = collections.Counter(key for _, key, _, _ in run.calls)
    numbers = {no for no, *_ in rows}
    out = {
        "tickets": len(rows),
        "taken_by_bench": len(run.taken),
        "never_called": sum(1 for no in numbers if calls_per_ticket.get(no, 0) == 0),
        "called_twice": sum(1 for c in calls_per_ticket.values() if c > 1) + sum(1 for c in reported.values() if c > 1),
        "calls_not_matching": int(sum(called_in_db.values()) != len(run.calls)),
        "not_done": sum(1 for r in rows if r.status != "done"),
    }
    # precedence rank: 0 = first (priority desc, queued_at, id)
    ordered = sorted(rows, key=lambda r: (-r.priority, r.queued_at, r.id))
    rank = {r.ticket_no: k for k, r in enumerate(ordered)}
    info = {r.ticket_no: r for r in rows}
    taken_at = {key: done for key, done in run.taken.values()}
    call_start = {key: start for _, key, start, _ in run.calls}
    keys = [r.ticket_no for r in rows]
    ranks = np.array([rank[k] for k in keys])
    taken = np.array([taken_at.get(k, np.inf) for k in keys])
    started = np.array([call_start.get(k, np.inf) for k in keys])
    by_window = {w.code: w for w in windows}
    masks: dict[str, Any] = {}
    violations = 0
    for code, key, start, end in run.calls:
        w = by_window[code]
        if code not in masks:
            masks[code] = np.array([eligible(w, info[k].window_type, info[k].item_code) for k in keys])
        bad = masks[code] & (ranks < rank[key]) & (taken < start) & (started > end)
        violations += int(bad.sum())
    out["priority_violations"] = violations
    return out


# --- the bare baseline ----------------------------------------------------------------------------------

BASELINE_DDL = """
CREATE TABLE bench_queue (
    id bigserial PRIMARY KEY, hall_id int NOT NULL, day date NOT NULL, seq int NOT NULL,
    window_type varchar(12) NOT NULL, item_code varchar(64), priority int NOT NULL, status varchar(12) NOT NULL,
    window_code varchar(40), queued_at timestamptz NOT NULL, called_at timestamptz, served_at timestamptz,
    finished_at timestamptz);
CREATE INDEX ix_bench_queue ON bench_queue (hall_id, day, status, window_type, priority, queued_at);
"""
BASELINE_CALL = """
SELECT id FROM bench_queue WHERE hall_id = 1 AND day = current_date AND status = 'waiting' AND window_type = :wtype
  AND (:any_item OR item_code IS NULL OR item_code = ANY(CAST(:items AS varchar[])))
ORDER BY priority DESC, queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
"""


def baseline_ops(engine: Any) -> dict[str, Any]:
    from sqlalchemy import text

    levels = {"normal": 0, "appointment": 1, "elderly": 2, "disabled": 2}

    def take(spec: Spec) -> str:
        with engine.begin() as c:
            return str(c.execute(text(
                "INSERT INTO bench_queue (hall_id, day, seq, window_type, item_code, priority, status, queued_at) "
                "VALUES (1, current_date, :seq, :wtype, :item, :priority, 'waiting', clock_timestamp()) RETURNING id"),
                {"seq": spec.i + 1, "wtype": spec.window_type, "item": spec.item,
                 "priority": levels[spec.priority]}).scalar_one())

    def call(w: Window) -> str | None:
        with engine.begin() as c:
            found = c.execute(text(BASELINE_CALL), {"wtype": w.type, "any_item": not w.items,
                                                    "items": w.items}).scalar()
            if found is None:
                return None
            c.execute(text("UPDATE bench_queue SET status = 'called', window_code = :w, called_at = now() "
                           "WHERE id = :id"), {"w": w.code, "id": found})
            return str(found)

    def serve(w: Window, key: str) -> None:
        with engine.begin() as c:
            c.execute(text("UPDATE bench_queue SET status = 'serving', served_at = now() WHERE id = :id"),
                      {"id": int(key)})

    def finish(w: Window, key: str, spec: Spec) -> None:
        with engine.begin() as c:
            c.execute(text("UPDATE bench_queue SET status = 'done', finished_at = now() WHERE id = :id"),
                      {"id": int(key)})

    return {"take": take, "call": call, "serve": serve, "finish": finish}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import sessionmaker

    specs = schedule(args.tickets)
    windows = windows_of(args.windows)
    runs: dict[str, Run] = {}
    with scratch_database("yiwang_bench_hall") as url:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                               pool_size=args.windows + 4, max_overflow=4, hide_parameters=True)
        make = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        desk, appointments = seed(make, windows, specs)
        with engine.begin() as c:
            for statement in BASELINE_DDL.strip().split(";"):
                if statement.strip():
                    c.execute(text(statement))
        # baseline first, then the service: each on an equally fresh queue
        runs["baseline"] = Run("baseline")
        play(runs["baseline"], specs, windows, args.speed, **baseline_ops(engine))
        runs["service"] = Run("service")
        play(runs["service"], specs, windows, args.speed, **service_ops(make, desk, appointments))
        checks = check_service(make, runs["service"], windows, args.tickets)
        engine.dispose()

    svc, base = runs["service"], runs["baseline"]
    for run in (svc, base):
        if run.errors:
            print(f"{run.name} errors ({len(run.errors)}): {run.errors[:5]}")
    p_svc, p_base = percentiles(svc.latencies()), percentiles(base.latencies())
    kinds = collections.Counter(s.priority for s in specs)
    print(f"one hall, {len(windows)} windows ({sum(w.type == '综合' for w in windows)} 综合, "
          f"{sum(w.type == '专项' for w in windows)} 专项 with items), {args.tickets} tickets over 09:00–17:00 "
          f"replayed {args.speed:.0f}x ({DAY_MINUTES * 60 / args.speed:.0f} s of arrivals): "
          f"{kinds['elderly'] + kinds['disabled']} elderly/disabled, {kinds['appointment']} appointment check-ins, "
          f"{sum(s.window_type == '专项' for s in specs)} 专项; {len(windows)} window threads + 1 taker, "
          f"each step its own committed transaction")
    print(f"service run {svc.seconds:.0f} s, baseline run {base.seconds:.0f} s")
    print(f"{'call latency, ms':<34}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}{'calls':>8}")
    for name, p in (("call_next + commit (service)", p_svc), ("bare SKIP LOCKED + UPDATE (base)", p_base)):
        print(f"{name:<34}{p['p50']:>8.1f}{p['p95']:>8.1f}{p['p99']:>8.1f}{p['mean']:>8.1f}{int(p['n']):>8}")
    ratio = p_svc["p95"] / p_base["p95"] if p_base["p95"] else float("nan")
    print(f"ratio p95 service / bare: {ratio:.2f}; target p95 < 20 ms")
    print("checks: " + ", ".join(f"{k} {v}" for k, v in checks.items()))
    ok = (not svc.errors and checks["tickets"] == args.tickets == checks["taken_by_bench"]
          and checks["never_called"] == checks["called_twice"] == checks["calls_not_matching"] == 0
          and checks["not_done"] == 0 and checks["priority_violations"] == 0)
    print("checks " + ("passed" if ok else "FAILED"))
    result(f"Hall: call_next of {len(windows)} concurrent windows over a {args.tickets}-ticket day, p95", p_svc["p95"],
           "ms", "bare SELECT … FOR UPDATE SKIP LOCKED + UPDATE + COMMIT", p_base["p95"], target="p95 < 20 ms",
           met=p_svc["p95"] < 20 and ok, higher_is_better=False)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
