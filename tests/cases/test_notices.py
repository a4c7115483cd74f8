"""Written notices (PDF): which exist for a case's history, what they say, and that the Chinese font is
embedded rather than merely named."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess

import pytest

from tests import factories as f
from tests.cases import factories as cw
from yiwang.cases import notices
from yiwang.cases import service as cases
from yiwang.cases.errors import CaseNotFound
from yiwang.core import fonts


def _text(data: bytes) -> str | None:
    """The PDF's text with pdftotext (poppler) or pypdf, whichever is installed; None when neither is."""
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                              check=True, timeout=60)
        return done.stdout.decode("utf-8")
    if importlib.util.find_spec("pypdf"):
        from pypdf import PdfReader

        return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return None


def _flat(text: str) -> str:
    return "".join(text.split())


def _check_pdf(data: bytes, *words: str) -> None:
    assert data.startswith(b"%PDF")
    if fonts.font_name() == fonts.FONT_NAME:
        assert b"/FontFile2" in data  # the TrueType subset travels inside the file
    text = _text(data)
    if text is None:
        pytest.skip("neither pdftotext nor pypdf is installed: the notice text is not checked")
    flat = _flat(text)
    for word in words:
        assert _flat(word) in flat, word


def test_the_notice_font_is_the_embeddable_one() -> None:
    # the package that carries Noto Sans SC is a dependency: falling back would print boxes on plain machines
    assert fonts.font_name() == fonts.FONT_NAME
    assert fonts.static_font_path().stat().st_size > 1_000_000


def test_acceptance_notice(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    with pytest.raises(CaseNotFound):
        notices.render(session, w.applicant, case_no=no, kind="accept")
    assert notices.available(session, cases.get_case(session, w.applicant, no)) == []
    cases.apply(session, w.handler, case_no=no, action="accept")
    doc = notices.render(session, w.applicant, case_no=no, kind="accept")
    assert doc.filename == f"受理通知书-{no}.pdf" and doc.title == "受理通知书"
    _check_pdf(doc.data, "受理通知书", no, "张三", "区市场监督管理局", "予以受理", "5 个工作日")
    assert [n["kind"] for n in notices.available(session, cases.get_case(session, w.applicant, no))] == ["accept"]


def test_rejection_notice_carries_the_reason_and_a_referral(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="reject", comment="申请事项不属于本机关职权范围")
    doc = notices.render(session, w.applicant, case_no=no, kind="reject")
    _check_pdf(doc.data, "不予受理通知书", no, "申请事项不属于本机关职权范围", "有权作出决定的行政机关", "行政复议")
    with pytest.raises(CaseNotFound):
        notices.render(session, w.applicant, case_no=no, kind="accept")


def test_correction_notice_lists_every_material(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["申请书", "身份证明"],
                comment="申请书未签字")
    doc = notices.render(session, w.applicant, case_no=no, kind="correction")
    _check_pdf(doc.data, "补正材料通知书", no, "1. 申请书", "2. 身份证明", "申请书未签字", "一次性告知")
    assert notices.render(session, w.applicant, case_no=no, kind="correction", seq=1).data.startswith(b"%PDF")
    with pytest.raises(CaseNotFound):
        notices.render(session, w.applicant, case_no=no, kind="correction", seq=2)


def test_notices_of_someone_elses_case_do_not_exist(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    stranger, _ = f.person(session, "李四")
    with pytest.raises(CaseNotFound):
        notices.render(session, stranger, case_no=no, kind="accept")
    with pytest.raises(CaseNotFound):
        notices.render(session, w.other_handler, case_no=no, kind="accept")  # another department
    with pytest.raises(CaseNotFound):
        notices.render(session, w.applicant, case_no=no, kind="licence")
    # staff of the department see the same notice
    assert notices.render(session, w.handler, case_no=no, kind="accept").data.startswith(b"%PDF")


def test_text_is_escaped_for_the_pdf_markup(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="reject", comment="<b>材料</b> & 其他")
    doc = notices.render(session, w.applicant, case_no=no, kind="reject")
    _check_pdf(doc.data, "<b>材料</b> & 其他")
