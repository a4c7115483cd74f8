"""Catalog search through HTTP over a 100,000-item catalog on PostgreSQL, against a bare endpoint
(`/api/v1/health`) served by the same server in the same run; and the restart: from starting
`yiwang serve` to answered searches, with the index snapshot on disk against without one (a full build).

Usage: python -m bench.bench_search_http [-n 100000] [--requests 3000] [--concurrency 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.catalog_data import generate, real_items
from bench.common import ROOT, percentiles, result, scratch_database, served
from yiwang.core import fonts
from yiwang.core.db import get_engine


def _queries() -> list[str]:
    with open(ROOT / "bench" / "data" / "search_queries.tsv", encoding="utf-8") as fh:
        labelled = [row["query"] for row in csv.DictReader(fh, delimiter="\t")]
    names = [r["name"][:8] for r in real_items()[:300]]
    return labelled + names


def _load(base: str, paths: list[str], concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(paths)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                t0 = time.perf_counter()
                r = client.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started


def run(n: int = 100_000, requests: int = 3000, concurrency: int = 4, workers: int = 2) -> dict[str, object]:
    rng = random.Random(7)
    queries = _queries()
    filters = ["", "&type=01", "&audience=1", "&region=440300", ""]
    search_paths = [f"/api/v1/items?q={quote(rng.choice(queries))}{rng.choice(filters)}&limit=20"
                    for _ in range(requests)]
    with scratch_database("yiwang_bench_search") as url, tempfile.TemporaryDirectory() as var:
        gen_seconds = generate(get_engine(url), n)
        # the server's var dir is a fresh one (no snapshot) but its PDF font is the one cut once per machine,
        # which a worker would otherwise cut in the background while the timed start runs
        env = {"YIWANG_VAR_DIR": var, "YIWANG_FONT_CACHE_DIR": str(fonts.static_font_path().resolve().parent)}
        started = time.perf_counter()
        with served(url, workers=workers, env=env) as base:  # no snapshot yet: the serving process builds it, then forks
            cold = _first_searches(base, workers, started)
        started = time.perf_counter()
        with served(url, workers=workers, env=env) as base:  # a restart: every worker loads the snapshot
            restart = _first_searches(base, workers, started)
            load = _warm_in_a_fresh_process(url, env)
            _load(base, search_paths[:200], concurrency)
            results = {}
            for c in sorted({1, concurrency}):
                base_lat, base_wall = _load(base, ["/api/v1/health"] * (requests // 2 if c == 1 else requests), c)
                lat, wall = _load(base, search_paths[: requests // 2] if c == 1 else search_paths, c)
                results[c] = {"search": percentiles(lat), "baseline": percentiles(base_lat),
                              "search_rps": len(lat) / wall, "baseline_rps": len(base_lat) / base_wall}
        for found in (Path(var) / "search").glob("*.npz"):
            found.unlink()
        build = _warm_in_a_fresh_process(url, env)
    return {"items": n, "generate_s": gen_seconds, "cold": cold, "restart": restart, "by_concurrency": results,
            "workers": workers, "load": load, "build": build}


_WARM = """
import sys, time
from sqlalchemy.orm import Session
from yiwang.catalog import searching, service
from yiwang.core.db import get_engine
started = time.perf_counter()
with Session(get_engine()) as session:
    searching.warm(session)
    total, items = service.search_items(session, q="营业执照")
assert total and items
print(time.perf_counter() - started)
"""


def _warm_in_a_fresh_process(url: str, env: dict[str, str]) -> float:
    """Seconds from the index warm-up call in a new process (modules imported) to its first answered search."""
    out = subprocess.run([sys.executable, "-c", _WARM], env=dict(os.environ, YIWANG_DATABASE_URL=url, **env),
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _first_searches(base: str, workers: int, started: float) -> tuple[float, float, float]:
    """Seconds from starting the server to its first answered search and to the last of several rounds of
    parallel first searches on fresh connections (which reach every worker: a search waits while its
    worker loads or builds the index); and, before those, to the bare endpoint answering (processes and
    application started, no index needed)."""
    ready = time.perf_counter() - started  # served() returns once /api/v1/health answers
    done: list[float] = []
    lock = threading.Lock()

    def hit() -> None:
        with httpx.Client(base_url=base, timeout=900) as client:
            r = client.get(f"/api/v1/items?q={quote('营业执照')}")
            r.raise_for_status()
        with lock:
            done.append(time.perf_counter() - started)

    for _ in range(3):
        threads = [threading.Thread(target=hit) for _ in range(workers * 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return min(done), max(done), ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    r = run(args.n, args.requests, args.concurrency, args.workers)
    cold, restart = r["cold"], r["restart"]
    print(f"catalog: {r['items']} items generated in {r['generate_s']:.1f} s")
    print(f"start of `yiwang serve --workers {r['workers']}` to the bare endpoint answering / the first answered "
          f"search / every worker answering searches: without a snapshot (full build) {cold[2]:.1f} / {cold[0]:.1f} / "
          f"{cold[1]:.1f} s; with the snapshot {restart[2]:.1f} / {restart[0]:.1f} / {restart[1]:.1f} s")
    print(f"index warm-up call in a fresh process to its first answered search: with the snapshot "
          f"{r['load']:.1f} s, without (full build) {r['build']:.1f} s")
    result("search restart, 100k items: warm-up call in a fresh process to the first answered search, with the "
           "index snapshot", r["load"], "s", "same without a snapshot (full build)", r["build"], target="< 5 s",
           met=r["load"] < 5, higher_is_better=False)
    result(f"search restart, 100k items: `yiwang serve --workers {r['workers']}` start to the first answered search, "
           "with the index snapshot", restart[0], "s", "same without a snapshot (the index built before the "
           "workers start)", cold[0], target="< 5 s", met=restart[0] < 5, higher_is_better=False)
    result(f"search restart, 100k items: `yiwang serve --workers {r['workers']}` start to every worker answering, "
           "with the index snapshot", restart[1], "s", "same without a snapshot (the index built before the "
           "workers start)", cold[1], target="< 5 s", met=restart[1] < 5, higher_is_better=False)
    print(f"{'clients':>7}  {'endpoint':<24}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}")
    for c, res in r["by_concurrency"].items():
        s, b = res["search"], res["baseline"]
        print(f"{c:>7}  {'GET /api/v1/health':<24}{b['p50']:>9.2f}{b['p95']:>9.2f}{b['p99']:>9.2f}"
              f"{res['baseline_rps']:>9.0f}")
        print(f"{c:>7}  {'GET /api/v1/items?q=':<24}{s['p50']:>9.2f}{s['p95']:>9.2f}{s['p99']:>9.2f}"
              f"{res['search_rps']:>9.0f}")
        print(f"{c:>7}  ratio p95 search / p95 bare endpoint: {s['p95'] / b['p95']:.2f}")
        result(f"search through HTTP, 100k items, {c} client(s): p95", s["p95"], "ms", "GET /api/v1/health p95",
               b["p95"], target="p95 < 50 ms", met=s["p95"] < 50, higher_is_better=False)


if __name__ == "__main__":
    main()
