"""The picture of an electronic seal (电子印章图片): a red round official seal with the department name set
along the upper arc, a five-pointed star in the centre and a short caption under the star.

The picture is what a reader *sees*; what makes a document sealed is the digital signature next to it. The
same design is drawn two ways from one pure layout, so a license PDF and a web page show the same seal:
``draw_seal`` paints vector shapes on a reportlab canvas, ``seal_svg`` returns a standalone SVG.

The layout works on a seal of radius 1 centred on the origin, y pointing up; each output scales it. Characters
along the arc are narrowed (as on a carved seal) and turned to face outwards; a long name is set smaller so it
never runs past the lower part of the ring, and a long caption shrinks to fit inside the ring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

SEAL_RED = "#d40000"
OPACITY = 0.88  # a little of the paper shows through, like ink
SVG_FONTS = "'Noto Sans SC', 'SimSun', serif"

RING_WIDTH = 0.07
STAR_RADIUS = 0.3
STAR_INNER = 0.382  # inner/outer radius of a regular five-pointed star
NAME_SIZE = 0.27  # preferred character height along the arc
NAME_SQUEEZE = 0.8  # horizontal scale of arc characters
NAME_MAX_SPAN = 250.0  # degrees of arc the name may occupy at most
NAME_MAX_STEP = 36.0  # degrees between neighbouring characters at most (short names stay together)
CAPTION_SIZE = 0.16
CAPTION_Y = -0.52
CAPTION_SQUEEZE = 0.9


@dataclass(frozen=True)
class Glyph:
    """One character along the arc: its centre, how far it is turned (degrees, counter-clockwise) and the text."""

    x: float
    y: float
    turn: float
    text: str


@dataclass(frozen=True)
class SealLayout:
    ring_radius: float  # centre line of the ring stroke
    ring_width: float
    star: list[tuple[float, float]]
    name_size: float
    glyphs: list[Glyph]
    caption: str
    caption_size: float
    caption_y: float


def _em_width(text: str) -> float:
    """Approximate advance of ``text`` in ems: ideographs are square, Latin letters and digits about half."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.56 for ch in text)


def layout(name: str, caption: str) -> SealLayout:
    """Where every part of the seal goes, on a seal of radius 1 centred at the origin (y up)."""
    chars = [ch for ch in " ".join(name.split()) if ch != " "]
    star = []
    for k in range(10):
        r = STAR_RADIUS if k % 2 == 0 else STAR_RADIUS * STAR_INNER
        a = math.radians(90 + 36 * k)
        star.append((r * math.cos(a), r * math.sin(a)))

    size = NAME_SIZE
    glyphs: list[Glyph] = []
    n = len(chars)
    if n:
        def centre_radius(s: float) -> float:
            return 1 - RING_WIDTH - 0.05 - s / 2

        def natural_step(s: float) -> float:  # degrees needed so neighbours do not touch
            return math.degrees(s * (NAME_SQUEEZE + 0.1) / centre_radius(s))

        step = min(NAME_MAX_SPAN / (n - 1), NAME_MAX_STEP) if n > 1 else 0.0
        if n > 1 and step < natural_step(size):
            # too many characters for the arc at the preferred size: shrink until they fit
            lo, hi = 0.02, size
            for _ in range(30):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if natural_step(mid) <= step else (lo, mid)
            size = lo
        radius = centre_radius(size)
        first = 90 + step * (n - 1) / 2
        for i, ch in enumerate(chars):
            theta = first - i * step
            a = math.radians(theta)
            glyphs.append(Glyph(radius * math.cos(a), radius * math.sin(a), theta - 90, ch))

    caption = " ".join(caption.split())
    half_chord = math.sqrt((1 - RING_WIDTH - 0.08) ** 2 - (CAPTION_Y - CAPTION_SIZE / 2) ** 2)
    width = _em_width(caption) * CAPTION_SQUEEZE
    caption_size = min(CAPTION_SIZE, 2 * half_chord * 0.9 / width) if width else CAPTION_SIZE
    return SealLayout(ring_radius=1 - RING_WIDTH / 2, ring_width=RING_WIDTH, star=star, name_size=size,
                      glyphs=glyphs, caption=caption, caption_size=caption_size, caption_y=CAPTION_Y)


# Ideographs sit roughly between -0.07 and 0.83 em of the baseline: this puts their middle on the point.
_BASELINE_DROP = 0.38


def draw_seal(canvas: Canvas, cx: float, cy: float, radius: float, name: str, caption: str, font: str) -> None:
    """Paint the seal centred at (cx, cy) with the given outer radius (points) in the registered ``font``."""
    from reportlab.lib.colors import HexColor

    lay = layout(name, caption)
    red = HexColor(SEAL_RED)
    canvas.saveState()
    try:
        canvas.translate(cx, cy)
        canvas.scale(radius, radius)
        canvas.setFillColor(red)
        canvas.setStrokeColor(red)
        if hasattr(canvas, "setFillAlpha"):
            canvas.setFillAlpha(OPACITY)
            canvas.setStrokeAlpha(OPACITY)
        canvas.setLineWidth(lay.ring_width)
        canvas.circle(0, 0, lay.ring_radius, stroke=1, fill=0)

        path = canvas.beginPath()
        path.moveTo(*lay.star[0])
        for x, y in lay.star[1:]:
            path.lineTo(x, y)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)

        for g in lay.glyphs:
            canvas.saveState()
            canvas.translate(g.x, g.y)
            canvas.rotate(g.turn)
            canvas.scale(NAME_SQUEEZE, 1)
            canvas.setFont(font, lay.name_size)
            canvas.drawCentredString(0, -_BASELINE_DROP * lay.name_size, g.text)
            canvas.restoreState()

        if lay.caption:
            canvas.saveState()
            canvas.translate(0, lay.caption_y)
            canvas.scale(CAPTION_SQUEEZE, 1)
            canvas.setFont(font, lay.caption_size)
            canvas.drawCentredString(0, -_BASELINE_DROP * lay.caption_size, lay.caption)
            canvas.restoreState()
    finally:
        canvas.restoreState()


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def seal_svg(name: str, caption: str, size: int = 160) -> str:
    """The seal as a standalone SVG document of ``size`` × ``size`` pixels."""
    lay = layout(name, caption)
    c = size / 2
    k = size / 2 * 0.98  # leave room for anti-aliasing of the ring's outer edge

    def x(u: float) -> str:
        return _n(c + u * k)

    def y(v: float) -> str:  # SVG's y grows downwards
        return _n(c - v * k)

    label = f"{' '.join(name.split())}（{lay.caption}）" if lay.caption else " ".join(name.split())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label={quoteattr(label)}>',
        f"<title>{escape(label)}</title>",
        f'<g fill="{SEAL_RED}" stroke="{SEAL_RED}" fill-opacity="{OPACITY}" stroke-opacity="{OPACITY}" '
        f'font-family="{SVG_FONTS}">',
        f'<circle cx="{_n(c)}" cy="{_n(c)}" r="{_n(lay.ring_radius * k)}" fill="none" '
        f'stroke-width="{_n(lay.ring_width * k)}"/>',
        '<polygon stroke="none" points="' + " ".join(f"{x(px)},{y(py)}" for px, py in lay.star) + '"/>',
    ]
    name_px = lay.name_size * k
    for g in lay.glyphs:
        # SVG rotates clockwise on screen, the layout counter-clockwise
        parts.append(f'<text stroke="none" font-size="{_n(name_px)}" text-anchor="middle" '
                     f'transform="translate({x(g.x)} {y(g.y)}) rotate({_n(-g.turn)}) scale({NAME_SQUEEZE} 1)" '
                     f'y="{_n(_BASELINE_DROP * name_px)}">{escape(g.text)}</text>')
    if lay.caption:
        cap_px = lay.caption_size * k
        parts.append(f'<text stroke="none" font-size="{_n(cap_px)}" text-anchor="middle" '
                     f'transform="translate({x(0)} {y(lay.caption_y)}) scale({CAPTION_SQUEEZE} 1)" '
                     f'y="{_n(_BASELINE_DROP * cap_px)}">{escape(lay.caption)}</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)
