"""Hotline routing quality: the router (rules, duties, catalog items, knowledge base) against a keyword-only
baseline on the labelled request set.

Usage: python -m bench.hotline_routing [--requests PATH] [--show-misses] [--no-catalog]

The set (bench/data/hotline_requests.jsonl) has one request per line with the function of the unit that should get
it. A third of it is held out and never tuned on: a request is held out when the SHA-1 of its id is divisible by 3.
The other two thirds are what the rules were tuned on and what the platform ships as dispatch samples
(yiwang/hotline/seed_data/dispatch_samples.jsonl), so on the tuning part the samples find the request itself: only
the held-out figures say how the router does on requests it has not seen.
The routing runs against a scratch SQLite database seeded as the demo is (the district's units and their duties,
the Guangdong catalog, the demo's knowledge base), so what is measured is what the demo does. ``--show-misses``
prints the misses of the tuning part only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import result

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REQUESTS = ROOT / "bench" / "data" / "hotline_requests.jsonl"
# a second set by another author, written from the dispatch list alone without seeing the first set, the rules or
# the samples: never tuned on, a check on how far the first set's style flatters the router
SECOND = ROOT / "bench" / "data" / "hotline_requests_second.jsonl"
TARGET = 0.85


def held_out(request_id: str) -> bool:
    return int(hashlib.sha1(request_id.encode()).hexdigest(), 16) % 3 == 0


def load(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seeded_database(with_catalog: bool) -> str:
    """A scratch SQLite database with the demo's departments, units, catalog and knowledge base."""
    from yiwang import demo, demo_hotline
    from yiwang.core import migrate
    from yiwang.core.db import session_scope

    path = Path(tempfile.mkdtemp(prefix="yiwang-hotline-bench-")) / "bench.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    import os

    os.environ["YIWANG_DATABASE_URL"] = url
    from yiwang.core.config import get_settings

    get_settings.cache_clear()
    with session_scope() as session:
        depts = demo.seed_departments(session)
        demo_hotline.seed_units(session)
        if with_catalog:
            demo.seed_catalog(session, depts)
        demo_hotline.seed_knowledge(session)
    return url


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=Path, default=DEFAULT_REQUESTS)
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--no-catalog", action="store_true", help="skip importing the provincial catalog (faster)")
    ap.add_argument("--tune", action="store_true",
                    help="choose the sources' weights by 3-fold cross-validation on the tuning part only")
    args = ap.parse_args()
    rows = load(args.requests)
    started = time.perf_counter()
    seeded_database(with_catalog=not args.no_catalog)
    seeding = time.perf_counter() - started
    if args.tune:
        tune_weights([r for r in rows if not held_out(r["id"])])
        return

    from yiwang.core.db import session_scope
    from yiwang.hotline import service as hotline
    from yiwang.hotline.routing import keyword_route

    variants: dict[str, frozenset[str] | None] = {
        "router (all sources)": None,
        "router without the dispatch samples": frozenset({"rule", "duty", "catalog", "knowledge"}),
        "rules only": frozenset({"rule"}),
        "duties only (BM25 over the dispatch list)": frozenset({"duty"}),
        "dispatch samples only (nearest requests)": frozenset({"history"}),
    }
    splits = {"tune": [r for r in rows if not held_out(r["id"])], "held-out": [r for r in rows if held_out(r["id"])]}
    if SECOND.exists() and args.requests == DEFAULT_REQUESTS:
        splits["second author"] = load(SECOND)
    scores: dict[tuple[str, str], float] = {}
    misses: list[tuple[str, str, str, str]] = []
    latency: list[float] = []
    with session_scope() as session:
        duties = {u.function: u.duties for u in hotline.load_units(session)}
        hotline.route(session, content="预热", region_code="440104")  # build the router and the indexes once
        for split, subset in splits.items():
            baseline_hits = sum(keyword_route(r["content"], duties) == r["function"] for r in subset)
            scores[(split, "keyword-only baseline")] = baseline_hits / len(subset)
            for name, use in variants.items():
                hits = 0
                for r in subset:
                    t0 = time.perf_counter()
                    decision = hotline.route(session, content=r["content"], region_code=r.get("region_code"),
                                             kind=_kind(r.get("kind")), use=use)
                    if use is None:
                        latency.append((time.perf_counter() - t0) * 1000)
                    got = decision.function
                    if got == r["function"]:
                        hits += 1
                    elif use is None and split == "tune":
                        misses.append((r["id"], r["function"], got or "—", r["content"][:60]))
                scores[(split, name)] = hits / len(subset)
    names = ["keyword-only baseline", *variants]
    print(f"Labelled requests: {len(rows)} ({len(splits['tune'])} tuning, {len(splits['held-out'])} held out), "
          f"{len(set(r['function'] for r in rows))} units; seeding {seeding:.0f} s"
          + (" (without the provincial catalog)" if args.no_catalog else ""))
    print()
    print("| routing | " + " | ".join(f"{split} ({len(subset)})" for split, subset in splits.items()) + " |")
    print("|---|" + "---:|" * len(splits))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{scores[(split, name)]:.3f}" for split in splits) + " |")
    latency.sort()
    p95 = latency[int(0.95 * (len(latency) - 1))]
    print()
    print(f"Routing one request in-process (router, all sources): p50 {latency[len(latency) // 2]:.1f} ms, "
          f"p95 {p95:.1f} ms over {len(latency)} requests.")
    by_function = Counter(r["function"] for r in splits["held-out"])
    print(f"Held-out requests per unit: {dict(by_function.most_common())}")
    if args.show_misses:
        print()
        print("Misses of the tuning part (expected → routed):")
        for rid, want, got, text in misses:
            print(f"  {rid}: {want} → {got}  {text}")
    held = scores[("held-out", names[1])]
    base = scores[("held-out", names[0])]
    result("Hotline routing: right unit first, held-out requests", held, "", "keyword-only baseline", base,
           target=f">= {TARGET}", met=held >= TARGET)
    if "second author" in splits:
        second = scores[("second author", names[1])]
        result("Hotline routing: right unit first, second author's set (never tuned on)", second, "",
               "keyword-only baseline", scores[("second author", names[0])], target=f">= {TARGET}",
               met=second >= TARGET)


def fold_of(request_id: str) -> int:
    return (int(hashlib.sha1(request_id.encode()).hexdigest(), 16) // 3) % 3


def tune_weights(tune: list[dict[str, str]]) -> None:
    """3-fold cross-validation inside the tuning part: each fold is routed with dispatch samples from the other two
    folds only; the weights that route the most requests right across the folds win. Held-out requests are never
    read."""
    import itertools

    from yiwang.core.db import session_scope
    from yiwang.hotline import knowledge
    from yiwang.hotline import service as hotline
    from yiwang.hotline.routing import HistoryIndex, Router

    ones = {"rule": 1.0, "duty": 1.0, "catalog": 1.0, "knowledge": 1.0, "history": 1.0}
    evidence: list[tuple[str, dict[str, list[tuple[str, float]]]]] = []
    with session_scope() as session:
        base = hotline.router(session)
        functions = {u.function for u in base.units}
        for k in range(3):
            history = HistoryIndex([(r["id"], r["content"], r["function"]) for r in tune if fold_of(r["id"]) != k])
            router = Router(base.rules, base.units, base.duties, history, weights=ones)
            for r in (r for r in tune if fold_of(r["id"]) == k):
                extra = (hotline.catalog_evidence(session, r["content"], functions)
                         if _kind(r.get("kind")) in hotline.ASKS_FOR_SERVICE else [])
                extra += knowledge.evidence(session, r["content"], base.units)
                d = router.decide(r["content"], kind=_kind(r.get("kind")), region=r.get("region_code") or "440104",
                                  extra=extra)
                evidence.append((r["function"], {c.function: [(e.source, e.share) for e in c.evidence]
                                                 for c in d.candidates}))
    grid = {"duty": (0, 0.5, 1, 2, 3), "catalog": (0, 0.5, 1, 2), "knowledge": (0, 0.5, 1, 2),
            "history": (0, 1, 2, 3, 4, 6)}
    results = []
    for values in itertools.product(*grid.values()):
        w = {"rule": 1.0, **dict(zip(grid, values, strict=True))}
        hits = 0
        for want, cands in evidence:
            scored = {f: sum(share * w[src] for src, share in ev) for f, ev in cands.items()}
            if scored and max(scored, key=lambda f: scored[f]) == want:
                hits += 1
        results.append((hits / len(evidence), w))
    results.sort(key=lambda x: -x[0])
    print("3-fold cross-validation on the tuning part (samples from the other folds); best weights:")
    for acc, w in results[:8]:
        print(f"  {acc:.3f}  {w}")
    current = [acc for acc, w in results if all(abs(w[k] - v) < 1e-9 for k, v in _current().items())]
    print(f"  current weights {_current()}: " + (f"{current[0]:.3f}" if current else "not on the grid"))


def _current() -> dict[str, float]:
    from yiwang.hotline.routing import WEIGHTS

    return dict(WEIGHTS)


def _kind(value: str | None) -> str | None:
    from yiwang.hotline.states import KIND_ALIASES

    return KIND_ALIASES.get(value or "", value) if value else None


if __name__ == "__main__":
    main()
