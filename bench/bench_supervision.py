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
import os
import statistics
import time

import psycopg

from bench.bench_cases import _psycopg_url, seed_world
from bench.common import result, scratch_database

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")

TODAY = dt.date(2026, 11, 20)


def generate_open_cases(url: str, n: int, department_ids: list[int]) -> float:
    """Insert ``n`` open cases server-side (generate_series): due dates from 5 days ago to 25 days ahead, the
    current step begun in the last three days, one in two hundred with two correction notices."""
    t0 = time.perf_counter()
    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        version_id = conn.execute("SELECT id FROM catalog_item_version LIMIT 1").fetchone()[0]  # type: ignore[index]
        depts = conn.execute("SELECT id, region_code FROM department WHERE id = ANY(%s) ORDER BY id",
                             (department_ids,)).fetchall()
        conn.execute("CREATE TEMP TABLE bench_dept (k int, id int, region text)")
        with conn.cursor().copy("COPY bench_dept FROM STDIN") as copy:
            for k, (dept_id, region) in enumerate(depts):
                copy.write_row((k, dept_id, region))
        conn.execute(f"""
            INSERT INTO cases (case_no, item_code, item_version_id, item_name, department_id, region_code, applicant,
                applicant_name, applicant_code, applicant_phone, channel, status, review_steps, review_step, form,
                pledge, case_type, limit_value, limit_unit, submitted_at, last_action_at, accepted_at, deadline, due,
                suspended_working_days, extension_days, correction_count, version)
            SELECT 'S' || lpad(g.i::text, 12, '0'), 'BENCH-ITEM-0001', %(version)s, '基准测试许可', d.id, d.region,
                'person:' || (g.i %% 5000), '申请人', '440104199001011234', '13800138000', 'online', g.status,
                '["handle", "check", "approve"]', CASE g.status WHEN 'accepted' THEN 'handle'
                    WHEN 'in_review' THEN (ARRAY['check', 'approve'])[1 + (g.i %% 2)] END,
                '{{}}', false, 'promised', 10, 'working_day', g.last, g.last,
                CASE WHEN g.status <> 'submitted' THEN g.last END,
                CASE WHEN g.status <> 'submitted' THEN g.due END, g.due, 0, 0,
                CASE WHEN random() < 0.005 THEN 2 ELSE 0 END, 1
            FROM (SELECT i, (ARRAY['submitted', 'accepted', 'in_review', 'in_review'])[1 + floor(random() * 4)::int]
                         AS status,
                         timestamptz '2026-11-20 01:00+00' - interval '1 hour' - random() * interval '3 days' AS last,
                         date '2026-11-20' + (floor(random() * 31)::int - 5) AS due
                  FROM generate_series(1, %(n)s) AS i) AS g
            JOIN bench_dept d ON d.k = g.i %% {len(depts)}""", {"version": version_id, "n": n})
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

    print(f"{args.cases:,} open cases generated in {gen:.0f} s; {population:,} have a running clock")
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
    n = f"{args.cases // 1000:,}k" if args.cases < 1_000_000 else f"{args.cases / 1e6:g}M"
    result(f"supervision tick over {n} open cases, hourly (incremental)", steady_ms, "ms",
           "bare indexed count of the same cases", base_ms, target="ratio <= 3", met=steady_ms / base_ms <= 3,
           higher_is_better=False)
    result(f"supervision tick over {n} open cases, next day (incremental)", next_ms, "ms",
           "bare indexed count of the same cases", base_ms, target="ratio <= 3", met=next_ms / base_ms <= 3,
           higher_is_better=False)
    result(f"supervision full sweep over {n} open cases", sweep_ms, "ms", "bare indexed count of the same cases",
           base_ms, target="ratio <= 3", met=sweep_ms / base_ms <= 3, higher_is_better=False)


if __name__ == "__main__":
    main()
