"""Server-rendered SVG charts for the operations screen (``/screen``, dark, read across a room) and the monthly
report page (light, printed): bars, lines, gauges, the case-light bar and sparklines.

Each function returns one ``<svg>`` as ``Markup`` — no JavaScript, no web fonts, no network — so the wall screen
draws the same with the cable pulled. Every text passed in is escaped here. Each svg is ``role="img"`` with an
``aria-label`` that says what the chart shows in words (screen readers do not read the drawing) and a ``<title>``;
the chart's title itself is not drawn, the page's heading shows it. Colours come from ``PALETTES``: the page behind
a chart must use that theme's ``bg`` (or one as dark / as light) for the text contrast to hold (WCAG AA, 4.5:1 for
text, 3:1 for the marks). Colour never carries meaning alone: targets are drawn as lines and said in words, gauges
write 达标 / 未达标, the light bar's legend has counts, line series differ in dash pattern too.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

NONE_TEXT = "—"
EMPTY_TEXT = "暂无数据"
NO_OPEN_CASES_TEXT = "暂无在办件"

PALETTES: dict[str, dict[str, str]] = {
    # the hall screen's navy; every text colour has at least 4.5:1 against it
    "dark": {
        "bg": "#06213f", "text": "#ffffff", "muted": "#b9cde6", "grid": "#1c4673", "axis": "#2f5b8c",
        "track": "#1c4673", "bar": "#5cc8ff", "warn": "#ffa657", "target": "#ffffff",
        "good": "#56d364", "amber": "#ffd23f", "bad": "#ff7b72", "none": "#8b949e",
        "green": "#3fb950", "yellow": "#f2cc0c", "red": "#ff6b6b",
    },
    # white paper; the text colours also hold 4.5:1 on the site's grey page (#f4f6f9)
    "light": {
        "bg": "#ffffff", "text": "#1d1d1f", "muted": "#55595f", "grid": "#d0d4da", "axis": "#8c959f",
        "track": "#e4e7eb", "bar": "#0b5cad", "warn": "#bc4c00", "target": "#1d1d1f",
        "good": "#1a7f37", "amber": "#8a5c00", "bad": "#c62828", "none": "#6e7781",
        "green": "#1a7f37", "yellow": "#b07800", "red": "#c62828",
    },
}
# line series, in order; each is also readable as text (the last value is written in the series' colour)
SERIES_COLOURS: dict[str, tuple[str, ...]] = {
    "dark": ("#5cc8ff", "#ffd23f", "#56d364", "#d2a8ff", "#ff7b72", "#ffa657"),
    "light": ("#0b5cad", "#bc4c00", "#1a7f37", "#8250df", "#c62828", "#5a6270"),
}
# dash patterns paired with the colours, so series stay apart in a grey print or for colour-blind readers
_DASHES = ("", "10 6", "3 5", "14 5 3 5", "6 3", "2 3")
# base font size in viewBox units: the screen is read from metres away, the report at arm's length
_FONT = {"dark": 22.0, "light": 16.0}
# a target missed by at most this share of the scale is amber, more is red
NEAR_MISS = 0.05
LIGHTS: tuple[tuple[str, str], ...] = (("green", "正常"), ("yellow", "黄灯"), ("red", "红灯"))
_PAD = 8.0
_SUMMARY_ROWS = 12


def fmt(value: float | None, unit: str = "") -> str:
    """A figure as shown: integers with thousands separators, other numbers with one decimal, ``unit`` appended;
    None (and NaN) is "—"."""
    if value is None:
        return NONE_TEXT
    if isinstance(value, int):
        return f"{value:,}{unit}"
    number = float(value)
    if not math.isfinite(number):
        return NONE_TEXT
    if round(number, 1) == 0:
        number = 0.0  # no "-0.0"
    if round(number, 1).is_integer() and not number.is_integer():
        return f"{number:,.2f}{unit}"  # 99.96 is not "100.0": a whole number is a target's edge
    return f"{number:,.1f}{unit}"


# ---- drawing helpers ----------------------------------------------------------------------------------------------

def _palette(theme: str) -> dict[str, str]:
    if theme not in PALETTES:
        raise ValueError(f"unknown chart theme {theme!r} (dark or light)")
    return PALETTES[theme]


def _n(x: float) -> str:
    """A coordinate, short: one decimal at most."""
    text = f"{x:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _text_width(text: str, size: float) -> float:
    """Estimated width of a line of text: CJK and full-width characters one em, the rest about 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6 for ch in text) * size


def _fit(text: str, size: float, width: float) -> str:
    """``text`` cut with "…" to fit ``width``."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _text(x: float, y: float, content: str, *, fill: str, size: float, anchor: str = "start",
          weight: str | None = None, cls: str = "", full: str | None = None, halo: str | None = None) -> str:
    """One line of text centred on ``y``; ``full`` (when the shown text was cut) becomes its tooltip. A ``halo``
    (the background colour) outlines the letters so they stay legible where they cross a line."""
    attrs = f'x="{_n(x)}" y="{_n(y)}" dy="0.35em" fill="{fill}" font-size="{_n(size)}"'
    if halo:
        attrs += f' stroke="{halo}" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if cls:
        attrs += f' class="{cls}"'
    tip = f"<title>{escape(full)}</title>" if full is not None and full != content else ""
    return f"<text {attrs}>{tip}{escape(content)}</text>"


def _svg(kind: str, theme: str, width: float, height: float, *, title: str, label: str, body: Sequence[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind} chart-{theme}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" width="100%" role="img" aria-label="{escape(label)}" '
            f'font-family="inherit">')
    # every text in head and body went through escape(); the rest is numbers and palette colours
    return Markup(head + f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")  # noqa: S704


def _empty(kind: str, theme: str, width: float, height: float, *, title: str, message: str) -> Markup:
    pal, size = _palette(theme), _FONT[theme]
    text = _text(width / 2, height / 2, message, fill=pal["muted"], size=size, anchor="middle", cls="empty")
    return _svg(kind, theme, width, height, title=title, label=f"{title}：{message}", body=[text])


def _listed(parts: Sequence[str]) -> str:
    """Summary items for an aria-label, the first dozen and a count of the rest."""
    shown = "，".join(parts[:_SUMMARY_ROWS])
    return shown + (f"，等 {len(parts)} 项" if len(parts) > _SUMMARY_ROWS else "")


def _legend(items: Sequence[tuple[str, str, str]], *, x: float, y: float, right: float, size: float,
            line: bool, stroke: float, text_fill: str) -> tuple[list[str], float]:
    """Legend entries (colour, dash, text) left to right from (x, y), wrapping at ``right``; returns the svg parts
    and the height used. ``line`` draws a stroke sample (series) rather than a square (shares)."""
    parts: list[str] = []
    row_h = size * 1.5
    cx, cy = x, y + row_h / 2
    swatch = size * 1.4 if line else size * 0.8
    for colour, dash, label in items:
        shown = _fit(label, size, max(right - x - swatch - 8, size * 3))
        item_w = swatch + 8 + _text_width(shown, size) + size
        if cx > x and cx + item_w - size > right:
            cx, cy = x, cy + row_h
        if line:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(cx + swatch)}" y2="{_n(cy)}" stroke="{colour}" '
                         f'stroke-width="{_n(stroke)}"{dash_attr}/>')
        else:
            parts.append(f'<rect x="{_n(cx)}" y="{_n(cy - swatch / 2)}" width="{_n(swatch)}" height="{_n(swatch)}" '
                         f'fill="{colour}"/>')
        parts.append(_text(cx + swatch + 8, cy, shown, fill=text_fill, size=size, cls="legend", full=label))
        cx += item_w
    return parts, cy + row_h / 2 - y


# ---- bar chart ----------------------------------------------------------------------------------------------------

def bar_chart(rows: Sequence[tuple[str, float | None]], *, unit: str = "", title: str, theme: str = "dark",
              max_value: float | None = None, target: float | None = None, highlight_below_target: bool = False,
              width: int = 800, row_height: int = 44) -> Markup:
    """Horizontal bars, one per (label, value) row: the label on the left, the value at the bar's end. A target is
    a dashed vertical line; with ``highlight_below_target`` bars short of it take the warning colour. The scale
    runs from 0 to ``max_value`` (default: the largest value or the target). A None value draws no bar and "—"."""
    pal, font = _palette(theme), _FONT[theme]
    if not rows:
        return _empty("bar", theme, width, max(row_height * 2, font * 4), title=title, message=EMPTY_TEXT)
    size = min(font, row_height * 0.5)
    values = [v if v is not None and math.isfinite(v) else None for _, v in rows]
    texts = [fmt(v, unit) for v in values]
    present = [max(v, 0.0) for v in values if v is not None]
    top = max_value if max_value is not None else max([*present, target if target is not None else 0.0, 0.0])
    top = top if top > 0 else 1.0

    label_w = min(max(_text_width(label, size) for label, _ in rows) + 12, width * 0.38)
    value_w = min(max(_text_width(t, size) for t in texts) + 12, width * 0.25)
    x0 = _PAD + label_w
    plot_w = max(width - _PAD - value_w - x0, 10.0)
    y0 = _PAD + (size * 1.6 if target is not None else 0.0)
    height = y0 + row_height * len(rows) + _PAD
    bar_h = row_height * 0.6

    def x_of(v: float) -> float:
        return x0 + plot_w * min(max(v, 0.0), top) / top

    body: list[str] = [f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x0)}" y2="{_n(y0 + row_height * len(rows))}" '
                       f'stroke="{pal["axis"]}" stroke-width="1.5"/>']
    values_text: list[str] = []  # drawn last, over the target line
    below = 0
    for i, ((label, _), value, text) in enumerate(zip(rows, values, texts, strict=True)):
        cy = y0 + row_height * (i + 0.5)
        body.append(_text(x0 - 10, cy, _fit(label, size, label_w - 12), fill=pal["text"], size=size, anchor="end",
                          cls="bar-label", full=label))
        is_below = highlight_below_target and target is not None and value is not None and value < target
        below += is_below
        end = x0
        if value is not None:
            end = x_of(value)
            cls = "bar below" if is_below else "bar"
            body.append(f'<rect class="{cls}" x="{_n(x0)}" y="{_n(cy - bar_h / 2)}" width="{_n(end - x0)}" '
                        f'height="{_n(bar_h)}" fill="{pal["warn"] if is_below else pal["bar"]}"/>')
        values_text.append(_text(end + 8, cy, text, fill=pal["warn"] if is_below else pal["text"], size=size,
                                 weight="bold" if is_below else None, cls="bar-value", halo=pal["bg"]))

    summary = _listed([f"{label} {text}" for (label, _), text in zip(rows, texts, strict=True)])
    if target is not None:
        tx = x_of(target)
        target_text = f"目标 {fmt(target, unit)}"
        body.append(f'<line class="target" x1="{_n(tx)}" y1="{_n(y0 - 4)}" x2="{_n(tx)}" '
                    f'y2="{_n(y0 + row_height * len(rows))}" stroke="{pal["target"]}" stroke-width="2.5" '
                    f'stroke-dasharray="8 6"/>')
        half = _text_width(target_text, size * 0.85) / 2
        label_x = min(max(tx, _PAD + half), width - _PAD - half)
        body.append(_text(label_x, _PAD + size * 0.7, target_text, fill=pal["text"], size=size * 0.85,
                          anchor="middle", cls="target-label"))
        summary += f"；{target_text}"
        if highlight_below_target and below:
            summary += f"，{below} 项低于目标"
    body.extend(values_text)
    return _svg("bar", theme, width, height, title=title, label=f"{title}：{summary}", body=body)


# ---- line chart ---------------------------------------------------------------------------------------------------

def _nice_ticks(top: float, *, integers: bool = False) -> list[float]:
    """Four or five evenly spaced ticks from 0 up to at least ``top``, on a step of 1, 2, 2.5 or 5 × 10ⁿ (whole
    numbers only for counts)."""
    if not (top > 0 and math.isfinite(top)):
        top = 4.0
    raw = top / 4
    exp = math.floor(math.log10(raw))
    base = raw / 10**exp
    nice = next(n for n in (1.0, 2.0, 2.5, 5.0, 10.0) if n >= base - 1e-9)
    step = nice * 10**exp
    if integers and step < 1:
        return [float(i) for i in range(max(3, math.ceil(top - 1e-9)) + 1)]
    if integers and step == 2.5:
        step = 3.0  # a count axis of 0, 3, 6, 9, 12 rather than 2.5s
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _tick_text(value: float, step: float) -> str:
    decimals = next(d for d in range(7) if abs(round(step * 10**d) - step * 10**d) < 1e-6)
    return f"{value:,.{decimals}f}"


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
               unit: str = "", theme: str = "dark", width: int = 900, height: int = 320) -> Markup:
    """One or more series over the same x labels (months, days), with a legend and a y axis of 4–5 ticks from 0.
    A None value breaks its line; each series' last value is written beside its last point; x labels are thinned
    (counted back from the latest) when they would crowd. Values below 0 are drawn at 0."""
    pal, font = _palette(theme), _FONT[theme]
    for name, values in series:
        if len(values) != len(x_labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x_labels)} x labels")
    cleaned = [(name, [v if v is not None and math.isfinite(v) else None for v in values]) for name, values in series]
    present = [v for _, values in cleaned for v in values if v is not None]
    if not x_labels or not present:
        return _empty("line", theme, width, height, title=title, message=EMPTY_TEXT)

    tick_size, label_size = font * 0.8, font * 0.85
    stroke = 4.0 if theme == "dark" else 2.5
    integers = all(isinstance(v, int) for _, values in series for v in values if v is not None)
    ticks = _nice_ticks(max(present), integers=integers)
    step, y_top = ticks[1] - ticks[0], ticks[-1]
    tick_texts = [_tick_text(t, step) for t in ticks]

    colours = SERIES_COLOURS[theme]
    unit_text = f"单位：{unit}" if unit else ""
    unit_w = _text_width(unit_text, tick_size) + 16 if unit else 0.0
    legend_items = [(colours[i % len(colours)], _DASHES[i % len(_DASHES)], name) for i, (name, _) in enumerate(cleaned)]
    legend, legend_h = _legend(legend_items, x=_PAD, y=_PAD, right=width - _PAD - unit_w, size=label_size, line=True,
                               stroke=stroke, text_fill=pal["text"])
    if unit:
        legend.append(_text(width - _PAD, _PAD + label_size * 0.75, unit_text, fill=pal["muted"], size=tick_size,
                            anchor="end", cls="unit"))

    lasts: list[tuple[int, float] | None] = []  # (index, value) of each series' last point
    for _, values in cleaned:
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        lasts.append(points[-1] if points else None)
    last_w = max((_text_width(fmt(p[1], unit), label_size) for p in lasts if p is not None), default=0.0)
    xlabel_w = max(_text_width(label, tick_size) for label in x_labels)
    left = _PAD + max(max(_text_width(t, tick_size) for t in tick_texts) + 10, xlabel_w / 2)
    right = width - _PAD - max(last_w + 14, xlabel_w / 2)
    top = _PAD + legend_h + tick_size
    bottom = max(height - _PAD - tick_size * 1.9, top + 40)
    plot_w, plot_h = max(right - left, 10.0), bottom - top
    n = len(x_labels)

    def px(i: int) -> float:
        return left + plot_w / 2 if n == 1 else left + plot_w * i / (n - 1)

    def py(v: float) -> float:
        return bottom - plot_h * min(max(v, 0.0), y_top) / y_top

    body = list(legend)
    for t, text in zip(ticks, tick_texts, strict=True):
        y = py(t)
        colour = pal["axis"] if t == 0 else pal["grid"]
        body.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" stroke="{colour}" '
                    f'stroke-width="1"/>')
        body.append(_text(left - 10, y, text, fill=pal["muted"], size=tick_size, anchor="end", cls="y-tick"))

    every = 1 if n == 1 else max(1, math.ceil((xlabel_w + tick_size) / (plot_w / (n - 1))))
    for i, label in enumerate(x_labels):
        if (n - 1 - i) % every == 0:
            body.append(_text(px(i), bottom + tick_size * 1.25, label, fill=pal["muted"], size=tick_size,
                              anchor="middle", cls="x-label"))

    dots = n <= 24
    value_labels: list[tuple[float, float, str, str]] = []  # y, x, text, colour
    summary: list[str] = []
    for k, ((name, values), last) in enumerate(zip(cleaned, lasts, strict=True)):
        colour, dash = colours[k % len(colours)], _DASHES[k % len(_DASHES)]
        path: list[str] = []
        for i, v in enumerate(values):
            if v is None:
                continue
            joined = i > 0 and values[i - 1] is not None
            path.append(f'{"L" if joined else "M"}{_n(px(i))} {_n(py(v))}')
            alone = not joined and (i + 1 >= n or values[i + 1] is None)
            if dots or alone or (last is not None and i == last[0]):
                body.append(f'<circle cx="{_n(px(i))}" cy="{_n(py(v))}" r="{_n(stroke + 1)}" fill="{colour}"/>')
        if path:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<path class="series" d="{" ".join(path)}" fill="none" stroke="{colour}" '
                        f'stroke-width="{_n(stroke)}" stroke-linejoin="round"{dash_attr}/>')
        if last is None:
            summary.append(f"{name} {EMPTY_TEXT}")
            continue
        text = fmt(last[1], unit)
        value_labels.append((py(last[1]), px(last[0]) + stroke + 8, text, colour))
        summary.append(f"{name} {x_labels[last[0]]} {text}")

    # the last values, kept a line apart and inside the plot
    value_labels.sort()
    gap = label_size * 1.15
    ys: list[float] = []
    for y, *_ in value_labels:
        ys.append(max(y, ys[-1] + gap) if ys else y)
    shift = max(ys[-1] - bottom, 0.0) if ys else 0.0
    for y, (_, x, text, colour) in zip(ys, value_labels, strict=True):
        body.append(_text(x, max(y - shift, top - tick_size), text, fill=colour, size=label_size, weight="bold",
                          cls="last-value", halo=pal["bg"]))

    period = x_labels[0] if n == 1 else f"{x_labels[0]}至{x_labels[-1]}"
    label = f"{title}，{period}：{'；'.join(summary)}（最新值）"
    return _svg("line", theme, width, height, title=title, label=label, body=body)


# ---- gauge --------------------------------------------------------------------------------------------------------

_ARC_START, _ARC_SWEEP = 135.0, 270.0  # degrees clockwise from 3 o'clock: a ring open at the bottom


def _polar(cx: float, cy: float, r: float, fraction: float) -> tuple[float, float]:
    angle = math.radians(_ARC_START + _ARC_SWEEP * fraction)
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def _arc(cx: float, cy: float, r: float, fraction: float) -> str:
    x1, y1 = _polar(cx, cy, r, 0.0)
    x2, y2 = _polar(cx, cy, r, fraction)
    large = 1 if _ARC_SWEEP * fraction > 180 else 0
    return f"M{_n(x1)} {_n(y1)} A{_n(r)} {_n(r)} 0 {large} 1 {_n(x2)} {_n(y2)}"


def gauge(value: float | None, *, target: float | None, label: str, unit: str = "%", theme: str = "dark",
          size: int = 220, higher_is_better: bool = True, max_value: float = 100.0) -> Markup:
    """A ring showing ``value`` of ``max_value``, the value large in the middle and ``label`` beneath. With a target
    the ring carries a tick at it and is green when the target is met, amber when missed by at most ``NEAR_MISS``
    of the scale, red beyond (``higher_is_better=False`` for rates that should stay low); None gives "—" on a
    grey ring."""
    pal, font = _palette(theme), _FONT[theme]
    s = float(size)
    ring = s * 0.09
    cx, cy, r = s / 2, s / 2, s / 2 - ring / 2 - 6
    label_size = max(font * 0.9, s * 0.08)
    height = s + label_size * 0.4
    present = value is not None and math.isfinite(value)
    scale = max_value if max_value > 0 else 100.0

    status, colour = "", pal["bar"]
    if not present:
        colour = pal["none"]
    elif target is not None:
        assert value is not None
        met = value >= target if higher_is_better else value <= target
        if met:
            status, colour = "达标", pal["good"]
        elif abs(value - target) <= NEAR_MISS * scale:
            status, colour = "未达标", pal["amber"]
        else:
            status, colour = "未达标", pal["bad"]

    body = [f'<path class="gauge-track" d="{_arc(cx, cy, r, 1.0)}" fill="none" '
            f'stroke="{pal["none"] if not present else pal["track"]}" stroke-width="{_n(ring)}"/>']
    if present:
        assert value is not None
        fraction = min(max(value / scale, 0.0), 1.0)
        if fraction > 0:
            body.append(f'<path class="gauge-value" d="{_arc(cx, cy, r, fraction)}" fill="none" stroke="{colour}" '
                        f'stroke-width="{_n(ring)}"/>')
    if target is not None:
        t = min(max(target / scale, 0.0), 1.0)
        xa, ya = _polar(cx, cy, r - ring / 2 - 5, t)
        xb, yb = _polar(cx, cy, r + ring / 2 + 5, t)
        body.append(f'<line class="gauge-target" x1="{_n(xa)}" y1="{_n(ya)}" x2="{_n(xb)}" y2="{_n(yb)}" '
                    f'stroke="{pal["target"]}" stroke-width="3"/>')

    value_text = fmt(value if present else None, unit)
    value_size = min(s * 0.2, (2 * r - ring) * 0.85 / max(_text_width(value_text, 1.0), 1.0))
    body.append(_text(cx, cy - s * 0.02, value_text, fill=pal["text"], size=value_size, anchor="middle",
                      weight="bold", cls="gauge-number"))
    small = max(s * 0.07, font * 0.7)
    summary = f"{label}：{value_text}"
    if target is not None:
        target_text = f"目标 {'≥' if higher_is_better else '≤'}{fmt(target, unit)}"
        body.append(_text(cx, cy + s * 0.14, target_text, fill=pal["muted"], size=small, anchor="middle",
                          cls="gauge-target-text"))
        summary += f"，{target_text}"
    if status:
        body.append(_text(cx, cy + s * 0.27, status, fill=colour, size=small, anchor="middle", weight="bold",
                          cls="gauge-status"))
        summary += f"，{status}"
    shown = _fit(label, label_size, s - 8)
    body.append(_text(cx, s - label_size * 0.35, shown, fill=pal["text"], size=label_size, anchor="middle",
                      cls="gauge-label", full=label))
    return _svg("gauge", theme, s, height, title=label, label=summary, body=body)


# ---- the case-light bar -------------------------------------------------------------------------------------------

def light_bar(counts: Mapping[str, int], *, title: str, theme: str = "dark", width: int = 800) -> Markup:
    """Open cases by light in one stacked bar — 正常 / 黄灯 / 红灯 from ``counts["green"|"yellow"|"red"]`` (a
    missing key is 0, other keys are ignored) — with a legend of counts and shares."""
    pal, font = _palette(theme), _FONT[theme]
    size = font * 0.9
    shares = [(key, name, max(int(counts.get(key, 0)), 0)) for key, name in LIGHTS]
    total = sum(n for _, _, n in shares)
    if total == 0:
        return _empty("lights", theme, width, font * 5, title=title, message=NO_OPEN_CASES_TEXT)

    bar_h, gap = font * 1.6, 3.0
    nonzero = sum(1 for _, _, n in shares if n)
    usable = width - 2 * _PAD - gap * (nonzero - 1)
    body: list[str] = []
    x = _PAD
    for key, name, n in shares:
        if not n:
            continue
        w = max(usable * n / total, 4.0)  # a single red case still shows
        body.append(f'<rect class="seg seg-{key}" x="{_n(x)}" y="{_n(_PAD)}" width="{_n(w)}" height="{_n(bar_h)}" '
                    f'fill="{pal[key]}"><title>{escape(name)} {n:,}</title></rect>')
        x += w + gap
    items = [(pal[key], "", f"{name} {fmt(n, '件')}（{n * 100 / total:.1f}%）") for key, name, n in shares]
    legend, legend_h = _legend(items, x=_PAD, y=_PAD + bar_h + size * 0.5, right=width - _PAD, size=size,
                               line=False, stroke=0, text_fill=pal["text"])
    body.extend(legend)
    height = _PAD + bar_h + size * 0.5 + legend_h + _PAD
    summary = f"{title}：共 {fmt(total, '件')}，" + "，".join(text for _, _, text in items)
    return _svg("lights", theme, width, height, title=title, label=summary, body=body)


# ---- sparkline ----------------------------------------------------------------------------------------------------

def sparkline(values: Sequence[float | None], *, theme: str = "dark", width: int = 160, height: int = 40,
              label: str) -> Markup:
    """A tiny trend line scaled between its own lowest and highest value (not from 0); None breaks it; the
    last point is a dot. ``label`` names it for screen readers."""
    pal = _palette(theme)
    points = [v if v is not None and math.isfinite(v) else None for v in values]
    present = [v for v in points if v is not None]
    pad, stroke = 4.0, 2.5 if theme == "dark" else 1.8
    if not present:
        y = height / 2
        line = (f'<line x1="{_n(pad)}" y1="{_n(y)}" x2="{_n(width - pad)}" y2="{_n(y)}" stroke="{pal["none"]}" '
                f'stroke-width="1.5" stroke-dasharray="4 4"/>')
        return _svg("spark", theme, width, height, title=label, label=f"{label}：{EMPTY_TEXT}", body=[line])
    low, high = min(present), max(present)
    n = len(points)

    def px(i: int) -> float:
        return width / 2 if n == 1 else pad + (width - 2 * pad) * i / (n - 1)

    def py(v: float) -> float:
        return height / 2 if high == low else height - pad - (height - 2 * pad) * (v - low) / (high - low)

    path, body = [], []
    for i, v in enumerate(points):
        if v is None:
            continue
        joined = i > 0 and points[i - 1] is not None
        path.append(f'{"L" if joined else "M"}{_n(px(i))} {_n(py(v))}')
        if not joined and (i + 1 >= n or points[i + 1] is None):
            body.append(f'<circle cx="{_n(px(i))}" cy="{_n(py(v))}" r="{_n(stroke / 2 + 0.5)}" fill="{pal["bar"]}"/>')
    if path:
        body.append(f'<path class="spark" d="{" ".join(path)}" fill="none" stroke="{pal["bar"]}" '
                    f'stroke-width="{_n(stroke)}" stroke-linejoin="round" stroke-linecap="round"/>')
    last = max(i for i, v in enumerate(points) if v is not None)
    last_value = points[last]
    assert last_value is not None
    body.append(f'<circle class="spark-last" cx="{_n(px(last))}" cy="{_n(py(last_value))}" r="{_n(stroke + 0.5)}" '
                f'fill="{pal["text"]}"/>')
    summary = f"{label}：最新 {fmt(last_value)}，最低 {fmt(low)}，最高 {fmt(high)}"
    return _svg("spark", theme, width, height, title=label, label=summary, body=body)
