"""The SVG charts: well-formed, escaped, accessible, and drawn to scale."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from yiwang.web import charts
from yiwang.web.charts import (
    PALETTES,
    SERIES_COLOURS,
    bar_chart,
    fmt,
    gauge,
    light_bar,
    line_chart,
    sparkline,
)

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg"
    return root


def find(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    found = root.iter(f"{NS}{tag}")
    return [el for el in found if cls is None or cls in (el.get("class") or "").split()]


def texts(root: ET.Element, cls: str) -> list[str]:
    # a cut label carries its full text in a <title> child; the shown text is the element's tail part
    return ["".join(el.itertext()) if el.find(f"{NS}title") is None else (el.find(f"{NS}title").tail or "")
            for el in find(root, "text", cls)]


def num(el: ET.Element, attr: str) -> float:
    return float(el.get(attr, "nan"))


def every_chart(theme: str) -> list[str]:
    return [
        bar_chart([("甲", 1.0), ("乙", None)], title="柱", theme=theme, target=0.5, highlight_below_target=True),
        bar_chart([], title="空柱", theme=theme),
        line_chart(["1月", "2月"], [("线", [1.0, None])], title="线", unit="%", theme=theme),
        line_chart([], [], title="空线", theme=theme),
        gauge(80.0, target=90.0, label="率", theme=theme),
        gauge(None, target=None, label="空率", theme=theme),
        light_bar({"green": 3, "yellow": 2, "red": 1}, title="灯", theme=theme),
        light_bar({}, title="空灯", theme=theme),
        sparkline([1.0, 2.0, None, 3.0], label="迷你", theme=theme),
        sparkline([], label="空迷你", theme=theme),
    ]


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_chart_is_one_labelled_scalable_svg_without_script_or_fonts(theme: str) -> None:
    for svg in every_chart(theme):
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.get("aria-label")
        assert root.get("width") == "100%" and re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox", ""))
        assert root.get("font-family") == "inherit"
        assert root[0].tag == f"{NS}title" and root[0].text
        assert not find(root, "script") and not find(root, "style") and not find(root, "foreignObject")
        assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert " on" not in svg  # no event handler attributes


def test_unknown_theme_is_refused() -> None:
    with pytest.raises(ValueError):
        bar_chart([("甲", 1.0)], title="柱", theme="blue")


def test_every_passed_text_is_escaped() -> None:
    svgs = [
        bar_chart([(HOSTILE, 1.0)], title=HOSTILE, unit=HOSTILE, target=0.5),
        line_chart([HOSTILE, "b"], [(HOSTILE, [1.0, 2.0])], title=HOSTILE, unit=HOSTILE),
        gauge(50.0, target=60.0, label=HOSTILE, unit=HOSTILE),
        light_bar({"green": 1}, title=HOSTILE),
        sparkline([1.0, 2.0], label=HOSTILE),
    ]
    for svg in svgs:
        assert "<script" not in svg
        root = parse(svg)
        assert not find(root, "script")
        # the text arrives intact for the reader, as text
        assert HOSTILE in root.get("aria-label", "")
        assert root[0].text == HOSTILE or HOSTILE in "".join(root.itertext())


def test_a_cut_label_keeps_its_full_text_as_a_tooltip() -> None:
    long = "一个名字特别特别特别特别特别长的市级单位名称" * 2
    root = parse(bar_chart([(long, 1.0)], title="柱", width=400))
    label = find(root, "text", "bar-label")[0]
    assert label.find(f"{NS}title").text == long
    assert texts(root, "bar-label")[0].endswith("…")


# ---- numbers ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "unit", "shown"), [
    (1234567, "", "1,234,567"), (12345, "件", "12,345件"), (0, "件", "0件"), (-1234, "", "-1,234"),
    (95.0, "%", "95.0%"), (96.54, "%", "96.5%"), (1234.56, "", "1,234.6"), (-0.04, "", "0.0"),
    (None, "%", "—"), (math.nan, "%", "—"), (math.inf, "", "—"),
])
def test_fmt(value: float | None, unit: str, shown: str) -> None:
    assert fmt(value, unit) == shown


# ---- bar chart ----------------------------------------------------------------------------------------------------

def test_bar_lengths_are_proportional_and_the_value_is_written_with_separators() -> None:
    root = parse(bar_chart([("受理", 12345), ("办结", 6172.5), ("退回", 0)], unit="件", title="件量"))
    widths = [num(r, "width") for r in find(root, "rect", "bar")]
    assert len(widths) == 3 and widths[2] == 0
    assert widths[1] / widths[0] == pytest.approx(0.5, abs=0.002)
    assert texts(root, "bar-value") == ["12,345件", "6,172.5件", "0件"]
    assert texts(root, "bar-label") == ["受理", "办结", "退回"]


def test_max_value_sets_the_scale_and_the_target_line_sits_at_its_value() -> None:
    root = parse(bar_chart([("甲", 50.0), ("乙", 100.0), ("丙", 130.0)], title="率", unit="%", max_value=100.0,
                           target=75.0))
    half, full, over = find(root, "rect", "bar")
    x0, plot = num(half, "x"), num(full, "width")
    assert num(half, "width") == pytest.approx(plot / 2, abs=0.1)
    assert num(over, "width") == pytest.approx(plot, abs=0.1)  # clipped at the scale's end
    line = find(root, "line", "target")[0]
    assert num(line, "x1") == num(line, "x2") == pytest.approx(x0 + plot * 0.75, abs=0.1)
    assert line.get("stroke-dasharray")
    assert texts(root, "target-label") == ["目标 75.0%"]
    assert "目标 75.0%" in root.get("aria-label", "")


def test_without_max_value_the_scale_reaches_the_target_when_all_bars_fall_short() -> None:
    root = parse(bar_chart([("甲", 40.0), ("乙", 20.0)], title="率", target=80.0))
    first = find(root, "rect", "bar")[0]
    line = find(root, "line", "target")[0]
    assert num(line, "x1") - num(first, "x") == pytest.approx(num(first, "width") * 2, abs=0.1)


def test_bars_below_target_take_the_warning_colour_only_when_asked() -> None:
    rows = [("甲", 95.0), ("乙", 85.0), ("丙", None)]
    for theme in ("dark", "light"):
        root = parse(bar_chart(rows, title="率", target=90.0, highlight_below_target=True, theme=theme))
        bars = find(root, "rect", "bar")
        assert len(bars) == 2  # no bar for the missing value
        assert [b.get("fill") for b in bars] == [PALETTES[theme]["bar"], PALETTES[theme]["warn"]]
        assert bars[1].get("class") == "bar below"
        assert texts(root, "bar-value")[2] == "—"
        assert "1 项低于目标" in root.get("aria-label", "")
    plain = parse(bar_chart(rows, title="率", target=90.0))
    assert {b.get("fill") for b in find(plain, "rect", "bar")} == {PALETTES["dark"]["bar"]}


def test_an_empty_bar_chart_says_so() -> None:
    root = parse(bar_chart([], title="件量"))
    assert not find(root, "rect")
    assert texts(root, "empty") == ["暂无数据"]
    assert root.get("aria-label") == "件量：暂无数据"


# ---- line chart ---------------------------------------------------------------------------------------------------

def test_a_missing_value_breaks_the_line_and_the_last_value_is_labelled() -> None:
    root = parse(line_chart(["1月", "2月", "3月", "4月", "5月"],
                            [("按时办结率", [90.0, 92.5, None, 94.0, None]), ("满意率", [80.0, 81.0, 82.0, 83.0, 84.25])],
                            title="趋势", unit="%"))
    first, second = find(root, "path", "series")
    assert first.get("d", "").count("M") == 2 and second.get("d", "").count("M") == 1
    assert sorted(texts(root, "last-value")) == ["84.2%", "94.0%"]
    assert texts(root, "legend") == ["按时办结率", "满意率"]
    assert first.get("stroke") != second.get("stroke") and first.get("stroke-dasharray") != second.get("stroke-dasharray")
    assert "按时办结率 4月 94.0%" in root.get("aria-label", "")


def test_the_y_axis_starts_at_zero_with_four_or_five_ticks() -> None:
    root = parse(line_chart(["a", "b"], [("件", [120, 1234])], title="件量"))
    assert texts(root, "y-tick") == ["0", "500", "1,000", "1,500"]
    for top in [0.3, 1, 3, 7.5, 9.9, 10, 10.1, 42, 97.3, 100, 1234, 98765]:
        for integers in (False, True):
            ticks = charts._nice_ticks(top, integers=integers)
            assert ticks[0] == 0 and 4 <= len(ticks) <= 5 and ticks[-1] >= top, (top, ticks)
            steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
            assert len(steps) == 1
            if integers:
                assert all(t == int(t) for t in ticks), (top, ticks)


def test_crowded_x_labels_are_thinned_keeping_the_latest() -> None:
    days = [f"3月{d}日" for d in range(1, 32)]
    root = parse(line_chart(days, [("受理量", list(range(31)))], title="每日受理"))
    shown = texts(root, "x-label")
    assert 4 <= len(shown) < 31 and shown[-1] == "3月31日"
    kept = [days.index(s) for s in shown]
    assert len({b - a for a, b in zip(kept, kept[1:], strict=False)}) == 1  # evenly spaced
    xs = [num(el, "x") for el in find(root, "text", "x-label")]
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) > charts._text_width("3月31日", 22 * 0.8)

    few = parse(line_chart(["1月", "2月", "3月"], [("受理量", [1, 2, 3])], title="受理"))
    assert texts(few, "x-label") == ["1月", "2月", "3月"]


def test_a_line_chart_without_values_says_so_and_mismatched_series_are_refused() -> None:
    root = parse(line_chart(["1月", "2月"], [("率", [None, None])], title="趋势"))
    assert texts(root, "empty") == ["暂无数据"] and not find(root, "path")
    with pytest.raises(ValueError):
        line_chart(["1月", "2月"], [("率", [1.0])], title="趋势")


# ---- gauge --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "target", "higher", "colour", "status"), [
    (95.0, 90.0, True, "good", "达标"), (90.0, 90.0, True, "good", "达标"), (87.0, 90.0, True, "amber", "未达标"),
    (70.0, 90.0, True, "bad", "未达标"),
    (1.5, 2.0, False, "good", "达标"), (2.0, 2.0, False, "good", "达标"), (4.0, 2.0, False, "amber", "未达标"),
    (30.0, 2.0, False, "bad", "未达标"),
])
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_gauge_colour_flips_when_the_value_crosses_the_target(
        value: float, target: float, higher: bool, colour: str, status: str, theme: str) -> None:
    root = parse(gauge(value, target=target, label="按时办结率", higher_is_better=higher, theme=theme))
    assert find(root, "path", "gauge-value")[0].get("stroke") == PALETTES[theme][colour]
    assert texts(root, "gauge-status") == [status]
    assert texts(root, "gauge-number") == [fmt(value, "%")]
    assert texts(root, "gauge-target-text") == [f"目标 {'≥' if higher else '≤'}{fmt(target, '%')}"]
    assert status in root.get("aria-label", "")
    assert len(find(root, "line", "gauge-target")) == 1


def test_the_gauge_arc_follows_the_value() -> None:
    def end(value: float) -> tuple[float, float]:
        d = find(parse(gauge(value, target=None, label="率")), "path", "gauge-value")[0].get("d", "")
        x, y = d.split()[-2:]
        return float(x), float(y)

    # 270° from the lower left: half way is the top, the whole way the lower right
    assert end(50.0) == pytest.approx((110.0, 110 - charts_radius()), abs=0.2)
    assert end(100.0)[0] > 110 and end(100.0)[1] > 110
    assert end(250.0) == end(100.0)  # clipped at max_value


def charts_radius() -> float:
    return 220 / 2 - 220 * 0.09 / 2 - 6


def test_a_gauge_without_a_value_shows_a_dash_on_a_grey_ring() -> None:
    root = parse(gauge(None, target=90.0, label="满意率"))
    assert texts(root, "gauge-number") == ["—"]
    assert not find(root, "path", "gauge-value") and not find(root, "text", "gauge-status")
    assert find(root, "path", "gauge-track")[0].get("stroke") == PALETTES["dark"]["none"]
    assert texts(root, "gauge-label") == ["满意率"]


def test_a_gauge_without_a_target_has_no_tick_and_no_verdict() -> None:
    root = parse(gauge(1234, target=None, label="件数", unit="件", max_value=2000.0))
    assert texts(root, "gauge-number") == ["1,234件"]
    assert not find(root, "line", "gauge-target") and not find(root, "text", "gauge-status")


# ---- light bar ----------------------------------------------------------------------------------------------------

def test_the_light_bar_is_split_by_the_counts_with_a_legend_of_shares() -> None:
    root = parse(light_bar({"green": 1200, "yellow": 600, "red": 200}, title="在办件亮灯"))
    segs = {s.get("class", "").split()[-1]: s for s in find(root, "rect", "seg")}
    green, yellow, red = (num(segs[k], "width") for k in ("seg-green", "seg-yellow", "seg-red"))
    assert yellow / green == pytest.approx(0.5, abs=0.002) and red / green == pytest.approx(1 / 6, abs=0.002)
    assert num(segs["seg-green"], "x") < num(segs["seg-yellow"], "x") < num(segs["seg-red"], "x")
    assert segs["seg-red"].get("fill") == PALETTES["dark"]["red"]
    assert texts(root, "legend") == ["正常 1,200件（60.0%）", "黄灯 600件（30.0%）", "红灯 200件（10.0%）"]
    assert "共 2,000件" in root.get("aria-label", "")


def test_the_light_bar_reads_missing_keys_as_zero_and_says_when_nothing_is_open() -> None:
    root = parse(light_bar({"red": 3}, title="在办件亮灯"))
    assert [s.get("class") for s in find(root, "rect", "seg")] == ["seg seg-red"]
    assert texts(root, "legend")[2] == "红灯 3件（100.0%）"
    empty = parse(light_bar({"green": 0, "yellow": 0, "red": 0}, title="在办件亮灯"))
    assert texts(empty, "empty") == ["暂无在办件"] and not find(empty, "rect")


# ---- sparkline ----------------------------------------------------------------------------------------------------

def test_a_sparkline_breaks_at_gaps_and_ends_in_a_dot() -> None:
    root = parse(sparkline([3.0, 5.0, None, 4.0, 6.0], label="受理量"))
    assert find(root, "path", "spark")[0].get("d", "").count("M") == 2
    dot = find(root, "circle", "spark-last")[0]
    assert num(dot, "cx") == pytest.approx(156) and num(dot, "cy") == pytest.approx(4)  # the highest, at the right
    assert root.get("aria-label") == "受理量：最新 6.0，最低 3.0，最高 6.0"
    flat = parse(sparkline([2, 2, 2], label="平"))
    assert {el.get("d", "").split()[1] for el in find(flat, "path")} == {"20"}
    none = parse(sparkline([None, None], label="空"))
    assert none.get("aria-label") == "空：暂无数据" and not find(none, "path")


# ---- colours ------------------------------------------------------------------------------------------------------

def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, bl = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


TEXT_COLOURS = ("text", "muted", "warn", "good", "amber", "bad")
MARK_COLOURS = ("bar", "target", "none", "green", "yellow", "red")


@pytest.mark.parametrize(("theme", "backgrounds"), [("dark", ["#06213f"]), ("light", ["#ffffff", "#f4f6f9"])])
def test_palettes_meet_wcag_aa_against_their_background(theme: str, backgrounds: list[str]) -> None:
    pal = PALETTES[theme]
    assert pal["bg"] == backgrounds[0]
    for bg in backgrounds:
        for key in TEXT_COLOURS:
            assert contrast(pal[key], bg) >= 4.5, (theme, key, bg)
        for colour in SERIES_COLOURS[theme]:  # a series' last value is written in its colour
            assert contrast(colour, bg) >= 4.5, (theme, colour, bg)
        for key in MARK_COLOURS:
            assert contrast(pal[key], bg) >= 3.0, (theme, key, bg)


def test_a_figure_just_short_of_a_whole_number_keeps_two_decimals() -> None:
    # 1,999 of 2,000 answered on time is not "100.0%" beside 未达标
    assert charts.fmt(99.95, "%") == "99.95%" and charts.fmt(99.96, "%") == "99.96%"
    assert charts.fmt(100.0, "%") == "100.0%" and charts.fmt(87.25, "%") == "87.2%"
