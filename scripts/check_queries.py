#!/usr/bin/env python3
"""Check the search evaluation set and the search lexicons against the converted catalog.

Usage:
    python scripts/check_queries.py [--catalog yiwang/catalog/seed_data/guangdong.jsonl.gz]
        [--queries bench/data/search_queries.tsv] [--lexicon yiwang/catalog/seed_data/lexicon.tsv]
        [--typos yiwang/catalog/seed_data/typos.tsv]

Checks (exit status 1 on any failure):
  * the query file has the header `query<TAB>expected_codes<TAB>note` and exactly three columns;
  * every expected code exists in the converted catalog; notes are exact|colloquial|pinyin|typo;
  * pinyin queries are plain ASCII letters and spaces; no query appears twice;
  * lexicon.tsv (`phrase<TAB>expansion<TAB>note`) and typos.tsv (`wrong<TAB>right`) are well formed;
  * evaluation hygiene (see CONVERSION_REPORT.md): at most one third of the colloquial queries may
    equal a lexicon phrase verbatim, and at most half of the typo queries may be repaired by typos.tsv
    alone.

Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "yiwang" / "catalog" / "seed_data"
NOTES = ("exact", "colloquial", "pinyin", "typo")
MIN_QUERIES = 130
MIN_LEXICON = 150
MAX_COLLOQUIAL_VERBATIM = 1 / 3
MAX_TYPO_TABLE_FIXED = 1 / 2


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def read_tsv(path: Path, header: list[str], errors: list[str]) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != header:
        errors.append(f"{path.name}: header must be {'<TAB>'.join(header)}")
        return []
    rows = []
    for lineno, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            errors.append(f"{path.name}:{lineno}: expected {len(header)} columns, got {len(fields)}")
            continue
        if any(not f.strip() for f in fields[: len(header) - 1]) or fields != [f.strip() for f in fields]:
            errors.append(f"{path.name}:{lineno}: empty field or surrounding spaces")
            continue
        rows.append(fields)
    return rows


def load_codes(path: Path) -> dict[str, str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {item["code"]: item["name"] for item in map(json.loads, fh) if item.get("code")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=SEED / "guangdong.jsonl.gz")
    parser.add_argument("--queries", type=Path, default=ROOT / "bench" / "data" / "search_queries.tsv")
    parser.add_argument("--lexicon", type=Path, default=SEED / "lexicon.tsv")
    parser.add_argument("--typos", type=Path, default=SEED / "typos.tsv")
    args = parser.parse_args(argv)

    errors: list[str] = []
    codes = load_codes(args.catalog)

    # ---- queries
    queries = read_tsv(args.queries, ["query", "expected_codes", "note"], errors)
    per_note: collections.Counter[str] = collections.Counter()
    seen: set[str] = set()
    n_codes = 0
    for query, expected, note in queries:
        if note not in NOTES:
            errors.append(f"query {query!r}: note {note!r} not in {'|'.join(NOTES)}")
        per_note[note] += 1
        if norm(query) in seen:
            errors.append(f"query {query!r}: duplicate")
        seen.add(norm(query))
        if note == "pinyin" and not re.fullmatch(r"[a-z]+( [a-z]+)*", query):
            errors.append(f"query {query!r}: pinyin queries use lower-case ASCII letters and single spaces")
        row_codes = expected.split(";")
        if len(set(row_codes)) != len(row_codes):
            errors.append(f"query {query!r}: repeated code")
        for code in row_codes:
            n_codes += 1
            if code not in codes:
                errors.append(f"query {query!r}: code {code!r} is not in {args.catalog.name}")
    if len(queries) < MIN_QUERIES:
        errors.append(f"only {len(queries)} queries (need at least {MIN_QUERIES})")

    # ---- lexicon and typos
    lexicon = read_tsv(args.lexicon, ["phrase", "expansion", "note"], errors)
    phrases = collections.Counter(norm(p) for p, _, _ in lexicon)
    for phrase, count in phrases.items():
        if count > 1:
            errors.append(f"lexicon: phrase {phrase!r} appears {count} times")
    for phrase, expansion, _ in lexicon:
        if norm(phrase) in {norm(t) for t in expansion.split()}:
            errors.append(f"lexicon: phrase {phrase!r} repeated in its own expansion")
    if len(lexicon) < MIN_LEXICON:
        errors.append(f"lexicon has {len(lexicon)} rows (need at least {MIN_LEXICON})")
    typos = read_tsv(args.typos, ["wrong", "right"], errors)
    wrongs = collections.Counter(w for w, _ in typos)
    for wrong, right in typos:
        if wrong == right:
            errors.append(f"typos: {wrong!r} maps to itself")
        if wrongs[wrong] > 1:
            errors.append(f"typos: {wrong!r} appears more than once")

    # ---- evaluation hygiene
    colloquial = [q for q, _, n in queries if n == "colloquial"]
    verbatim = [q for q in colloquial if norm(q) in phrases]
    touched = [q for q in colloquial if any(p and p in norm(q) for p in phrases)]
    if colloquial and len(verbatim) > MAX_COLLOQUIAL_VERBATIM * len(colloquial):
        errors.append(
            f"{len(verbatim)} of {len(colloquial)} colloquial queries are lexicon phrases verbatim "
            f"(limit one third): {', '.join(verbatim)}"
        )
    typo_queries = [q for q, _, n in queries if n == "typo"]
    table_fixed = [q for q in typo_queries if any(w in q for w, _ in typos)]
    if typo_queries and len(table_fixed) > MAX_TYPO_TABLE_FIXED * len(typo_queries):
        errors.append(
            f"{len(table_fixed)} of {len(typo_queries)} typo queries are repaired by typos.tsv alone (limit half)"
        )

    # ---- report
    print(f"catalog: {args.catalog.name}, {len(codes)} codes")
    print(f"queries: {len(queries)} ({n_codes} expected codes, {n_codes / max(len(queries), 1):.1f} per query)")
    for note in NOTES:
        print(f"  {note:<10} {per_note.get(note, 0)}")
    print(f"lexicon: {len(lexicon)} rows; typos: {len(typos)} rows")
    print(f"colloquial queries equal to a lexicon phrase: {len(verbatim)} of {len(colloquial)}"
          + (f" ({', '.join(verbatim)})" if verbatim else ""))
    print(f"colloquial queries containing some lexicon phrase: {len(touched)} of {len(colloquial)}")
    print(f"typo queries repaired by typos.tsv alone: {len(table_fixed)} of {len(typo_queries)}")
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for err in errors:
            print(f"  - {err}", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
