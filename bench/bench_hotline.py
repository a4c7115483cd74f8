"""12345 work orders through HTTP on PostgreSQL: registering a call (routed and dispatched in the same request) and
dispatching a registered order, against a bare endpoint (`GET /api/v1/health`) served by the same server in the
same run.

Usage: python -m bench.bench_hotline [--requests 300]

The database is seeded as the demo is: the district's units, the Guangdong catalog (routing asks it which
department handles the items a request finds) and the knowledge base. Requests are the labelled set's texts, so
routing works on realistic content. One client, sequential requests (the target is per request: p95 < 50 ms).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import httpx

from bench.common import percentiles, result, scratch_database, served

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
PASSWORD = "Bench2026pass"  # noqa: S105 - a throwaway database


def seed(url: str) -> None:
    import os

    os.environ["YIWANG_DATABASE_URL"] = url
    from yiwang import demo, demo_hotline
    from yiwang.core.config import get_settings
    from yiwang.core.db import session_scope
    from yiwang.core.permissions import SYSTEM
    from yiwang.identity import service as identity
    from yiwang.org import service as org

    get_settings.cache_clear()
    with session_scope() as session:
        depts = demo.seed_departments(session)
        demo_hotline.seed_units(session)
        demo.seed_catalog(session, depts)
        demo_hotline.seed_knowledge(session)
        centre = org.find_department(session, demo_hotline.OPERATOR[3])
        assert centre is not None
        identity.add_staff(session, SYSTEM, login="operator", password=PASSWORD, name="话务员", department_id=centre.id,
                           roles=["hotline_operator"])


def timed(client: httpx.Client, method: str, path: str, **kw: object) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = client.request(method, path, **kw)  # type: ignore[arg-type]
    return (time.perf_counter() - t0) * 1000, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    texts = [json.loads(line) for line in (ROOT / "bench" / "data" / "hotline_requests.jsonl")
             .read_text(encoding="utf-8").splitlines() if line.strip()]
    with scratch_database("yiwang_bench_hotline") as url:
        started = time.perf_counter()
        seed(url)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
        with served(url, workers=2) as base, httpx.Client(base_url=base, timeout=60) as client:
            token = client.post("/api/v1/auth/login", json={"username": "operator", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            for _ in range(20):  # warm up: routers, indexes, connections
                client.post("/api/v1/hotline/tickets", headers=headers, json={
                    "channel": "phone", "kind": "咨询", "content": texts[0]["content"], "contact_phone": "13800138000"})
                client.get("/api/v1/health")
            create, dispatch, bare = [], [], []
            registered = []
            for i in range(args.requests):
                r = texts[i % len(texts)]
                body = {"channel": "phone", "kind": r["kind"], "content": r["content"], "contact_phone": "13800138000",
                        "region_code": r.get("region_code")}
                ms, resp = timed(client, "POST", "/api/v1/hotline/tickets", headers=headers, json=body)
                assert resp.status_code == 201, resp.text
                create.append(ms)
                ms, resp = timed(client, "POST", "/api/v1/hotline/tickets", headers=headers,
                                 json={**body, "dispatch": False})
                registered.append(resp.json()["ticket_no"])
                bare.append(timed(client, "GET", "/api/v1/health")[0])
            for no in registered:
                ms, resp = timed(client, "POST", f"/api/v1/hotline/tickets/{no}/actions", headers=headers,
                                 json={"action": "dispatch"})
                assert resp.status_code == 200, resp.text
                dispatch.append(ms)
    c, d, b = percentiles(create), percentiles(dispatch), percentiles(bare)
    print()
    print("| request | p50 ms | p95 ms | p99 ms | n |")
    print("|---|---:|---:|---:|---:|")
    for name, p in (("POST /api/v1/hotline/tickets (register, route, dispatch)", c),
                    ("POST …/tickets/{no}/actions dispatch", d), ("GET /api/v1/health (bare endpoint)", b)):
        print(f"| {name} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | {int(p['n'])} |")
    result("Hotline: register + route + dispatch a work order through HTTP, p95", c["p95"], "ms",
           "GET /api/v1/health p95", b["p95"], target=f"< {TARGET_MS:.0f} ms", met=c["p95"] < TARGET_MS,
           higher_is_better=False)
    result("Hotline: dispatch a registered work order through HTTP, p95", d["p95"], "ms", "GET /api/v1/health p95",
           b["p95"], target=f"< {TARGET_MS:.0f} ms", met=d["p95"] < TARGET_MS, higher_is_better=False)


if __name__ == "__main__":
    main()
