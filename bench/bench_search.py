"""Catalog search benchmark: build time and query latency at 100,000 items, engine vs plain BM25.

Usage: python -m bench.bench_search [PATH] [--docs 100000] [--queries 1000] [--seed 7]

PATH is a catalog in the import format (.jsonl or .jsonl.gz, default: the project's Guangdong seed
file). The 100k items
are synthesised from the real ones: every real item is repeated for prefecture cities and
districts of Guangdong, with the region in the department name and, for half of the copies, in
the item name. Queries mix exact names, name fragments, colloquial requests, full / spaced pinyin,
initials and homophone typos; half of them carry a filter.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import time
from pathlib import Path

from bench.common import result
from bench.search_quality import DEFAULT_CATALOG, DEFAULT_PEOPLE, build_both, load_docs, load_people
from yiwang.catalog.search import Filters, SearchDoc, SearchEngine, default_analyzer, previous_analyzer
from yiwang.catalog.search.analyzer import _CJK_CHAR, compact
from yiwang.catalog.search.analyzer import _WORD_PINYIN as word_pinyin

CITIES = [
    ("440100", "广州市"), ("440200", "韶关市"), ("440300", "深圳市"), ("440400", "珠海市"), ("440500", "汕头市"),
    ("440600", "佛山市"), ("440700", "江门市"), ("440800", "湛江市"), ("440900", "茂名市"), ("441200", "肇庆市"),
    ("441300", "惠州市"), ("441400", "梅州市"), ("441500", "汕尾市"), ("441600", "河源市"), ("441700", "阳江市"),
    ("441800", "清远市"), ("441900", "东莞市"), ("442000", "中山市"), ("445100", "潮州市"), ("445200", "揭阳市"),
    ("445300", "云浮市"),
]
DISTRICTS = ["城区", "新区", "东区", "西区", "南区", "北区", "高新区", "开发区"]

# Everyday requests written for this benchmark (not the labelled evaluation set).
COLLOQUIAL = [
    "孩子上学怎么办理", "公司注销流程", "怎么交社保", "房产证丢了", "开饭店要什么证", "失业了怎么领钱",
    "公积金提取", "身份证过期换证", "出生证明", "居住证怎么办", "医保报销", "驾照到期换证", "营业执照变更",
    "个体户注册", "退休手续", "护照加急", "外地户口迁入", "申请公租房", "残疾人补贴", "社保卡丢了补办",
    "生孩子报销", "开药店", "建房审批", "卖酒要什么许可", "工伤认定", "考教师证", "发票怎么开", "交通违章处理",
]


def synthesise(base: list[SearchDoc], n: int) -> list[SearchDoc]:
    regions = [(code, name) for code, name in CITIES]
    regions += [
        (code[:4] + f"{k + 2:02d}", name + district) for code, name in CITIES for k, district in enumerate(DISTRICTS)
    ]
    out: list[SearchDoc] = []
    variant = 0
    while len(out) < n:
        region_code, region_name = regions[variant % len(regions)]
        for doc in base:
            if len(out) >= n:
                break
            department = doc.department.replace("广东省", region_name) if "广东省" in doc.department else (
                region_name + doc.department
            )
            name = doc.name if (variant + len(out)) % 2 == 0 else f"{region_name}{doc.name}"
            out.append(
                SearchDoc(
                    code=f"{doc.code}-{variant:03d}",
                    name=name,
                    department=department,
                    department_id=hash(department) % 5000,
                    region_code=region_code,
                    item_type=doc.item_type,
                    audience=doc.audience,
                    themes=doc.themes,
                    keywords=doc.keywords,
                )
            )
        variant += 1
    return out


def make_queries(base: list[SearchDoc], docs: list[SearchDoc], count: int, rng: random.Random) -> list[tuple[str, Filters | None]]:
    from pypinyin import lazy_pinyin

    names = [d.name for d in base if len(d.name) >= 4]
    by_sound: dict[str, list[str]] = {}
    for name in names:
        for char in name:
            if _CJK_CHAR.match(char):
                by_sound.setdefault(lazy_pinyin(char)[0], []).append(char)

    def typo(name: str) -> str:
        chars = list(name[:10])
        spots = [i for i, c in enumerate(chars) if _CJK_CHAR.match(c)]
        if spots:
            i = rng.choice(spots)
            options = [c for c in set(by_sound.get(lazy_pinyin(chars[i])[0], [])) if c != chars[i]]
            if options:
                chars[i] = rng.choice(sorted(options))
        return "".join(chars)

    def pinyin(name: str, spaced: bool) -> str:
        return (" " if spaced else "").join(lazy_pinyin(name[:5]))

    def initials(name: str) -> str:
        return "".join(s[0] for s in lazy_pinyin(name[:4]))

    kinds = [
        lambda n: n,
        lambda n: n[: rng.randint(2, 6)],
        lambda n: rng.choice(COLLOQUIAL),
        lambda n: pinyin(n, False),
        lambda n: pinyin(n, True),
        lambda n: initials(n),
        typo,
    ]
    sample = rng.sample(docs, 200)
    filters = [
        lambda d: Filters(item_type=d.item_type),
        lambda d: Filters(region_prefix=d.region_code[:4]),
        lambda d: Filters(audience=d.audience[0]) if d.audience else None,
        lambda d: Filters(department=d.department),
        lambda d: Filters(theme=d.themes[0]) if d.themes else Filters(item_type="20"),
    ]
    queries = []
    for i in range(count):
        query = kinds[i % len(kinds)](rng.choice(names))
        flt = rng.choice(filters)(rng.choice(sample)) if i % 2 else None
        queries.append((query, flt))
    return queries


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))] * 1000

    return at(0.50), at(0.95), at(0.99)


def timed(fn, queries) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for query in queries:
        started = time.perf_counter()
        fn(query)
        out.append(time.perf_counter() - started)
    return out


def previous_vs_current(engine: SearchEngine, queries: list[tuple[str, Filters | None]]) -> None:
    """The engine with and without the intent layer and the ranking priors, on the same index and the same
    queries, timed alternately (query by query) so that both see the same load on a shared machine.

    The previous engine differs only in its query analyzer (the index is the same), so the index is shared
    by swapping the analyzer. The people-style labelled queries (goals, plain wording …, longer than the
    synthetic ones and the ones that fire intents) are timed as well."""
    current, previous = engine.analyzer, previous_analyzer()
    people = [(str(r["query"]), None) for r in load_people(DEFAULT_PEOPLE)] if DEFAULT_PEOPLE.exists() else []
    rows = []
    for label, subset in (("benchmark queries", queries), (f"people-style labelled queries ({len(people)})", people)):
        if not subset:
            continue
        times: dict[str, list[float]] = {"current": [], "previous": []}
        for query, flt in subset:
            for key, analyzer in (("current", current), ("previous", previous)):
                engine.analyzer = analyzer
                started = time.perf_counter()
                engine.search(query, flt, limit=20)
                times[key].append(time.perf_counter() - started)
        engine.analyzer = current
        rows.append((label, percentiles(times["current"]), percentiles(times["previous"])))
    for label, (a, b, c), (x, y, z) in rows:
        print(f"| engine, {label} | {a:.2f} | {b:.2f} | {c:.2f} |")
        print(f"| previous engine (no intents, no priors), same queries alternated | {x:.2f} | {y:.2f} | {z:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=None)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    path = args.path or DEFAULT_CATALOG
    rng = random.Random(args.seed)

    base = load_docs(path)
    docs = synthesise(base, args.docs)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"corpus: {len(docs)} items synthesised from {len(base)} real items of {path.name}")

    # cold analysis cost per unique item, to extrapolate a corpus without repeated text
    analyzer = default_analyzer()
    probe = SearchEngine(analyzer)
    probe.build(base[:50])  # loads jieba and pypinyin
    analyzer._token_cache.clear()
    analyzer._syllable_cache.clear()
    word_pinyin.clear()
    started = time.perf_counter()
    probe.build(base)
    per_unique = (time.perf_counter() - started) / len(base)
    chars = sum(len(d.name) + len(d.keywords) + len(d.department) for d in base) / len(base)

    gc.collect()
    engine, engine_build, plain, plain_build = build_both(SearchEngine(analyzer), docs)
    print(
        f"build: engine {engine_build:.1f} s (repeated texts hit the analyzer cache), plain BM25 {plain_build:.1f} s;"
        f" cold analysis {per_unique * 1000:.2f} ms per unique item ({chars:.0f} chars)"
        f" -> ~{per_unique * len(docs):.0f} s for {len(docs)} items of unique text"
    )
    main = engine._main
    size = sum(a.nbytes for a in (main.indptr, main.indices, main.tfs, main.weights, main.lengths)) / 2**20
    print(f"index: {len(main.indices):,} postings, {len(engine._vocab.ids):,} terms, {size:.0f} MiB of arrays")

    queries = make_queries(base, docs, args.queries, rng)
    for query, flt in queries[:50]:  # warm-up
        engine.search(query, flt)
        plain.search(query)
    engine_times = timed(lambda qf: engine.search(qf[0], qf[1], limit=20), queries)
    plain_times = timed(lambda qf: plain.search(qf[0], limit=20), queries)
    unfiltered = [qf for qf in queries if qf[1] is None]
    filtered = [qf for qf in queries if qf[1] is not None]
    e50, e95, e99 = percentiles(engine_times)
    p50, p95, p99 = percentiles(plain_times)
    print(f"\nlatency over {len(queries)} queries ({len(filtered)} with a filter), ms:")
    print("| | p50 | p95 | p99 |")
    print("|---|---:|---:|---:|")
    print(f"| SearchEngine.search | {e50:.2f} | {e95:.2f} | {e99:.2f} |")
    print(f"| PlainBM25.search (no filters) | {p50:.2f} | {p95:.2f} | {p99:.2f} |")
    print(f"| ratio engine / plain | {e50 / p50:.2f} | {e95 / p95:.2f} | {e99 / p99:.2f} |")
    result("search in-process, 100k items: p95", e95, "ms", "plain BM25 (bm25s-style) p95", p95,
           target="p95 < 20 ms", met=e95 < 20, higher_is_better=False)
    previous_vs_current(engine, queries)
    chinese = [qf for qf in queries if _CJK_CHAR.search(qf[0])]
    a, b, c = percentiles(timed(lambda qf: engine.search(qf[0], qf[1], limit=20), chinese))
    x, y, z = percentiles(timed(lambda qf: plain.search(qf[0], limit=20), chinese))
    print(f"| engine, Chinese queries only ({len(chinese)}) | {a:.2f} | {b:.2f} | {c:.2f} |")
    print(f"| PlainBM25, Chinese queries only | {x:.2f} | {y:.2f} | {z:.2f} |")
    for label, subset in (("without filter", unfiltered), ("with filter", filtered)):
        a, b, c = percentiles(timed(lambda qf: engine.search(qf[0], qf[1], limit=20), subset))
        print(f"| engine, {label} | {a:.2f} | {b:.2f} | {c:.2f} |")
    browse = [("", None), ("", Filters(item_type="01")), ("", Filters(region_prefix="4403"))] * 30
    a, b, c = percentiles(timed(lambda qf: engine.search(qf[0], qf[1], limit=20, offset=40), browse))
    print(f"| engine, empty query (browse, page 3) | {a:.2f} | {b:.2f} | {c:.2f} |")

    # updates: upserts go to the delta segment, then compaction
    changed = [
        SearchDoc(**{**d.__dict__, "name": d.name + "（变更）"}) for d in rng.sample(docs, 1500)
    ]
    started = time.perf_counter()
    for doc in changed:
        engine.upsert(doc)
    per_upsert = (time.perf_counter() - started) / len(changed)
    started = time.perf_counter()
    engine.search("营业执照")  # the first search after changes rebuilds the small delta segment
    first_after = time.perf_counter() - started
    a, b, c = percentiles(timed(lambda qf: engine.search(qf[0], qf[1], limit=20), queries))
    print(f"| engine with {len(changed)} items in the delta segment | {a:.2f} | {b:.2f} | {c:.2f} |")
    started = time.perf_counter()
    engine.compact()
    print(
        f"\nupsert: {per_upsert * 1000:.2f} ms per item; first search after them (delta rebuild):"
        f" {first_after * 1000:.1f} ms; compact: {time.perf_counter() - started:.2f} s"
    )
    by_code = {d.code: d for d in docs} | {d.code: d for d in changed}
    names = [d.name for d in rng.sample(list(by_code.values()), 500)]
    exact = sum(compact(by_code[engine.search(n, limit=1)[1][0][0]].name) == compact(n) for n in names)
    print(f"exact-name queries whose first hit has that name (up to punctuation): {exact}/{len(names)}")
    print(f"median query ratio engine / plain: {statistics.median(engine_times) / statistics.median(plain_times):.2f}")


if __name__ == "__main__":
    main()
