"""The seal picture: one layout drawn as SVG and on a PDF canvas; names of any length stay inside the ring
and are escaped in SVG."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET

import pytest

from yiwang.core.fonts import font_name
from yiwang.seals import picture

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["北京市公安局", "广州市天河区市场监督管理局", "局", "",
         "中华人民共和国国家市场监督管理总局某某省某某市某某区分局行政审批专用章" * 2]


def test_svg_is_well_formed_and_carries_the_escaped_name() -> None:
    name = "某某<区>&“市场”'监管'局"
    svg = picture.seal_svg(name, "电子印章 & 1234", size=200)
    assert "&lt;区&gt;&amp;" in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("width") == "200"
    assert root.findtext(f"{SVG}title") == f"{name}（电子印章 & 1234）"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "".join(texts[:-1]) == name  # one element per character along the arc, then the caption
    assert texts[-1] == "电子印章 & 1234"
    assert root.find(f".//{SVG}polygon") is not None  # the star
    assert picture.SEAL_RED in svg


@pytest.mark.parametrize("name", NAMES)
def test_the_name_stays_inside_the_ring(name: str) -> None:
    lay = picture.layout(name, "电子印章")
    assert len(lay.glyphs) == len(name)
    inner = lay.ring_radius - lay.ring_width / 2
    for g in lay.glyphs:
        assert math.hypot(g.x, g.y) + lay.name_size / 2 <= inner
    if len(lay.glyphs) > 1:  # reading left to right over the top, never wrapping round the bottom
        turns = [g.turn for g in lay.glyphs]
        assert turns == sorted(turns, reverse=True)
        assert turns[0] - turns[-1] <= picture.NAME_MAX_SPAN + 1e-9


@pytest.mark.parametrize("name", NAMES)
def test_draw_seal_on_a_canvas(name: str) -> None:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(300, 300))
    picture.draw_seal(canvas, 150, 150, 60, name, "电子印章 0012345" if name else "", font_name())
    canvas.drawString(10, 10, "after")  # the canvas state is restored
    canvas.save()
    assert buf.getvalue().startswith(b"%PDF")
