"""Issue 12 item 11: every decision has its written 准予/不予行政许可决定书 (PDF, embedded Chinese font), with
the decision, the reasons for a denial, the remedies (行政复议 60 days, 行政诉讼 6 months), the department
and the date — downloadable by the applicant and the department's staff from the case pages."""

from __future__ import annotations

import pytest

from tests.cases import factories as cw
from tests.cases.test_notices import _check_pdf
from tests.licenses import factories as lf
from tests.licenses.test_pdf_fonts import _fonts
from tests.web.helpers import applicant_login, staff_login
from yiwang.cases import notices
from yiwang.cases import service as cases
from yiwang.cases.errors import CaseNotFound

pytestmark = pytest.mark.db


def _decided(session, w: cw.World, action: str, **inputs: str) -> str:  # type: ignore[no-untyped-def]
    no = cw.submit(session, w)
    for actor, step in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review")):
        cases.apply(session, actor, case_no=no, action=step)
    cases.apply(session, w.approver, case_no=no, action=action, **inputs)
    return no


def test_row11_denial_has_a_written_decision_with_reasons_and_remedies(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = _decided(session, w, "deny", comment="经营场所与申请材料不符")
    session.commit()
    case = cases.get_case(session, w.applicant, no)
    assert [n["kind"] for n in notices.available(session, case)] == ["accept", "deny"]
    doc = notices.render(session, w.applicant, case_no=no, kind="deny")
    assert doc.title == "不予行政许可决定书"
    _check_pdf(doc.data, "不予行政许可决定书", "经营场所与申请材料不符", "行政复议", "六十日", "行政诉讼", "六个月",
               cw.DEPT, no)
    fonts = _fonts(doc.data)
    assert fonts and all(fonts.values()) and not any("Helvetica" in n for n in fonts), fonts
    with pytest.raises(CaseNotFound):  # no approval notice for a denied case
        notices.render(session, w.applicant, case_no=no, kind="approve")
    # the applicant's case page links it and it downloads; so does the staff case page
    applicant_login(client, w.applicant_id)
    assert f"/my/cases/{no}/notices/deny" in client.get(f"/my/cases/{no}").text
    r = client.get(f"/my/cases/{no}/notices/deny")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert client.get(f"/my/cases/{no}/notices/approve").status_code == 404
    client.cookies.clear()
    staff_login(client, "handler")
    assert f"/workbench/cases/{no}/notices/deny" in client.get(f"/workbench/cases/{no}").text
    assert client.get(f"/workbench/cases/{no}/notices/deny").status_code == 200
    client.cookies.clear()
    staff_login(client, "other")  # another department: not found
    assert client.get(f"/workbench/cases/{no}/notices/deny").status_code == 404


def test_row11_approval_has_a_written_decision_naming_the_licence(client, session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    no, license_id = lf.issued(session, w)
    session.commit()
    case = cases.get_case(session, w.applicant, no)
    assert "approve" in [n["kind"] for n in notices.available(session, case)]
    doc = notices.render(session, w.approver, case_no=no, kind="approve")
    assert doc.title == "准予行政许可决定书"
    identifier = cases.view(session, w.applicant, case).licenses[0]["identifier"]
    _check_pdf(doc.data, "准予行政许可决定书", "决定准予行政许可", lf.TYPE, identifier, "行政复议", "行政诉讼", cw.DEPT)
    applicant_login(client, w.applicant_id)
    r = client.get(f"/my/cases/{no}/notices/approve")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get(f"/my/cases/{no}/notices/deny").status_code == 404
    client.cookies.clear()
    staff_login(client, "approver")
    assert client.get(f"/workbench/cases/{no}/notices/approve").status_code == 200
    client.cookies.clear()
    staff_login(client, "other")  # another department: not found
    assert client.get(f"/workbench/cases/{no}/notices/approve").status_code == 404


def test_row11_workbench_notice_route_is_staff_only(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = _decided(session, w, "deny", comment="不符合条件")
    session.commit()
    applicant_login(client, w.applicant_id)
    r = client.get(f"/workbench/cases/{no}/notices/deny", follow_redirects=False)
    assert r.status_code in (303, 403, 404), r.status_code
