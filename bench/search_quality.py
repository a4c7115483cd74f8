"""Search quality: SearchEngine against a plain BM25 baseline on the labelled query set.

Usage: python -m bench.search_quality [--catalog PATH] [--queries PATH] [--show-misses]

Prints a Markdown table of hit@1, hit@5 and MRR@10, overall and per query category.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.common import result
from yiwang.catalog.search import PlainBM25, SearchDoc, SearchEngine, default_analyzer
from yiwang.catalog.searching import search_doc

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "yiwang" / "catalog" / "seed_data" / "guangdong.jsonl.gz"
DEFAULT_QUERIES = ROOT / "bench" / "data" / "search_queries.tsv"
CATEGORIES = ("exact", "colloquial", "pinyin", "typo")

def _converted_doc(row: dict) -> SearchDoc:
    """A line of the import format, indexed exactly as the catalog service indexes a published item."""
    result = row.get("result") or {}
    return search_doc(code=row["code"], name=row["name"], department=row.get("department") or "",
                      region_code=row.get("region_code") or "", item_type=row.get("item_type") or "",
                      audience=row.get("audience") or (), themes=row.get("themes") or (),
                      conditions=row.get("conditions"), material_names=[m.get("name", "") for m in row.get("materials") or []],
                      result_name=result.get("name"), extra=row.get("extra") or {})


def load_docs(path: Path) -> list[SearchDoc]:
    """Items of a catalog in the import format (.jsonl or .jsonl.gz)."""
    opener: Callable[..., Iterator[str]] = gzip.open if path.suffix == ".gz" else open  # type: ignore[assignment]
    docs = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                docs.append(_converted_doc(row))
    return docs


def build_both(engine: SearchEngine, docs: list[SearchDoc]) -> tuple[SearchEngine, float, PlainBM25, float]:
    """Build the engine and the plain BM25 baseline over the same items; returns each with its seconds."""
    started = time.perf_counter()
    engine.build(docs)
    engine_build = time.perf_counter() - started
    started = time.perf_counter()
    plain = PlainBM25()
    plain.build(docs)
    return engine, engine_build, plain, time.perf_counter() - started


def load_queries(path: Path) -> list[tuple[str, set[str], str]]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        (r["query"], {c for c in r["expected_codes"].split(";") if c}, (r.get("note") or "").strip())
        for r in rows
        if r.get("query")
    ]


def evaluate(search: Callable[[str], list[str]], queries: list[tuple[str, set[str], str]]) -> dict[str, dict]:
    """hit@1, hit@5 and MRR@10 per category and overall ("all")."""
    buckets: dict[str, list[tuple[float, float, float]]] = {}
    misses = []
    for query, expected, category in queries:
        ranked = search(query)[:10]
        rank = next((i + 1 for i, code in enumerate(ranked) if code in expected), None)
        row = (float(rank == 1), float(rank is not None and rank <= 5), 1.0 / rank if rank else 0.0)
        for key in (category, "all"):
            buckets.setdefault(key, []).append(row)
        if rank != 1:
            misses.append((category, query, rank))
    out: dict[str, dict] = {}
    for key, rows in buckets.items():
        n = len(rows)
        out[key] = {
            "n": n,
            "hit@1": sum(r[0] for r in rows) / n,
            "hit@5": sum(r[1] for r in rows) / n,
            "mrr@10": sum(r[2] for r in rows) / n,
        }
    out["_misses"] = {"list": misses}
    return out


def markdown(engine: dict[str, dict], plain: dict[str, dict]) -> str:
    lines = [
        "| category | queries | hit@1 engine | hit@1 plain | hit@5 engine | hit@5 plain | MRR@10 engine | MRR@10 plain |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys = ["all"] + [c for c in CATEGORIES if c in engine] + sorted(
        k for k in engine if k not in CATEGORIES and k not in ("all", "_misses")
    )
    for key in keys:
        e, p = engine[key], plain[key]
        lines.append(
            f"| {key} | {e['n']} | {e['hit@1']:.3f} | {p['hit@1']:.3f} | {e['hit@5']:.3f} | {p['hit@5']:.3f}"
            f" | {e['mrr@10']:.3f} | {p['mrr@10']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    docs = load_docs(args.catalog)
    queries = load_queries(args.queries)
    engine, engine_build, plain, plain_build = build_both(SearchEngine(default_analyzer()), docs)

    engine_result = evaluate(lambda q: [c for c, _ in engine.search(q, limit=10)[1]], queries)
    plain_result = evaluate(lambda q: plain.search(q, limit=10), queries)
    print(f"catalog: {args.catalog.name}, {len(docs)} items; queries: {len(queries)}")
    print(f"build: engine {engine_build:.2f} s, plain BM25 {plain_build:.2f} s\n")
    print(markdown(engine_result, plain_result))
    e, p = engine_result["all"], plain_result["all"]
    result("search quality: hit@1 over labelled queries", e["hit@1"], "", "plain BM25 hit@1", p["hit@1"])
    result("search quality: MRR@10", e["mrr@10"], "", "plain BM25 MRR@10", p["mrr@10"])
    if args.show_misses:
        print("\nengine misses (rank of the first expected item, None = not in top 10):")
        for category, query, rank in engine_result["_misses"]["list"]:
            print(f"  {category:10} {rank!s:>4}  {query}")


if __name__ == "__main__":
    main()
