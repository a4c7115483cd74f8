"""The intent layer and the ranking priors of catalog search (yiwang/catalog/search/intents.py) on
small hand-built catalogs: goals and plain wording reach the service they mean, lookup and
consultation items give way to the service unless the query asks for them, and a change / renewal
variant gives way to the first application unless the query names the change."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from yiwang.catalog.search import Analyzer, SearchDoc, SearchEngine, default_analyzer, load_intents
from yiwang.catalog.search.intents import (
    is_lookup_name,
    is_variant_name,
    match_intents,
    names_variant,
    parse_intent,
    wants_lookup,
)

INTENTS_TSV = """cues\ttargets\tnote
领证|登记结婚\t结婚登记\tmarriage
歇业|不开了\t停业登记\tsuspension
被猫|被狗+抓|咬\t狂犬病暴露后医学处置\trabies
"""

DOCS = [
    SearchDoc("B001", "结婚登记预约", "民政厅", keywords="身份证 户口簿"),
    SearchDoc("B002", "补领结婚证预约", "民政厅", keywords="身份证 户口簿"),
    SearchDoc("B003", "停业登记", "税务局", keywords="停业 纳税人"),
    SearchDoc("B004", "复业登记", "税务局", keywords="复业 纳税人"),
    SearchDoc("B005", "狂犬病暴露后医学处置门诊信息查询", "卫生健康委", keywords="门诊"),
    SearchDoc("B006", "宠物店开办指引", "农业农村厅", keywords="猫 狗 宠物"),
    SearchDoc("B007", "办理往来港澳通行证", "公安厅", keywords="照片 身份证"),
    SearchDoc("B008", "首次办理往来港澳通行证进度查询", "公安厅", keywords="受理编号"),
    SearchDoc("B009", "换发往来港澳通行证进度查询", "公安厅", keywords="受理编号"),
    SearchDoc("B010", "海域使用权初始审核、审批", "自然资源厅", keywords="用海"),
    SearchDoc("B011", "海域使用权转让审批", "自然资源厅", keywords="用海 转让"),
    SearchDoc("B012", "海域使用权续期审核、审批", "自然资源厅", keywords="用海 续期"),
    SearchDoc("B013", "海域使用政策咨询", "自然资源厅", keywords="用海 政策"),
]


def _engine(analyzer: Analyzer) -> SearchEngine:
    engine = SearchEngine(analyzer)
    engine.build(DOCS)
    return engine


@pytest.fixture(scope="module")
def with_intents() -> SearchEngine:
    return _engine(Analyzer(intents=load_intents(INTENTS_TSV), lookup_prior=True))


@pytest.fixture(scope="module")
def without() -> SearchEngine:
    return _engine(Analyzer())


def first(engine: SearchEngine, q: str) -> str | None:
    hits = engine.search(q, limit=5)[1]
    return hits[0][0] if hits else None


def test_cue_groups_must_all_be_present_and_alternatives_are_alternatives() -> None:
    intent = parse_intent("被猫|被狗 + 抓|咬", "狂犬病暴露后医学处置")
    assert intent is not None
    assert intent.matches("昨天被猫抓伤了") and intent.matches("孩子被狗咬了一口")
    assert not intent.matches("被猫吓了一跳")  # one group only
    assert not intent.matches("抓伤了怎么办")
    assert intent.weight > parse_intent("领证", "结婚登记").weight  # type: ignore[union-attr]


def test_rows_without_cues_or_targets_are_skipped() -> None:
    assert parse_intent("", "结婚登记") is None
    assert parse_intent("领证", "  ") is None
    assert parse_intent("领证+", "结婚登记") is None


def test_every_shipped_intent_row_parses() -> None:
    """A malformed row of intents.tsv would silently do nothing: every row must load."""
    text = resources.files("yiwang.catalog.search").joinpath("intents.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) > 150
    assert all(set(r) == {"cues", "targets", "note"} for r in rows)
    assert len(load_intents()) == len(rows)


def test_a_goal_reaches_the_service_it_means(with_intents: SearchEngine, without: SearchEngine) -> None:
    assert first(with_intents, "我们下个月打算去领证") == "B001"
    assert first(with_intents, "店里生意不好想暂时歇业") == "B003"
    assert first(with_intents, "被猫抓伤了去哪里打针") == "B005"
    # without the intent layer the words of the goal do not lead there
    assert first(without, "我们下个月打算去领证") != "B001"
    assert first(without, "被猫抓伤了去哪里打针") != "B005"


def test_the_plan_carries_the_targets_of_fired_intents() -> None:
    analyzer = Analyzer(intents=load_intents(INTENTS_TSV))
    plan = analyzer.analyze_query("被狗咬了怎么办")
    assert [t for t, _ in plan.targets] == ["狂犬病暴露后医学处置"]
    assert dict(plan.words).get("狂犬病", 0) > 0  # the target's words are searched
    assert analyzer.analyze_query("营业执照").targets == ()
    assert match_intents(load_intents(INTENTS_TSV), "小店不开了")[0].targets == ("停业登记",)


def test_the_service_outranks_its_progress_lookup(with_intents: SearchEngine, without: SearchEngine) -> None:
    assert first(with_intents, "港澳通行证") == "B007"
    assert first(with_intents, "海域使用") == "B010"
    # the previous engine put the consultation first
    assert first(without, "海域使用") == "B013"


def test_a_query_asking_for_progress_still_gets_the_lookup(with_intents: SearchEngine) -> None:
    assert first(with_intents, "首次办理港澳通行证进度") == "B008"
    assert first(with_intents, "港澳通行证进度") in {"B008", "B009"}
    assert first(with_intents, "海域使用咨询") == "B013"


def test_the_first_application_outranks_its_variants(with_intents: SearchEngine, without: SearchEngine) -> None:
    assert first(with_intents, "海域使用权") == "B010"
    assert first(without, "海域使用权") == "B011"  # the previous engine: a variant first
    assert first(with_intents, "海域使用权转让") == "B011"
    assert first(with_intents, "海域使用权到期续期") == "B012"
    assert first(with_intents, "结婚证丢了补领") == "B002"


def test_query_and_name_classifiers() -> None:
    assert wants_lookup("护照办到哪了") and wants_lookup("查一下学籍") and not wants_lookup("申请护照")
    assert is_lookup_name("居民身份证办理进度查询") and is_lookup_name("海域使用政策咨询")
    assert not is_lookup_name("办理往来港澳通行证")
    assert is_variant_name("补领结婚证预约") and is_variant_name("办理往来港澳通行证商务签注")
    assert not is_variant_name("结婚登记预约")
    assert names_variant("驾照到期换证") and not names_variant("考驾照")


def test_demoted_items_keep_pages_consistent(with_intents: SearchEngine) -> None:
    """A penalty never moves an item of the re-ranked head below the items after it: pages read with
    offsets join into the single long page."""
    for q in ("港澳通行证", "海域使用权", "登记"):
        total, whole = with_intents.search(q, limit=50)
        pages = [hit for off in range(0, 50, 3) for hit in with_intents.search(q, limit=3, offset=off)[1]]
        assert [c for c, _ in pages] == [c for c, _ in whole]
        scores = [s for _, s in whole]
        assert scores == sorted(scores, reverse=True)


def test_the_default_analyzer_ships_the_intents_and_the_prior() -> None:
    analyzer = default_analyzer()
    assert analyzer.lookup_prior and len(analyzer.intents) > 150
    plan = analyzer.analyze_query("小店不开了")
    assert any("停业登记" == t for t, _ in plan.targets)
    assert plan.demote_lookup and not analyzer.analyze_query("低保办理进度").demote_lookup
