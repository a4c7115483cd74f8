"""Search quality: SearchEngine against a plain BM25 baseline on the labelled query set.

Usage: python -m bench.search_quality [--catalog PATH] [--queries PATH] [--people PATH] [--show-misses]

Prints Markdown tables of hit@1, hit@5 and MRR@10, overall and per query category: for the first
labelled set (engine vs plain BM25) and for the set of queries written the way people talk
(`search_queries_people.tsv`: held-out and tune splits, the engine vs the previous engine, which is
the same engine with the intent layer and the lookup prior switched off). ``--show-misses`` lists the
misses of the tune split only: held-out failures are never printed.
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
DEFAULT_PEOPLE = ROOT / "bench" / "data" / "search_queries_people.tsv"
PEOPLE_KINDS = ("goal", "plain", "apply", "lookup", "colloquial", "pinyin", "initials", "typo")
HELDOUT_TARGETS = {"hit@5": 0.95, "hit@1": 0.85}
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


def load_people(path: Path) -> list[dict[str, object]]:
    """The people-style set: query, expected codes, kind, split (tune | heldout), origin."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [{"query": r["query"], "expected": {c for c in r["expected_codes"].split(";") if c},
             "kind": r["kind"].strip(), "split": r["split"].strip(), "origin": (r.get("origin") or "").strip()}
            for r in rows if r.get("query")]


def people_split(rows: list[dict[str, object]], split: str, only: set[str] | None = None) -> list[tuple[str, set[str], str]]:
    """(query, expected, kind) of one split; with ``only``, the expected codes are narrowed to those
    items and queries left without any are dropped (the "published items only" view)."""
    out = []
    for r in rows:
        if r["split"] != split:
            continue
        expected = set(r["expected"])  # type: ignore[call-overload]
        if only is not None:
            expected &= only
        if expected:
            out.append((str(r["query"]), expected, str(r["kind"])))
    return out


def published_codes(path: Path) -> set[str] | None:
    """Codes of the items the catalog's quality rules would publish on import (the others stay drafts and
    are not searchable); None when the rules cannot be applied to the file outside a database."""
    from types import SimpleNamespace

    from yiwang.catalog import quality
    from yiwang.catalog.schemas import ItemIn

    def parts(limit: object) -> tuple[int | None, str | None]:
        if limit is None:
            return None, None
        if limit == "immediate":
            return 0, "immediate"
        return limit.value, limit.unit  # type: ignore[attr-defined]

    opener: Callable[..., Iterator[str]] = gzip.open if path.suffix == ".gz" else open  # type: ignore[assignment]
    codes = set()
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                record = ItemIn.model_validate(json.loads(line))
                legal, promised = parts(record.legal_limit), parts(record.promised_limit)
                version = SimpleNamespace(
                    name=record.name, item_type=record.item_type, legal_limit_value=legal[0],
                    legal_limit_unit=legal[1], promised_limit_value=promised[0], promised_limit_unit=promised[1],
                    online_depth=record.online_depth or (3 if record.online else 1), visits=record.visits,
                    visit_reason=record.visit_reason, online_payment=record.online_payment, fees=record.fees,
                    consult_phone=record.consult_phone, complaint_phone=record.complaint_phone)
                problems = quality.check(version, record.materials)
                if not [p for p in problems if getattr(p, "blocking", True)]:
                    codes.add(record.code)
    except Exception:  # the rules moved on: the figure is left out rather than guessed
        return None
    return codes


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


def people_table(engine: dict[str, dict[str, dict]], previous: dict[str, dict[str, dict]]) -> str:
    """One row per split and kind: the engine beside the previous engine."""
    lines = [
        "| split | kind | queries | hit@1 | hit@1 previous | hit@5 | hit@5 previous | MRR@10 | MRR@10 previous |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split in ("heldout", "tune"):
        e_all, p_all = engine[split], previous[split]
        for key in ["all"] + [k for k in PEOPLE_KINDS if k in e_all]:
            e, p = e_all[key], p_all[key]
            label = f"**{key}**" if key == "all" else key
            lines.append(f"| {split} | {label} | {e['n']} | {e['hit@1']:.3f} | {p['hit@1']:.3f} | {e['hit@5']:.3f}"
                         f" | {p['hit@5']:.3f} | {e['mrr@10']:.3f} | {p['mrr@10']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--people", type=Path, default=DEFAULT_PEOPLE)
    parser.add_argument("--show-misses", action="store_true", help="misses of the first set and of the tune split")
    args = parser.parse_args(argv)

    docs = load_docs(args.catalog)
    queries = load_queries(args.queries)
    engine, engine_build, plain, plain_build = build_both(SearchEngine(default_analyzer()), docs)

    engine_result = evaluate(lambda q: [c for c, _ in engine.search(q, limit=10)[1]], queries)
    plain_result = evaluate(lambda q: plain.search(q, limit=10), queries)
    print(f"catalog: {args.catalog.name}, {len(docs)} items; queries: {len(queries)}")
    print(f"build: engine {engine_build:.2f} s, plain BM25 {plain_build:.2f} s\n")
    print(markdown(engine_result, plain_result))
    from yiwang.catalog.search import previous_analyzer

    before = SearchEngine(previous_analyzer())
    before.build(docs)
    b = evaluate(lambda q: [c for c, _ in before.search(q, limit=10)[1]], queries)["all"]
    print(f"\nprevious engine (no intents, no priors) on this set, same run: hit@1 {b['hit@1']:.3f}, "
          f"hit@5 {b['hit@5']:.3f}, MRR@10 {b['mrr@10']:.3f}")
    e, p = engine_result["all"], plain_result["all"]
    result("search quality: hit@1 over labelled queries", e["hit@1"], "", "plain BM25 hit@1", p["hit@1"])
    result("search quality: MRR@10", e["mrr@10"], "", "plain BM25 MRR@10", p["mrr@10"])
    if args.show_misses:
        print("\nengine misses (rank of the first expected item, None = not in top 10):")
        for category, query, rank in engine_result["_misses"]["list"]:
            print(f"  {category:10} {rank!s:>4}  {query}")
    if args.people.exists():
        people_quality(args, docs, engine)


def people_quality(args: argparse.Namespace, docs: list[SearchDoc], engine: SearchEngine) -> None:
    """The people-style set: held-out and tune splits, engine vs previous engine, all items and published only."""
    from yiwang.catalog.search import previous_analyzer

    rows = load_people(args.people)
    previous = SearchEngine(previous_analyzer())
    previous.build(docs)
    print(f"\n### Queries written the way people talk ({args.people.name}: {len(rows)} queries)\n")
    print("Every item of the file searchable (drafts counted as findable once published):\n")
    results: dict[str, dict[str, dict[str, dict]]] = {"engine": {}, "previous": {}}
    for split in ("heldout", "tune"):
        queries = people_split(rows, split)
        results["engine"][split] = evaluate(lambda q: [c for c, _ in engine.search(q, limit=10)[1]], queries)
        results["previous"][split] = evaluate(lambda q: [c for c, _ in previous.search(q, limit=10)[1]], queries)
    print(people_table(results["engine"], results["previous"]))
    held, held_prev = results["engine"]["heldout"]["all"], results["previous"]["heldout"]["all"]
    met = all(held[k] >= v for k, v in HELDOUT_TARGETS.items())
    print(f"\nheld-out targets hit@5 >= {HELDOUT_TARGETS['hit@5']}, hit@1 >= {HELDOUT_TARGETS['hit@1']}: "
          f"{'met' if met else 'NOT met'} (hit@5 {held['hit@5']:.3f}, hit@1 {held['hit@1']:.3f})")
    result("search quality, people-style held-out: hit@5", held["hit@5"], "", "previous engine hit@5",
           held_prev["hit@5"], target=">= 0.95", met=held["hit@5"] >= HELDOUT_TARGETS["hit@5"])
    result("search quality, people-style held-out: hit@1", held["hit@1"], "", "previous engine hit@1",
           held_prev["hit@1"], target=">= 0.85", met=held["hit@1"] >= HELDOUT_TARGETS["hit@1"])
    published = published_codes(args.catalog)
    if published is not None and len(published) < len(docs):
        shown = [d for d in docs if d.code in published]
        engine_pub, previous_pub = SearchEngine(engine.analyzer), SearchEngine(previous.analyzer)
        engine_pub.build(shown)
        previous_pub.build(shown)
        print(f"\nOnly the {len(shown)} items the current quality rules publish (queries whose items are all "
              "drafts left out):\n")
        print("| split | queries | hit@1 | hit@1 previous | hit@5 | hit@5 previous |")
        print("|---|---:|---:|---:|---:|---:|")
        for split in ("heldout", "tune"):
            queries = people_split(rows, split, published)
            e = evaluate(lambda q: [c for c, _ in engine_pub.search(q, limit=10)[1]], queries)["all"]
            p = evaluate(lambda q: [c for c, _ in previous_pub.search(q, limit=10)[1]], queries)["all"]
            print(f"| {split} | {e['n']} | {e['hit@1']:.3f} | {p['hit@1']:.3f} | {e['hit@5']:.3f} | {p['hit@5']:.3f} |")
    if args.show_misses:
        print("\ntune-split misses (rank of the first expected item, None = not in top 10):")
        for category, query, rank in results["engine"]["tune"]["_misses"]["list"]:
            print(f"  {category:10} {rank!s:>4}  {query}")


if __name__ == "__main__":
    main()
