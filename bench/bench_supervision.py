"""Supervision tick over 1,000,000 open cases on PostgreSQL, against a bare indexed count of the same cases
measured in the same run:

- the first (full) tick, which raises every light and card the backlog deserves;
- a full sweep again the same day (nothing left to raise: the cost of looking at every case);
- the hourly incremental tick (only cases acted on since the last tick, and dates that crossed a threshold);
- the next day's incremental tick (a day's worth of threshold crossings).

Usage: python -m bench.bench_supervision [--cases 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time

import psycopg

from bench.bench_cases import _psycopg_url, seed_world
from bench.common import scratch_database

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")

TODAY = dt.date(2026, 11, 20)


def generate_open_cases(url: str, n: int, department_ids: list[int]) -> float:
    """COPY ``n`` open cases: due dates from 5 days ago to 25 days ahead, review steps begun in the last 3
    weeks, one in two hundred with two correction notices."""
    t0 = time.perf_counter()
    rng = random.Random(17)
    now = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
    with psycopg.connect(_psycopg_url(url)) as conn:
        version_id = conn.execute("SELECT id FROM catalog_item_version LIMIT 1").fetchone()[0]  # type: ignore[index]
        regions = dict(conn.execute("SELECT id, region_code FROM department").fetchall())
        columns = ("case_no, item_code, item_version_id, item_name, department_id, region_code, applicant, "
                   "applicant_name, applicant_code, applicant_phone, channel, status, review_steps, review_step, form, "
                   "pledge, case_type, limit_value, limit_unit, submitted_at, last_action_at, accepted_at, deadline, "
                   "due, suspended_working_days, extension_days, correction_count, version")
        steps = json.dumps(["handle", "check", "approve"])
        with conn.cursor().copy(f"COPY cases ({columns}) FROM STDIN") as copy:
            for i in range(n):
                dept = department_ids[i % len(department_ids)]
                status = rng.choice(["submitted", "accepted", "in_review", "in_review"])
                last = now - dt.timedelta(minutes=rng.randint(60, 21 * 24 * 60))
                due = TODAY + dt.timedelta(days=rng.randint(-5, 25))
                step = {"accepted": "handle", "in_review": rng.choice(["check", "approve"])}.get(status)
                copy.write_row((f"S{i:012d}", "BENCH-ITEM-0001", version_id, "基准测试许可", dept, regions[dept],
                                f"person:{i % 5000}", "申请人", "440104199001011234", "13800138000", "online",
                                status, steps, step, "{}", False, "promised", 10, "working_day", last, last,
                                last if status != "submitted" else None, due if status != "submitted" else None,
                                due, 0, 0, 2 if rng.random() < 0.005 else 0, 1))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE cases")
    return time.perf_counter() - t0


def bare_count(url: str, repeats: int = 7) -> tuple[float, int]:
    """Median milliseconds of counting the cases whose clock runs (the tick's population), and the count."""
    times, count = [], 0
    with psycopg.connect(_psycopg_url(url)) as conn:
        for _ in range(repeats):
            t0 = time.perf_counter()
            count = conn.execute("SELECT count(*) FROM cases WHERE due IS NOT NULL").fetchone()[0]  # type: ignore[index]
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()

    from yiwang.core.db import get_engine, session_scope
    from yiwang.supervision import service as supervision

    with scratch_database("yiwang_bench_supervision") as url:
        world = seed_world(url, applicants=1)
        gen = generate_open_cases(url, args.cases, world["department_ids"])  # type: ignore[arg-type]
        engine = get_engine(url)
        base_ms, population = bare_count(url)

        def timed(as_of: dt.date, full: bool = False) -> tuple[float, supervision.TickResult]:
            t0 = time.perf_counter()
            with session_scope(engine) as s:
                result = supervision.tick(s, as_of=as_of, full=full)
            return (time.perf_counter() - t0) * 1000, result

        first_ms, first = timed(TODAY, full=True)
        sweep_ms, sweep = timed(TODAY, full=True)
        steady_ms, steady = timed(TODAY)
        next_ms, nxt = timed(TODAY + dt.timedelta(days=1))
        base_after, _ = bare_count(url)

    print(f"{args.cases:,} open cases generated by COPY in {gen:.0f} s; {population:,} have a running clock")
    print(f"bare indexed count of those cases: {base_ms:.1f} ms (after the ticks: {base_after:.1f} ms)")
    print(f"{'tick':<44}{'ms':>10}{'ratio':>8}{'raised':>9}{'cleared':>9}")
    for label, ms, r in (("first full tick (raises the backlog)", first_ms, first),
                         ("full sweep again, same day", sweep_ms, sweep),
                         ("incremental tick, same day, nothing changed", steady_ms, steady),
                         ("incremental tick, the next day", next_ms, nxt)):
        print(f"{label:<44}{ms:>10.1f}{ms / base_ms:>8.1f}{r.raised:>9,}{r.cleared:>9,}  ({r.mode})")
    print(f"open after the next day's tick: {nxt.open_by_level}")
    print(f"ratio incremental (hourly) / bare count: {steady_ms / base_ms:.2f} (target <= 3); "
          f"next day: {next_ms / base_ms:.2f}; full sweep: {sweep_ms / base_ms:.2f}")


if __name__ == "__main__":
    main()
