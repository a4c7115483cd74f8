"""The CJK font embedded in every generated PDF (notices, licenses).

Chinese text is set in Noto Sans SC, embedded as a TrueType subset so a document reads the same on a
machine without Chinese fonts. The font comes from PyPI (justmytype-intl-cjk) as a variable TrueType
font whose default instance is the thinnest weight; reportlab cannot choose a variation, so a static
Regular instance is cut once with fontTools and kept under ``var_dir/fonts`` (about 15 seconds, once per
machine; `yiwang serve` does it in the background at start-up). When that font cannot be had, PDFs fall
back to reportlab's STSong-Light, which is only *referenced* (readers without Chinese fonts show
boxes) — a logged warning says so.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

from yiwang.core.config import get_settings

log = logging.getLogger(__name__)

FONT_NAME = "YiwangSansSC"
FALLBACK_FONT = "STSong-Light"
_font_lock = threading.Lock()
_font_registered: str | None = None


def font_name() -> str:
    """Register the PDF font with reportlab once per process and return its name."""
    global _font_registered
    with _font_lock:
        if _font_registered:
            return _font_registered
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(static_font_path())))
            pdfmetrics.registerFontFamily(FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME,
                                          boldItalic=FONT_NAME)
            _font_registered = FONT_NAME
        except Exception:  # a missing or broken font package must not stop a document from being served
            log.warning("PDF font unavailable; falling back to the non-embedded %s", FALLBACK_FONT,
                        exc_info=True)
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
            _font_registered = FALLBACK_FONT
        return _font_registered


def _variable_font() -> Path:
    from importlib.resources import files

    return Path(str(files("justmytype_intl_cjk") / "fonts" / "ofl" / "notosanssc" / "NotoSansSC[wght].ttf"))


def static_font_path() -> Path:
    """The static Regular (wght 400) instance of Noto Sans SC, cut and cached on first use."""
    source = _variable_font()
    settings = get_settings()
    folder = settings.font_cache_dir or settings.var_dir / "fonts"
    target = folder / f"NotoSansSC-Regular-{source.stat().st_size}.ttf"
    if target.exists():
        return target
    from fontTools.ttLib import TTFont as FontFile
    from fontTools.varLib import instancer

    font = instancer.instantiateVariableFont(FontFile(str(source)), {"wght": 400})
    names = {1: "Noto Sans SC", 2: "Regular", 4: "Noto Sans SC Regular", 6: "NotoSansSC-Regular"}
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            font.save(fh)
        os.replace(tmp, target)  # atomic: a concurrent process sees either nothing or the whole font
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
