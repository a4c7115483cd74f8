"""Issue 12 item 11: every font in the licence PDF (and the written decisions) is embedded — no reference
to an unembedded Helvetica — checked in Python by walking the PDF's font resources (pages, form XObjects
and annotation appearances), so the test runs wherever the project does."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import factories as f
from tests.licenses import factories as lf


def _fonts(data: bytes) -> dict[str, bool]:
    """Base font name → embedded, for every font the file's pages use."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data))
    found: dict[str, bool] = {}
    seen: set[int] = set()

    def deref(obj: Any) -> Any:
        return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj

    def embedded(font: Any) -> bool:
        font = deref(font)
        if font.get("/Subtype") == "/Type0":
            return all(embedded(d) for d in deref(font["/DescendantFonts"]))
        if font.get("/Subtype") == "/Type3":
            return True
        desc = deref(font.get("/FontDescriptor"))
        return desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))

    def resources(res: Any) -> None:
        res = deref(res)
        if not isinstance(res, generic.DictionaryObject) or id(res) in seen:
            return
        seen.add(id(res))
        for font in deref(res.get("/Font", generic.DictionaryObject())).values():
            found[str(deref(font).get("/BaseFont"))] = embedded(font)
        for xobj in deref(res.get("/XObject", generic.DictionaryObject())).values():
            x = deref(xobj)
            if x.get("/Subtype") == "/Form" and "/Resources" in x:
                resources(x["/Resources"])

    root = reader.root
    pages = [deref(root["/Pages"])]
    while pages:
        node = pages.pop()
        if node.get("/Type") == "/Pages":
            pages += [deref(k) for k in node["/Kids"]]
            continue
        if "/Resources" in node:
            resources(node["/Resources"])
        for annot in deref(node.get("/Annots", generic.ArrayObject())):
            ap = deref(deref(annot).get("/AP"))
            if ap is not None:
                for stream in ap.values():
                    s = deref(stream)
                    if "/Resources" in s:
                        resources(s["/Resources"])
    acro = deref(root.get("/AcroForm"))
    if acro is not None and "/DR" in acro:
        resources(acro["/DR"])
    return found


def _license_pdf(client, session) -> bytes:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    session.commit()
    r = client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, w.applicant_id))
    assert r.status_code == 200
    return r.content


@pytest.mark.db
def test_row11_every_font_in_the_license_pdf_is_embedded(client, session) -> None:  # type: ignore[no-untyped-def]
    fonts = _fonts(_license_pdf(client, session))
    assert fonts, "the licence uses no font at all?"
    assert not any("Helvetica" in name for name in fonts), fonts
    assert all(fonts.values()), fonts


@pytest.mark.db
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_row11_pdffonts_agrees(client, session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "licence.pdf"
    path.write_bytes(_license_pdf(client, session))
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), out  # the "emb" column
    assert "Helvetica" not in out
