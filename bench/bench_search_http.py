"""Catalog search through HTTP over a 100,000-item catalog on PostgreSQL, against a bare endpoint
(`/api/v1/health`) served by the same server in the same run.

Usage: python -m bench.bench_search_http [-n 100000] [--requests 3000] [--concurrency 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import random
import threading
import time
from urllib.parse import quote

import httpx

from bench.catalog_data import generate, real_items
from bench.common import ROOT, percentiles, result, scratch_database, served
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
    with scratch_database("yiwang_bench_search") as url:
        gen_seconds = generate(get_engine(url), n)
        with served(url, workers=workers) as base:
            warm_seconds = _warm(base, workers)
            _load(base, search_paths[:200], concurrency)
            results = {}
            for c in sorted({1, concurrency}):
                base_lat, base_wall = _load(base, ["/api/v1/health"] * (requests // 2 if c == 1 else requests), c)
                lat, wall = _load(base, search_paths[: requests // 2] if c == 1 else search_paths, c)
                results[c] = {"search": percentiles(lat), "baseline": percentiles(base_lat),
                              "search_rps": len(lat) / wall, "baseline_rps": len(base_lat) / base_wall}
    return {"items": n, "generate_s": gen_seconds, "warm_s": warm_seconds, "by_concurrency": results,
            "workers": workers}


def _warm(base: str, workers: int) -> float:
    """Wait until every worker has built its index: many fresh connections in parallel reach them all."""
    t0 = time.perf_counter()

    def hit() -> None:
        with httpx.Client(base_url=base, timeout=900) as client:
            client.get("/api/v1/items?q=warm")

    for _ in range(3):
        threads = [threading.Thread(target=hit) for _ in range(workers * 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    r = run(args.n, args.requests, args.concurrency, args.workers)
    print(f"catalog: {r['items']} items generated in {r['generate_s']:.1f} s; "
          f"index build in {r['workers']} workers {r['warm_s']:.1f} s")
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
