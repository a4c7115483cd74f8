"""Behaviour of the in-memory catalog search engine on a small hand-built catalog."""

from __future__ import annotations

import random

import bm25s
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.catalog.search import Analyzer, Filters, PlainBM25, SearchDoc, SearchEngine, load_default_lexicon
from yiwang.catalog.search import engine as engine_module
from yiwang.catalog.search.analyzer import compact, fuzzy_syllable, normalize, segment_pinyin

DOCS = [
    SearchDoc("A001", "营业执照核发", "市场监督管理局", 11, "440100", "01", ("2",), ("准营准办",), "企业名称 经营范围"),
    SearchDoc("A002", "营业执照变更登记", "市场监督管理局", 11, "440100", "01", ("2",), ("准营准办",), "变更"),
    SearchDoc("A003", "机动车驾驶证初次申领", "公安局", 12, "440300", "01", ("1",), ("交通出行",), "体检证明"),
    SearchDoc("A004", "机动车注册登记", "公安局", 12, "440300", "01", ("1", "2"), ("交通出行",), "购车发票"),
    SearchDoc("A005", "结婚登记", "民政局", 13, "440100", "07", ("1",), ("婚姻登记",), "户口簿 身份证"),
    SearchDoc("A006", "离婚登记", "民政局", 13, "440106", "07", ("1",), ("婚姻登记",), "离婚协议书"),
    SearchDoc("A007", "基本养老金申领", "人力资源和社会保障局", 14, "440000", "20", ("1",), ("退休",), "达到退休年龄"),
    SearchDoc("A008", "普通护照签发", "出入境管理支队", 12, "440100", "01", ("1",), ("出境入境",), "照片"),
    SearchDoc("A009", "往来港澳通行证签发", "出入境管理支队", 12, "440100", "01", ("1",), ("出境入境",), ""),
    SearchDoc("A010", "最低生活保障申请", "民政局", 13, "440000", "05", ("1",), ("社会救助",), "家庭收入"),
    SearchDoc("A011", "出生医学证明办理", "卫生健康委员会", 15, "440000", "20", ("1",), ("生小孩",), "新生儿"),
    SearchDoc("A012", "税收完税证明开具", "税务局", 16, "440000", "20", ("1", "2"), ("纳税",), "纳税人"),
]
BY_CODE = {d.code: d for d in DOCS}
LEXICON = {
    "考驾照": ["机动车驾驶证", "初次申领"],
    "退休金": ["基本养老金", "养老保险待遇"],
    "低保": ["最低生活保障"],
}
TYPOS = {"执找": "执照"}
QUERIES = ["营业执照", "登记", "驾驶证", "yingyezhizhao", "jhdj", "退休金怎么领", "证明", "结婚登机", "护照", "pthz"]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(lexicon=LEXICON, typos=TYPOS)


@pytest.fixture()
def engine(analyzer: Analyzer) -> SearchEngine:
    e = SearchEngine(analyzer)
    e.build(DOCS)
    return e


def codes(engine: SearchEngine, q: str, filters: Filters | None = None, limit: int = 20) -> list[str]:
    return [code for code, _ in engine.search(q, filters, limit=limit)[1]]


def passes(doc: SearchDoc, f: Filters) -> bool:
    return (
        (f.department_id is None or doc.department_id == f.department_id)
        and (f.department is None or doc.department == f.department)
        and (not f.region_prefix or doc.region_code.startswith(f.region_prefix))
        and (f.item_type is None or doc.item_type == f.item_type)
        and (f.audience is None or f.audience in doc.audience)
        and (f.theme is None or f.theme in doc.themes)
    )


# -- ranking ------------------------------------------------------------------------------------


def test_exact_name_comes_first(engine: SearchEngine) -> None:
    assert codes(engine, "营业执照核发")[0] == "A001"
    assert codes(engine, "营业执照变更登记")[0] == "A002"
    assert codes(engine, "结婚登记")[0] == "A005"
    assert codes(engine, "离婚登记")[0] == "A006"


def test_exact_name_wins_even_when_it_contains_query_fillers(analyzer: Analyzer) -> None:
    e = SearchEngine(analyzer)
    e.build([SearchDoc("B1", "无犯罪记录证明"), SearchDoc("B2", "有犯罪记录证明"), SearchDoc("B3", "林木品种审定"),
             SearchDoc("B4", "林木品种咨询")])
    assert codes(e, "有犯罪记录证明")[0] == "B2"
    assert codes(e, "无犯罪记录证明")[0] == "B1"
    assert codes(e, "林木品种咨询")[0] == "B4"


def test_full_width_and_spaces_are_normalised(engine: SearchEngine) -> None:
    assert codes(engine, " 结婚登记　")[0] == "A005"
    assert normalize("ＹＹＺＺ　营业") == "yyzz 营业"


def test_colloquial_query_reaches_formal_name_through_the_lexicon(engine: SearchEngine) -> None:
    assert codes(engine, "退休金怎么领")[0] == "A007"
    assert codes(engine, "想考个驾照")[0] == "A003"
    assert codes(engine, "低保")[0] == "A010"


def test_full_and_spaced_pinyin(engine: SearchEngine) -> None:
    assert codes(engine, "jiehundengji")[0] == "A005"
    assert codes(engine, "li hun deng ji")[0] == "A006"
    assert codes(engine, "yingye zhizhao hefa")[0] == "A001"
    assert set(codes(engine, "yingyezhizhao")[:2]) == {"A001", "A002"}
    assert codes(engine, "putong huzhao")[0] == "A008"


def test_pinyin_of_a_lexicon_phrase_expands(engine: SearchEngine) -> None:
    assert codes(engine, "tuixiujin")[0] == "A007"


def test_initials(engine: SearchEngine) -> None:
    assert codes(engine, "jhdj")[0] == "A005"
    assert codes(engine, "pthz")[0] == "A008"
    assert codes(engine, "JDCZCDJ")[0] == "A004"


def test_typos_through_the_map_and_through_sound(engine: SearchEngine) -> None:
    assert codes(engine, "营业执找核发")[0] == "A001"  # typo map
    assert codes(engine, "结婚登机")[0] == "A005"  # homophone, not in the map
    assert codes(engine, "离婚等记")[0] == "A006"
    assert codes(engine, "普通户照")[0] == "A008"
    assert codes(engine, "往来港澳通信证")[0] == "A009"  # near-homophone (xin/xing)


def test_scores_are_descending_and_positive(engine: SearchEngine) -> None:
    for q in QUERIES:
        scores = [s for _, s in engine.search(q)[1]]
        assert all(s > 0 for s in scores)
        assert scores == sorted(scores, reverse=True)


def test_nonsense_finds_nothing(engine: SearchEngine) -> None:
    assert engine.search("量子色动力学") == (0, [])
    assert engine.search("xqzv") == (0, [])


# -- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flt",
    [
        Filters(department="民政局"),
        Filters(department_id=12),
        Filters(item_type="01"),
        Filters(audience="2"),
        Filters(theme="婚姻登记"),
        Filters(region_prefix="4401"),
        Filters(region_prefix="440100", item_type="01", audience="1"),
    ],
)
def test_filters_restrict_results(engine: SearchEngine, flt: Filters) -> None:
    for q in QUERIES + [""]:
        total, page = engine.search(q, flt, limit=50)
        assert total == len(page)
        assert all(passes(BY_CODE[c], flt) for c, _ in page)
    expected = {d.code for d in DOCS if passes(d, flt)}
    assert {c for c, _ in engine.search("", flt, limit=50)[1]} == expected


def test_filter_on_unknown_value_matches_nothing(engine: SearchEngine) -> None:
    assert engine.search("登记", Filters(department="不存在的部门")) == (0, [])
    assert engine.search("", Filters(theme="没有这个主题")) == (0, [])


def test_filters_narrow_a_query(engine: SearchEngine) -> None:
    assert codes(engine, "登记", Filters(department="民政局")) == sorted(
        codes(engine, "登记", Filters(department="民政局")), key=lambda c: codes(engine, "登记").index(c)
    )
    assert set(codes(engine, "登记", Filters(theme="婚姻登记"))) == {"A005", "A006"}


# -- paging and ordering ------------------------------------------------------------------------


def test_offset_limit_and_total(engine: SearchEngine) -> None:
    total, full = engine.search("登记", limit=100)
    assert total == len(full) >= 4
    pages = [engine.search("登记", limit=2, offset=o) for o in range(0, total, 2)]
    assert all(t == total for t, _ in pages)
    assert [hit for _, page in pages for hit in page] == full
    assert engine.search("登记", limit=0) == (total, [])
    assert engine.search("登记", offset=total) == (total, [])
    assert engine.search("登记", limit=-3, offset=-1)[1] == []


def test_empty_query_lists_everything_in_name_order(engine: SearchEngine) -> None:
    total, page = engine.search("", limit=100)
    assert total == len(DOCS)
    names = [BY_CODE[c].name for c, _ in page]
    assert names[0] == "出生医学证明办理"  # chu … sorts first by pinyin
    assert page[:3] == engine.search("  ", limit=3)[1] == engine.search("，。！", limit=3)[1]
    assert engine.search("", limit=3, offset=3)[1] == page[3:6]


def test_ties_break_by_code(analyzer: Analyzer) -> None:
    twins = [SearchDoc(f"T{i:02d}", "残疾人证新办") for i in (5, 1, 3, 2, 4)]
    e = SearchEngine(analyzer)
    e.build(twins)
    assert codes(e, "残疾人证") == ["T01", "T02", "T03", "T04", "T05"]
    assert codes(e, "") == ["T01", "T02", "T03", "T04", "T05"]


def test_results_do_not_depend_on_input_order(analyzer: Analyzer) -> None:
    shuffled = DOCS[:]
    random.Random(3).shuffle(shuffled)
    a, b = SearchEngine(analyzer), SearchEngine(analyzer)
    a.build(DOCS)
    b.build(shuffled)
    for q in QUERIES:
        assert a.search(q) == b.search(q)


# -- updates ------------------------------------------------------------------------------------


def test_upsert_adds_and_replaces(engine: SearchEngine) -> None:
    engine.upsert(SearchDoc("A013", "残疾人证新办", "残疾人联合会", 17, "440000", "20", ("1",)))
    assert codes(engine, "残疾人证")[0] == "A013"
    assert len(engine) == len(DOCS) + 1
    engine.upsert(SearchDoc("A005", "涉外婚姻登记", "民政局", 13, "440100", "07", ("1",), ("婚姻登记",)))
    assert "A005" not in codes(engine, "结婚")
    assert codes(engine, "涉外婚姻登记")[0] == "A005"
    assert len(engine) == len(DOCS) + 1
    engine.upsert(SearchDoc("A013", "残疾人证换领"))  # replace a delta item
    assert codes(engine, "残疾人证新办")[0] == "A013"
    assert "A013" not in codes(engine, "新办")


def test_remove_hides_main_and_delta_items(engine: SearchEngine) -> None:
    engine.remove("A005")
    assert "A005" not in codes(engine, "结婚登记")
    assert "A005" not in codes(engine, "")
    engine.upsert(SearchDoc("A013", "残疾人证新办"))
    engine.remove("A013")
    assert "A013" not in codes(engine, "残疾人证新办")
    engine.remove("NOPE")
    assert len(engine) == len(DOCS) - 1


def final_docs() -> list[SearchDoc]:
    docs = {d.code: d for d in DOCS}
    docs["A002"] = SearchDoc("A002", "营业执照注销登记", "市场监督管理局", 11, "440100", "01", ("2",), ("准营准办",))
    docs["A013"] = SearchDoc("A013", "残疾人证新办", "残疾人联合会", 17, "440000", "20", ("1",), ("社会救助",))
    docs["A014"] = SearchDoc("A014", "结婚登记预约", "民政局", 13, "440100", "07", ("1",), ("婚姻登记",))
    del docs["A010"]
    return list(docs.values())


def apply_changes(engine: SearchEngine) -> None:
    final = {d.code: d for d in final_docs()}
    for code in ("A002", "A013", "A014"):
        engine.upsert(final[code])
    engine.remove("A010")


def test_delta_then_compact_equals_a_full_build(analyzer: Analyzer) -> None:
    incremental, full = SearchEngine(analyzer), SearchEngine(analyzer)
    incremental.build(DOCS)
    apply_changes(incremental)
    full.build(final_docs())
    filters = [None, Filters(department="民政局"), Filters(item_type="01"), Filters(region_prefix="4401")]
    queries = QUERIES + ["", "结婚登记预约", "残疾人证", "注销", "低保"]
    for q in queries:  # before compaction: the same items match
        for f in filters:
            a, b = incremental.search(q, f, limit=50), full.search(q, f, limit=50)
            assert a[0] == b[0] and {c for c, _ in a[1]} == {c for c, _ in b[1]}, (q, f)
    incremental.compact()
    assert len(incremental) == len(full) == len(final_docs())
    for q in queries:
        for f in filters:
            assert incremental.search(q, f, limit=50) == full.search(q, f, limit=50), (q, f)


def test_automatic_compaction(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "DELTA_LIMIT", 2)
    e, full = SearchEngine(analyzer), SearchEngine(analyzer)
    e.build(DOCS[:6])
    for doc in DOCS[6:]:
        e.upsert(doc)
    assert len(e._delta) <= 2
    full.build(DOCS)
    e.compact()
    for q in QUERIES:
        assert e.search(q) == full.search(q)


def test_random_updates_then_compact_equal_a_build(analyzer: Analyzer) -> None:
    rng = random.Random(11)
    e = SearchEngine(analyzer)
    e.build(DOCS[:5])
    current = {d.code: d for d in DOCS[:5]}
    names = [d.name for d in DOCS] + ["残疾人证新办", "结婚登记预约", "护照加急"]
    for step in range(40):
        code = f"A{rng.randint(1, 16):03d}"
        if rng.random() < 0.25:
            e.remove(code)
            current.pop(code, None)
        else:
            doc = SearchDoc(code, rng.choice(names), rng.choice(["民政局", "公安局"]), item_type=rng.choice(["01", "20"]))
            e.upsert(doc)
            current[code] = doc
        if step % 13 == 12:
            e.compact()
    e.compact()
    full = SearchEngine(analyzer)
    full.build(current.values())
    assert len(e) == len(current)
    for q in QUERIES + ["", "残疾人证", "护照加急"]:
        assert e.search(q, limit=50) == full.search(q, limit=50)


def test_build_replaces_everything(engine: SearchEngine) -> None:
    engine.upsert(SearchDoc("A013", "残疾人证新办"))
    engine.build(DOCS[:2])
    assert len(engine) == 2
    assert engine.search("残疾人证") == (0, [])
    engine.build([])
    assert len(engine) == 0
    assert engine.search("营业执照") == (0, []) == engine.search("")


def test_searches_run_while_items_change(analyzer: Analyzer) -> None:
    import threading

    e = SearchEngine(analyzer)
    e.build(DOCS)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                for q in QUERIES:
                    total, page = e.search(q, Filters(item_type="01"))
                    assert total >= len(page)
                    assert all(BY_CODE.get(c, SearchDoc(c, "", item_type="01")).item_type == "01" for c, _ in page)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(60):
        e.upsert(SearchDoc(f"C{i % 7}", f"营业执照变更{i}", item_type="01"))
        if i % 9 == 0:
            e.remove(f"A00{i % 9 + 1}")
        if i % 20 == 19:
            e.compact()
    stop.set()
    for t in threads:
        t.join()
    assert errors == []


# -- properties ---------------------------------------------------------------------------------

filter_values = st.builds(
    Filters,
    department_id=st.none() | st.sampled_from([11, 12, 13, 99]),
    department=st.none() | st.sampled_from(["民政局", "公安局", "税务局", ""]),
    region_prefix=st.none() | st.sampled_from(["44", "4401", "440300", "9"]),
    item_type=st.none() | st.sampled_from(["01", "07", "20"]),
    audience=st.none() | st.sampled_from(["1", "2"]),
    theme=st.none() | st.sampled_from(["婚姻登记", "退休", "交通出行"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=40), flt=st.none() | filter_values, limit=st.integers(-2, 30), offset=st.integers(-2, 30))
def test_search_never_raises_and_respects_filters(
    engine: SearchEngine, q: str, flt: Filters | None, limit: int, offset: int
) -> None:
    total, page = engine.search(q, flt, limit=limit, offset=offset)
    assert 0 <= len(page) <= max(0, limit)
    assert total >= len(page)
    assert len({c for c, _ in page}) == len(page)
    for code, score in page:
        assert flt is None or passes(BY_CODE[code], flt)
        assert np.isfinite(score)


@settings(max_examples=60, deadline=None)
@given(q=st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz '"), max_size=30))
def test_latin_queries_never_raise(q: str) -> None:
    analyzer = Analyzer(lexicon=LEXICON)
    plan = analyzer.analyze_query(q)
    assert plan.mode in ("pinyin", "initials", "empty")


# -- analysis -----------------------------------------------------------------------------------


def test_pinyin_segmentation() -> None:
    assert segment_pinyin("yingyezhizhao") == [["ying", "ye", "zhi", "zhao"]]
    assert ["gang", "ao"] in segment_pinyin("gangao")
    assert segment_pinyin("jhdj") == []
    assert segment_pinyin("") == []
    assert fuzzy_syllable("zheng") == fuzzy_syllable("zen") == "zen"
    assert fuzzy_syllable("lv") == "lu"


def test_analyzer_keys(analyzer: Analyzer) -> None:
    assert analyzer.syllables("银行") == ["yin", "hang"]
    keys = analyzer.pinyin_key("营业执照")
    assert {"py:ying_ye", "py:zhi_zhao", "fz:yin_ye", "ac:yyz", "ac:yz"} <= set(keys)
    tokens = analyzer.index_tokens("营业执照（副本）的核发")
    assert "营业执照" in tokens and "营业" in tokens and "的" not in tokens and "（" not in tokens
    assert compact("营业执照（副本）") == "营业执照副本"
    plan = analyzer.analyze_query("退休金怎么领")
    assert plan.expansions == ("退休金",) and "怎么" not in dict(plan.words)


def test_user_words_stay_in_their_analyzer() -> None:
    plain = Analyzer()
    custom = Analyzer(user_words=["粤省事码"])
    assert "粤省事码" in custom.index_tokens("申领粤省事码")
    assert "粤省事码" not in plain.index_tokens("申领粤省事码")


def test_default_lexicon_loads() -> None:
    lexicon, typos = load_default_lexicon()
    assert lexicon and typos
    assert all(terms and phrase not in terms for phrase, terms in lexicon.items())
    assert all(wrong != right for wrong, right in typos.items())


def test_bm25_weights_match_bm25s() -> None:
    """With one field, the engine's weights are bm25s' Lucene weights times the field weight."""
    corpus = [["a", "b", "a"], ["b", "c"], ["a", "c", "c", "d"], ["e"]]
    vocab = {t: i for i, t in enumerate(sorted({t for doc in corpus for t in doc}))}
    rows, cols, tfs = [], [], []
    for j, doc in enumerate(corpus):
        for t in sorted(set(doc)):
            rows.append(vocab[t])
            cols.append(j)
            tfs.append(doc.count(t))
    field = engine_module._FIELD_INDEX["k"]
    lengths = np.zeros((engine_module._N_FIELDS, len(corpus)), dtype=np.float32)
    lengths[field] = [len(doc) for doc in corpus]
    segment = engine_module._Segment(
        [engine_module._Record(SearchDoc(str(j), "x"), "x", " x ", "x") for j in range(len(corpus))],
        np.array(rows, dtype=np.int32),
        np.array(cols, dtype=np.int32),
        np.array(tfs, dtype=np.uint16),
        lengths,
        len(vocab),
        np.full(len(vocab), field, dtype=np.int8),
    )
    params = engine_module.FIELDS["k"]
    reference = bm25s.BM25(method="lucene", k1=params.k1, b=params.b)
    reference.index(corpus, show_progress=False)
    for token, term_id in vocab.items():
        ours = segment.scores([(term_id, 1.0)]) / params.weight
        np.testing.assert_allclose(ours, reference.get_scores([token]), rtol=1e-5)


def test_plain_bm25_baseline() -> None:
    plain = PlainBM25()
    assert plain.search("结婚") == []
    plain.build(DOCS)
    assert plain.search("结婚登记")[0] == "A005"
    assert plain.search("jiehun") == []
    assert len(plain.search("登记", limit=2)) == 2
