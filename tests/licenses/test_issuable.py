"""Issue 13, point 3: an approval whose license cannot be issued is refused up front with 409
``license_not_issuable`` and a Chinese reason, instead of concluding and failing silently in the outbox."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.config import get_settings
from yiwang.licenses import service as licenses
from yiwang.licenses.errors import LicenseNotIssuable
from yiwang.org import service as org_service


def _to_approval(session, w: cw.World) -> str:  # type: ignore[no-untyped-def]
    with clock.frozen(lf.MONDAY):
        no = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=no, action="accept")
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
    return no


def _refused(session, w: cw.World, no: str) -> LicenseNotIssuable:  # type: ignore[no-untyped-def]
    with clock.frozen(lf.MONDAY), pytest.raises(LicenseNotIssuable) as exc:
        cases.apply(session, w.approver, case_no=no, action="approve")
    assert exc.value.status == 409 and exc.value.code == "license_not_issuable"
    return exc.value


def test_department_without_uscc_refuses_the_approval(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, result={"name": "某证", "license_type": "某证"})  # its department has no USCC
    no = _to_approval(session, w)
    err = _refused(session, w, no)
    assert "统一社会信用代码" in err.message and cw.DEPT in err.message
    view = cases.get_case(session, w.approver, no)
    assert view.outcome is None and view.status != "concluded"


def test_invalid_uscc_and_unknown_code_type_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    no = _to_approval(session, w)
    dept = org_service.find_department(session, cw.DEPT, "440104")
    good = dept.uscc
    dept.uscc = "91440104MA00000000"  # wrong check character
    session.flush()
    assert "无效" in _refused(session, w, no).message
    dept.uscc = good
    session.flush()
    with pytest.raises(LicenseNotIssuable) as exc:  # a type code nobody registered
        licenses.check_issuable(session, type_ref="44010400000000000000A", department_id=dept.id)
    assert "证照目录" in exc.value.message
    with pytest.raises(LicenseNotIssuable):
        licenses.check_issuable(session, type_ref="  ", department_id=dept.id)


def test_a_department_that_cannot_have_a_seal_is_refused(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    no = _to_approval(session, w)
    monkeypatch.setattr(get_settings(), "seal_algorithm", "rsa-512")
    err = _refused(session, w, no)
    assert "电子印章" in err.message


def test_an_issuable_license_approves_and_issues(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    dept = org_service.find_department(session, cw.DEPT, "440104")
    licenses.check_issuable(session, type_ref=lf.TYPE, department_id=dept.id)  # no error
    no, license_id = lf.issued(session, w)
    assert license_id


def test_api_answers_409_with_the_reason(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, result={"name": "某证", "license_type": "某证"})
    no = _to_approval(session, w)
    session.commit()
    r = client.post("/api/v1/auth/login", json={"username": "approver", "password": f.PASSWORD})
    token = r.json()["access_token"]
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"},
                    headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 409, r.text
    body = r.json()["error"]
    assert body["code"] == "license_not_issuable" and "统一社会信用代码" in body["message"]
    case = client.get(f"/api/v1/cases/{no}", headers={"authorization": f"Bearer {token}"}).json()
    assert case["outcome"] is None and "approve" in case["allowed_actions"]  # still waiting for the decision


def test_the_workbench_page_shows_the_reason(client, session) -> None:  # type: ignore[no-untyped-def]
    import re

    from tests.web.helpers import staff_login

    w = cw.world(session, result={"name": "某证", "license_type": "某证"})
    no = _to_approval(session, w)
    session.commit()
    staff_login(client, "approver")
    page = client.get(f"/workbench/cases/{no}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert token and version
    r = client.post(f"/workbench/cases/{no}/actions", data={"csrf_token": token.group(1), "version": version.group(1),
                                                            "action": "approve"}, follow_redirects=False)
    assert r.status_code == 409 and "无法签发电子证照" in r.text and "统一社会信用代码" in r.text
