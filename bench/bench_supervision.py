"""Supervision over 1,000,000 open cases on PostgreSQL, against a bare indexed count of the same cases measured in
the same run. The case lights are derived from the clock when read (supervision/lights.py), so the ticks write only
cards and branch alerts; what the lights cost moved to the reads, which are measured too:

- the first (full) tick, which raises the cards the backlog deserves;
- then six days in a row (the machine is shared and noisy: medians of several samples): each day's first tick
  (incremental, the next day: a day's worth of threshold crossings, announced, not written), an hourly
  incremental tick (only cases acted on since the last tick) and a full sweep (the cost of looking at every case
  for cards, and counting the lights);
- the reads, p95 over repeated requests: the open counts per level for a province-wide supervisor, and for one
  department the open counts and the first page of the alert list (what the console shows).

Targets for each: at most 3 times the bare count, and under 5 s.

Then the same over a second database of the same cases (same seed) of which 1% are joint cases (并联审批) with two
pending branches each: the tick also times out overdue branches (超时默认同意 or escalation, each through the
lifecycle engine) and raises and clears the branch lights (those are stored).

Usage: python -m bench.bench_supervision [--cases 1000000] [--joint-share 0.01] [--database yiwang_bench_supervision]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from bench.bench_cases import _psycopg_url, seed_world
from bench.common import percentiles, result, scratch_database

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")

TODAY = dt.date(2026, 11, 20)


def generate_open_cases(url: str, n: int, department_ids: list[int]) -> float:
    """Insert ``n`` open cases server-side (generate_series): due dates from 5 days ago to 25 days ahead, the
    current step begun in the last three days, one in two hundred with two correction notices."""
    t0 = time.perf_counter()
    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        conn.execute("SELECT setseed(0.2026)")  # the same cases in every database of one run
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


def generate_branches(url: str, share: float, department_ids: list[int]) -> tuple[float, int, int]:
    """Make ``share`` of the cases joint, spread evenly over the accepted and in-review ones (branches fork on
    acceptance), each with two pending branches in two other seeded departments (their regions): deadlines
    spread like the cases' dues (some past), 5 working days, on_timeout alternating escalate / consent, clocks
    running. Returns the seconds taken, the joint cases and the branch rows."""
    t0 = time.perf_counter()
    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        conn.execute("SELECT setseed(0.0701)")
        total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]  # type: ignore[index]
        eligible = conn.execute("SELECT count(*) FROM cases WHERE status IN ('accepted', 'in_review')"
                                ).fetchone()[0]  # type: ignore[index]
        wanted = min(eligible, int(total * share))
        step = max(1, eligible // max(1, wanted))
        joint = conn.execute("""
            UPDATE cases SET joint = '{"branches": []}'::json WHERE id IN (
                SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM cases
                                WHERE status IN ('accepted', 'in_review')) AS t
                WHERE t.rn %% %(step)s = 0 ORDER BY id LIMIT %(wanted)s)""",
                             {"step": step, "wanted": wanted}).rowcount
        branches = conn.execute("""
            WITH dk AS (SELECT id, region_code, (row_number() OVER (ORDER BY id) - 1)::int AS k
                        FROM department WHERE id = ANY(%(ids)s)),
                 b AS (SELECT c.id AS case_id, c.case_no, c.item_code, c.accepted_at, d.id AS department_id,
                              d.region_code, s.k, date '2026-11-20' + (floor(random() * 31)::int - 5) AS deadline
                       FROM cases c JOIN dk lead ON lead.id = c.department_id
                       CROSS JOIN generate_series(0, 1) AS s(k)
                       JOIN dk d ON d.k = (lead.k + 1 + s.k) %% (SELECT count(*) FROM dk)
                       WHERE c.joint IS NOT NULL)
            INSERT INTO case_branch (case_id, case_no, item_code, department_id, region_code, status, limit_days,
                on_timeout, materials, started_on, deadline, warn_at, paused_on, paused_working_days, opinion,
                decided_at, decided_by, last_action_at, version)
            SELECT case_id, case_no, item_code, department_id, region_code, 'pending', 5,
                CASE WHEN k = 0 THEN 'escalate' ELSE 'consent' END, NULL,
                least((accepted_at AT TIME ZONE 'Asia/Shanghai')::date, deadline - 7), deadline, deadline - 2,
                NULL, 0, NULL, NULL, NULL, accepted_at, 1
            FROM b""", {"ids": department_ids}).rowcount
        conn.execute("VACUUM ANALYZE cases")
        conn.execute("VACUUM ANALYZE case_branch")
    return time.perf_counter() - t0, joint, branches


def bare_count(url: str, repeats: int = 7) -> tuple[float, int]:
    """Median milliseconds of counting the cases whose clock runs (the tick's population), and the count."""
    times, count = [], 0
    with psycopg.connect(_psycopg_url(url)) as conn:
        for _ in range(repeats):
            t0 = time.perf_counter()
            count = conn.execute("SELECT count(*) FROM cases WHERE due IS NOT NULL").fetchone()[0]  # type: ignore[index]
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), int(count)


@dataclass
class Round:
    generated: float
    base_ms: float
    base_after: float
    population: int
    ticks: list[tuple[str, float, Any]]
    joint: int = 0
    branches: int = 0
    branches_generated: float = 0.0
    running_branches: int = 0
    branch_alerts: int = 0
    stored_alerts: int = 0
    reads: list[tuple[str, dict[str, float], str]] | None = None


FIRST = "first full tick (raises the card backlog)"
SWEEP, HOURLY, NEXT = "full sweep", "hourly tick (incremental)", "next day's first tick (incremental)"
DAYS = 6  # days ticked in a row: samples of each kind on a shared, noisy machine


def measure(n: int, joint_share: float, database: str) -> Round:
    """Generate ``n`` open cases (``joint_share`` of them joint, with two branches each) in a scratch database
    and time the four ticks and the reads against the bare count."""
    from sqlalchemy import func, select

    from yiwang.cases.models import CaseBranch
    from yiwang.core.db import get_engine, session_scope
    from yiwang.supervision import service as supervision
    from yiwang.supervision.models import Alert

    name = database + ("_joint" if joint_share else "")
    with scratch_database(name) as url:
        world = seed_world(url, applicants=1)
        gen = generate_open_cases(url, n, world["department_ids"])  # type: ignore[arg-type]
        out = Round(generated=gen, base_ms=0.0, base_after=0.0, population=0, ticks=[])
        if joint_share:
            out.branches_generated, out.joint, out.branches = generate_branches(
                url, joint_share, world["department_ids"])  # type: ignore[arg-type]
        engine = get_engine(url)
        out.base_ms, out.population = bare_count(url)

        def timed(as_of: dt.date, full: bool = False) -> tuple[float, supervision.TickResult]:
            t0 = time.perf_counter()
            with session_scope(engine) as s:
                result = supervision.tick(s, as_of=as_of, full=full)
            return (time.perf_counter() - t0) * 1000, result

        # the first tick over the backlog, then day after day what the worker does: the day's first tick (the
        # next day, incremental), an hourly one, and a full sweep (daily, or after a rule change)
        ms, r = timed(TODAY, True)
        out.ticks.append((FIRST, ms, r))
        for k in range(DAYS):
            day = TODAY + dt.timedelta(days=k)
            for label, full in ((NEXT, False), (HOURLY, False), (SWEEP, True)):
                if k == 0 and label == NEXT:
                    continue  # the first tick above was that day's first
                ms, r = timed(day, full)
                out.ticks.append((label, ms, r))
        last_day = TODAY + dt.timedelta(days=DAYS - 1)
        out.reads = measure_reads(engine, world["department_ids"][1], last_day)  # type: ignore[index]
        out.base_after, _ = bare_count(url)
        with session_scope(engine) as s:
            out.stored_alerts = s.scalar(select(func.count()).select_from(Alert)) or 0
            if joint_share:
                out.running_branches = s.scalar(select(func.count()).select_from(CaseBranch).where(
                    CaseBranch.status.in_(("pending", "escalated")))) or 0
                out.branch_alerts = s.scalar(select(func.count()).select_from(Alert).where(
                    Alert.status == "open", Alert.subject.like("branch:%"))) or 0
    return out


def measure_reads(engine: Any, department_id: int, day: dt.date, repeats: int = 21
                  ) -> list[tuple[str, dict[str, float], str]]:
    """p95 of the console's reads of the lights for ``day``, each in its own session (as a request is)."""
    import dataclasses

    from yiwang.core import clock
    from yiwang.core.db import session_scope
    from yiwang.core.permissions import SYSTEM
    from yiwang.identity import service as identity
    from yiwang.org import service as org_service
    from yiwang.supervision import service as supervision

    with session_scope(engine) as s:
        dept = org_service.ensure_department(s, SYSTEM, name="省纪委监委", region_code="440000")
        staff = identity.add_staff(s, SYSTEM, login="bench_supervisor", password="Bench2026x", name="监察员",
                                   department_id=dept.id, roles=["supervisor"])
        province = identity.actor_for_staff(s, staff)
    own = dataclasses.replace(province, department_id=department_id, region_code="")  # one department's scope
    reads: list[tuple[str, Any]] = [
        ("open counts by level, province supervisor", lambda s: supervision.open_counts(s, province)),
        ("open counts by level, one department", lambda s: supervision.open_counts(s, own)),
        ("alert list, first page, one department", lambda s: supervision.list_alerts(s, own, limit=50)),
        ("alert list, first page, filtered to a department",
         lambda s: supervision.list_alerts(s, province, department_id=department_id, limit=50)),
    ]
    out = []
    with clock.frozen(dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)):
        for label, read in reads:
            samples, shown = [], ""
            for _ in range(repeats):
                t0 = time.perf_counter()
                with session_scope(engine) as s:
                    got = read(s)
                samples.append((time.perf_counter() - t0) * 1000)
                shown = str(got) if isinstance(got, dict) else f"total {got[0]:,}, {len(got[1])} shown"
            out.append((label, percentiles(samples), shown))
    return out


def report(r: Round, n: int) -> None:
    print(f"{n:,} open cases generated in {r.generated:.0f} s; {r.population:,} have a running clock")
    if r.branches:
        print(f"{r.joint:,} of them joint with {r.branches:,} pending branches (generated in "
              f"{r.branches_generated:.0f} s); after the ticks {r.running_branches:,} branches still running, "
              f"{r.branch_alerts:,} open branch alerts")
    print(f"bare indexed count of those cases: {r.base_ms:.1f} ms (after the ticks: {r.base_after:.1f} ms)")
    print(f"{'tick':<40}{'samples (ms)':<44}{'median':>8}{'ratio':>7}{'max':>8}{'ratio':>7}")
    first = next(t for t in r.ticks if t[0] == FIRST)
    print(f"{FIRST:<84}{first[1]:>8.1f}{first[1] / r.base_ms:>7.1f}   raised {first[2].raised:,}")
    for label in (SWEEP, HOURLY, NEXT):
        ms = [t[1] for t in r.ticks if t[0] == label]
        shown = " ".join(f"{m:.0f}" for m in ms)
        print(f"{label:<40}{shown:<44}{statistics.median(ms):>8.1f}{statistics.median(ms) / r.base_ms:>7.2f}"
              f"{max(ms):>8.1f}{max(ms) / r.base_ms:>7.2f}")
    nexts = [t[2] for t in r.ticks if t[0] == NEXT]
    print("next day's ticks: raised (alerts + lights announced) " + ", ".join(f"{t.raised:,}" for t in nexts)
          + "; cleared " + ", ".join(f"{t.cleared:,}" for t in nexts))
    print(f"open after the last tick ({r.ticks[-1][2].as_of}): {r.ticks[-1][2].open_by_level}; "
          f"alert rows stored: {r.stored_alerts:,}")
    print(f"{'read (the last day, p95 of 21)':<52}{'p50 ms':>9}{'p95 ms':>9}{'ratio':>8}")
    for label, p, shown in r.reads or []:
        print(f"{label:<52}{p['p50']:>9.1f}{p['p95']:>9.1f}{p['p95'] / r.base_ms:>8.2f}  {shown}")


def results(r: Round, n_label: str, suffix: str = "") -> None:
    base = "bare indexed count of the same cases"
    named = {SWEEP: f"supervision full sweep over {n_label} open cases{suffix}, median of {DAYS}",
             HOURLY: f"supervision tick over {n_label} open cases{suffix}, hourly (incremental), median of {DAYS}",
             NEXT: f"supervision tick over {n_label} open cases{suffix}, next day (incremental), median of "
                   f"{DAYS - 1}"}
    for label, measure in named.items():
        ms = statistics.median(t[1] for t in r.ticks if t[0] == label)
        result(measure, ms, "ms", base, r.base_ms, target="ratio <= 3 and < 5 s",
               met=ms / r.base_ms <= 3 and ms < 5000, higher_is_better=False)
    for label, p, _ in r.reads or []:
        result(f"supervision lights read over {n_label} open cases{suffix}: {label}, p95", p["p95"], "ms", base,
               r.base_ms, target="ratio <= 3 and < 5 s", met=p["p95"] / r.base_ms <= 3 and p["p95"] < 5000,
               higher_is_better=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--joint-share", type=float, default=0.01,
                        help="share of the cases made joint in the second round (0: skip that round)")
    parser.add_argument("--database", default="yiwang_bench_supervision",
                        help="scratch database name (created and dropped; the joint round appends _joint)")
    args = parser.parse_args()

    plain = measure(args.cases, 0.0, args.database)
    report(plain, args.cases)
    n = f"{args.cases // 1000:,}k" if args.cases < 1_000_000 else f"{args.cases / 1e6:g}M"
    results(plain, n)
    if args.joint_share > 0:
        joint = measure(args.cases, args.joint_share, args.database)
        print()
        print(f"-- the same ticks with {args.joint_share:.0%} joint cases (并联审批) --")
        report(joint, args.cases)
        b = f"{joint.branches // 1000:,}k" if joint.branches >= 1000 else f"{joint.branches}"
        results(joint, n, f" with {b} branches")


if __name__ == "__main__":
    main()
