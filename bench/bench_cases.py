"""Case benchmarks on PostgreSQL, each against a baseline measured in the same run:

1. Submissions per second through HTTP (`POST /api/v1/cases`, 2 server workers, 4 clients) as a ratio
   to raw single-row INSERT+COMMIT throughput of a case-like row over one psycopg connection.
2. The staff workbench list over 1,000,000 cases (`GET /api/v1/cases?limit=50`, and the service call
   in-process), p50/p95/p99, against a bare indexed `SELECT count(*)` of the department's open cases.

Usage: python -m bench.bench_cases [--cases 1000000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import threading
import time

import httpx
import psycopg

from bench.common import percentiles, result, scratch_database, served

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")  # seeding many accounts; verification reads the hash's own cost
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEPARTMENTS = 50
REGIONS = ["440103", "440104", "440105", "440106", "440111"]


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def raw_insert_rate(url: str, seconds: float, clients: int = 1) -> float:
    """Rows per second of INSERT+COMMIT of a case-like row, one row per transaction."""
    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute("""CREATE TABLE bench_raw (id bigserial primary key, case_no text unique, item_code text,
            department_id int, region_code text, applicant text, status text, form jsonb, submitted_at timestamptz,
            due date)""")
    counts = [0] * clients

    def run(k: int) -> None:
        with psycopg.connect(_psycopg_url(url)) as conn:
            end = time.perf_counter() + seconds
            n = 0
            while time.perf_counter() < end:
                conn.execute("INSERT INTO bench_raw (case_no, item_code, department_id, region_code, applicant, status,"
                             " form, submitted_at, due) VALUES (%s, %s, %s, %s, %s, %s, %s, now(), current_date + 5)",
                             (f"{k}-{n}", "ITEM", 1, "440104", "person:1", "submitted", json.dumps({"a": n})))
                conn.commit()
                n += 1
            counts[k] = n

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def seed_world(url: str, applicants: int = 40) -> dict[str, object]:
    """A district, its departments, one published item and registered applicants with tokens and files."""
    from yiwang.catalog import service as catalog
    from yiwang.catalog.schemas import ItemIn
    from yiwang.core import storage
    from yiwang.core.db import get_engine, session_scope
    from yiwang.core.permissions import SYSTEM
    from yiwang.identity import service as identity
    from yiwang.org import service as org_service

    engine = get_engine(url)
    rng = random.Random(5)
    with session_scope(engine) as s:
        org_service.ensure_region(s, SYSTEM, code="440000", name="广东省")
        org_service.ensure_region(s, SYSTEM, code="440100", name="广州市", parent_code="440000")
        for r in REGIONS:
            org_service.ensure_region(s, SYSTEM, code=r, name=f"区{r}", parent_code="440100")
        depts = [org_service.ensure_department(s, SYSTEM, name=f"第{i}局", region_code=REGIONS[i % len(REGIONS)])
                 for i in range(DEPARTMENTS)]
        item = ItemIn.model_validate({
            "code": "BENCH-ITEM-0001", "name": "基准测试许可", "department": depts[0].name,
            "region_code": depts[0].region_code, "item_type": "01", "promised_limit": {"value": 10, "unit": "working_day"},
            "consult_phone": "020-1", "complaint_phone": "020-2",
            "materials": [{"name": "申请书", "required": True}, {"name": "身份证明", "required": True}]})
        catalog.import_record(s, SYSTEM, item, publish=True)
        handler = identity.add_staff(s, SYSTEM, login="bench_handler", password="Bench2026x", name="承办",
                                     department_id=depts[0].id, roles=["handler"])
        handler_token, _ = identity.issue_token(s, identity.actor_for_staff(s, handler), "api")
        people = []
        for i in range(applicants):
            body = f"44010419{rng.randint(50, 99)}0101{i:03d}"
            from stdnum.cn import ric

            number = body + ric.calc_check_digit(body + "0")
            p = identity.register_person(s, name=f"申请人{i}", id_number=number, phone=f"1380000{i:04d}",
                                         password="Bench2026x")
            actor = identity.actor_for_person(p)
            token, _ = identity.issue_token(s, actor, "api")
            files = [storage.store(s, data=PDF + f"{i}-{k}".encode(), filename=f"{k}.pdf", declared_type=None,
                                   owner=actor.label).id for k in range(2)]
            people.append((token, files))
    return {"people": people, "handler_token": handler_token, "department_ids": [d.id for d in depts],
            "handler_department": depts[0].id}


def submissions_rate(base: str, people: list, seconds: float, clients: int = 4) -> tuple[float, list[float], int]:  # type: ignore[type-arg]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            end = time.perf_counter() + seconds
            n = 0
            while time.perf_counter() < end:
                token, files = people[(k + n * clients) % len(people)]
                body = {"item_code": "BENCH-ITEM-0001",
                        "form": {"contact_name": "张三", "contact_phone": "13800138000", "description": "基准"},
                        "materials": [{"name": "申请书", "file_id": files[0]}, {"name": "身份证明", "file_id": files[1]}]}
                t0 = time.perf_counter()
                r = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    if r.status_code == 201:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1
                n += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies, errors[0]


def generate_cases(url: str, n: int, department_ids: list[int]) -> float:
    """COPY ``n`` cases spread over the departments, a third of them open with due dates around today."""
    t0 = time.perf_counter()
    rng = random.Random(11)
    today = dt.date(2026, 11, 20)
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
                submitted = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i % 470_000)
                open_case = rng.random() < 0.33
                status = rng.choice(["submitted", "accepted", "in_review", "in_review"]) if open_case else \
                    rng.choice(["delivered", "delivered", "rejected", "withdrawn"])
                due = today + dt.timedelta(days=rng.randint(-5, 25)) if open_case else None
                step = {"accepted": "handle", "in_review": rng.choice(["check", "approve"])}.get(status)
                copy.write_row((f"B{i:012d}", "BENCH-ITEM-0001", version_id, "基准测试许可", dept, regions[dept],
                                f"person:{i % 5000}", "申请人", "440104199001011234", "13800138000", "online",
                                status, steps, step, "{}", False, "promised", 10, "working_day", submitted, submitted,
                                submitted if status != "submitted" else None, due, due, 0, 0, 0, 1))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE cases")  # what autovacuum does to a loaded table: visibility map, statistics
    return time.perf_counter() - t0


def _commits(url: str) -> int:
    """Transactions committed in the database so far (pg_stat_database; the statistics collector may lag by a
    moment, so it is read after a pause; an estimate)."""
    time.sleep(1.5)
    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()
    return int(row[0]) if row else 0


def list_latencies(base: str, token: str, requests: int, path: str) -> list[float]:
    out = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(requests):
            t0 = time.perf_counter()
            r = client.get(path, headers={"Authorization": f"Bearer {token}"})
            out.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
    return out


def count_latencies(url: str, department_id: int, requests: int) -> list[float]:
    out = []
    with psycopg.connect(_psycopg_url(url)) as conn:
        for _ in range(requests):
            t0 = time.perf_counter()
            conn.execute("SELECT count(*) FROM cases WHERE department_id = %s AND status IN "
                         "('submitted','accepted','in_review')", (department_id,)).fetchone()
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--submissions-only", action="store_true", help="skip the workbench list over --cases")
    args = parser.parse_args()
    with scratch_database("yiwang_bench_cases") as url:
        world = seed_world(url)
        raw1 = raw_insert_rate(url, args.seconds / 2, 1)
        raw4 = raw_insert_rate(url, args.seconds / 2, 4)
        # submissions never search: no worker builds a search index while the clock runs
        with served(url, workers=2, env={"YIWANG_SEARCH_WARM_ON_START": "false"}) as base:
            submissions_rate(base, world["people"], 2)  # type: ignore[arg-type]  # warm-up
            before = _commits(url)
            rate, lat, errors = submissions_rate(base, world["people"], args.seconds)  # type: ignore[arg-type]
            commits = (_commits(url) - before - 1) / max(1, len(lat))
        s = percentiles(lat)
        print("## Submissions through HTTP (PostgreSQL, 2 workers, 4 clients)")
        print(f"raw INSERT+COMMIT of a case-like row: 1 client {raw1:.0f} rows/s, 4 clients {raw4:.0f} rows/s")
        print(f"POST /api/v1/cases: {rate:.0f} cases/s (p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, "
              f"p99 {s['p99']:.1f} ms; {errors} non-201)")
        print(f"transactions committed per submission: {commits:.2f}")
        print(f"ratio submissions / raw single-client insert: {rate / raw1:.2f} (target >= 0.25); "
              f"vs 4-client raw: {rate / raw4:.2f}")
        result("case submissions through HTTP (2 workers, 4 clients)", rate, "cases/s",
               "raw INSERT+COMMIT, 1 connection", raw1, target="ratio >= 0.25", met=rate / raw1 >= 0.25)
        if args.submissions_only:
            return
        gen = generate_cases(url, args.cases, world["department_ids"])  # type: ignore[arg-type]
        print(f"\n## Workbench list over {args.cases:,} cases (COPY took {gen:.0f} s)")
        base_lat = count_latencies(url, world["handler_department"], args.requests)  # type: ignore[arg-type]
        with served(url, workers=2) as base:
            token = world["handler_token"]
            list_latencies(base, token, 20, "/api/v1/cases?limit=50")  # type: ignore[arg-type]
            rows = [("bare indexed count of the department's open cases (SQL)", base_lat)]
            for label, path in (("GET /api/v1/cases?limit=50 (department queue)", "/api/v1/cases?limit=50"),
                                ("GET /api/v1/cases?status=in_review&limit=50", "/api/v1/cases?status=in_review&limit=50"),
                                ("GET /api/v1/cases?light=red&limit=50", "/api/v1/cases?light=red&limit=50"),
                                ("GET /api/v1/cases?mine=true&limit=50", "/api/v1/cases?mine=true&limit=50")):
                rows.append((label, list_latencies(base, token, args.requests, path)))  # type: ignore[arg-type]
        print(f"{'query':<58}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for label, values in rows:
            p = percentiles(values)
            print(f"{label:<58}{p['p50']:>9.2f}{p['p95']:>9.2f}{p['p99']:>9.2f}")
        queue = percentiles(rows[1][1])
        print(f"ratio p95 department queue / p95 bare count: {queue['p95'] / percentiles(base_lat)['p95']:.2f}")
        result("workbench list over 1M cases (HTTP): p95", queue["p95"], "ms", "bare indexed count p95",
               percentiles(base_lat)["p95"], target="p95 < 50 ms", met=queue["p95"] < 50, higher_is_better=False)


if __name__ == "__main__":
    main()
