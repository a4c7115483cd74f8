"""The indicator list itself: every number of seed 003 is there once, each computable one says how, each other one
why not, and docs/indicators.md lists them all as the code defines them."""

from __future__ import annotations

from pathlib import Path

from yiwang.metrics.indicators import BY_CODE, INDICATORS, sort_key

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_every_seed_number_is_listed_once() -> None:
    codes = [i.code for i in INDICATORS]
    assert len(codes) == len(set(codes))
    assert {int(c.partition(".")[0]) for c in codes} == set(range(1, 46))
    assert codes == sorted(codes, key=sort_key)


def test_each_indicator_says_how_or_why_not() -> None:
    for i in INDICATORS:
        if i.computable:
            assert i.counters is not None and i.counters[0], i.code
            assert i.kind in ("ratio", "count", "per_capita", "growth"), i.code
            assert (i.kind in ("count", "per_capita")) == (not i.counters[1]), i.code
            assert (i.kind == "per_capita") == (i.basis is not None), i.code
            assert i.formula != "—" and i.numerator != "—", i.code
        else:
            assert i.counters is None and len(i.reason or "") > 10, i.code


def test_met_follows_the_direction() -> None:
    higher, lower = BY_CODE["39"], BY_CODE["36"]
    assert higher.met(100.0) is True and higher.met(99.9) is False and higher.met(None) is None
    assert lower.met(0.0) is True and lower.met(1.0) is False
    assert BY_CODE["27"].met(50.0) is None  # no target: no verdict


def test_the_docs_list_every_indicator() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for i in INDICATORS:
        assert f"| {i.code} | {i.name} |" in text, i.code


def test_figures_print_without_exponents() -> None:
    from yiwang.metrics.report import change_text, fmt

    assert fmt(9.625e-07, "张/人") == "0.0000009625张/人"  # one licence for a million residents
    assert fmt(0.0963, "%") == "0.0963%"
    assert (fmt(66.67, "%"), fmt(5, "件"), fmt(None, "%")) == ("66.7%", "5件", "—")
    assert change_text(-2.5, "%") == "-2.5 个百分点" and change_text(3, "件") == "+3件"
