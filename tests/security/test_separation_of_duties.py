"""Separation of duties: whoever handled a case (accepted it or took its 承办 step) does not also decide it —
by default for items whose result is a licence (``YIWANG_SEPARATION_OF_DUTIES=licensing``), for every item
(``all``) or never (``off``); a department marked 一人多岗 (``combined_duties``) is exempt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from tests.licenses import factories as lf
from tests.web.helpers import staff_login
from yiwang.cases import duties
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.config import reset_settings
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM
from yiwang.org import service as org_service


@pytest.fixture()
def mode(monkeypatch) -> Iterator[object]:  # type: ignore[no-untyped-def]
    def set_mode(value: str) -> None:
        monkeypatch.setenv("YIWANG_SEPARATION_OF_DUTIES", value)
        reset_settings()

    yield set_mode
    monkeypatch.delenv("YIWANG_SEPARATION_OF_DUTIES", raising=False)
    reset_settings()


def _handled_by_one_person(session, w, multi) -> str:  # type: ignore[no-untyped-def]
    """Accepted and handled by ``multi`` (who also holds the approver role), checked by the checker."""
    with clock.frozen(lf.MONDAY):
        no = cw.submit(session, w)
        cases.apply(session, multi, case_no=no, action="accept")
        cases.apply(session, multi, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
    return no


def test_the_handler_cannot_approve_a_licensing_case(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    multi = f.staff(session, "multi", ["handler", "approver"], cw.DEPT)
    no = _handled_by_one_person(session, w, multi)
    case = cases.get_case(session, multi, no)
    assert "approve" not in cases.allowed_actions(multi, case) and "deny" not in cases.allowed_actions(multi, case)
    for action in ("approve", "deny"):
        with pytest.raises(duties.SeparationOfDuties) as exc:
            cases.apply(session, multi, case_no=no, action=action, comment="不予许可")
        assert exc.value.status == 409 and exc.value.code == "separation_of_duties"
        assert "职责分离" in exc.value.message
    # another approver of the department decides
    assert cases.apply(session, w.approver, case_no=no, action="approve").outcome == "approved"


def test_the_api_answers_409_separation_of_duties(client, session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    multi = f.staff(session, "multi", ["handler", "approver"], cw.DEPT)
    no = _handled_by_one_person(session, w, multi)
    session.commit()
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=f.api_login(client, "multi"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "separation_of_duties" and "职责分离" in r.json()["error"]["message"]


def test_the_workbench_hides_approve_and_says_why(app, session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    multi = f.staff(session, "multi", ["handler", "approver"], cw.DEPT)
    no = _handled_by_one_person(session, w, multi)
    session.commit()
    client = TestClient(app)
    staff_login(client, "multi")
    page = client.get(f"/workbench/cases/{no}")
    assert page.status_code == 200
    assert 'name="action" value="approve"' not in page.text and "职责分离" in page.text
    other = TestClient(app)
    staff_login(other, "approver")
    page = other.get(f"/workbench/cases/{no}")
    assert 'name="action" value="approve"' in page.text and "职责分离" not in page.text


def test_modes(session, mode) -> None:  # type: ignore[no-untyped-def]
    licensing = lf.world(session)
    multi = f.staff(session, "multi", ["handler", "approver"], cw.DEPT)
    # the same staff and applicant, an item with no licence as its result
    plain = cw.World(**{**licensing.__dict__, "code": cf.published(session, department=cw.DEPT)})
    # licensing (default): a non-licensing item may be handled and decided by one person
    no = _handled_by_one_person(session, plain, multi)
    assert cases.apply(session, multi, case_no=no, action="approve").outcome == "approved"
    # all: every item
    mode("all")
    no = _handled_by_one_person(session, plain, multi)
    with pytest.raises(duties.SeparationOfDuties):
        cases.apply(session, multi, case_no=no, action="approve")
    # off: never
    mode("off")
    no = _handled_by_one_person(session, licensing, multi)
    assert cases.apply(session, multi, case_no=no, action="approve").outcome == "approved"


def test_a_combined_duties_department_is_exempt(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    multi = f.staff(session, "multi", ["handler", "approver"], cw.DEPT)
    admin = f.staff(session, "admin", ["admin"], "区政务服务数据管理局")
    dept = org_service.find_department(session, cw.DEPT, "440104")
    assert dept is not None
    with pytest.raises(ValidationFailed):  # a reason is required
        org_service.set_combined_duties(session, admin, department_id=dept.id, combined=True)
    with pytest.raises(PermissionDenied):  # administrators only
        org_service.set_combined_duties(session, w.handler, department_id=dept.id, combined=True, reason="人少")
    org_service.set_combined_duties(session, admin, department_id=dept.id, combined=True, reason="编制人数少")
    no = _handled_by_one_person(session, w, multi)
    assert cases.apply(session, multi, case_no=no, action="approve").outcome == "approved"
    org_service.set_combined_duties(session, SYSTEM, department_id=dept.id, combined=False)
    no = _handled_by_one_person(session, w, multi)
    with pytest.raises(duties.SeparationOfDuties):
        cases.apply(session, multi, case_no=no, action="approve")


def test_the_departments_page_switches_combined_duties(app, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "admin", ["admin"], "区政务服务数据管理局")
    dept_id = f.department(session, "区档案馆")
    session.commit()
    client = TestClient(app)
    staff_login(client, "admin")
    from tests.web.helpers import csrf

    url = f"/admin/departments/{dept_id}/combined-duties"
    r = client.post(url, data={"combined": "1", "reason": "", "csrf_token": csrf(client, "/admin/departments")})
    assert r.status_code == 422 and "须说明理由" in r.text
    r = client.post(url, data={"combined": "1", "reason": "仅两名工作人员",
                               "csrf_token": csrf(client, "/admin/departments")}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert org_service.combined_duties(session, dept_id)
    assert "一人多岗" in client.get("/admin/departments").text


def test_a_return_to_the_handler_does_not_let_the_earlier_handler_decide(session) -> None:  # type: ignore[no-untyped-def]
    """退回 to the 承办 step and another handler's work do not wash out who handled the case before: the earlier
    handler (who also holds the approver role) may still send it back but not decide it — and is not offered it."""
    w = lf.world(session)
    multi = f.staff(session, "multi", ["handler", "approver"], cw.DEPT)
    no = _handled_by_one_person(session, w, multi)
    with clock.frozen(lf.MONDAY):
        assert "return_previous" in cases.allowed_actions(multi, cases.get_case(session, multi, no))
        cases.apply(session, multi, case_no=no, action="return_previous", comment="请补充核查意见")
        cases.apply(session, w.checker, case_no=no, action="return_previous", comment="请重新承办")
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
    case = cases.get_case(session, multi, no)
    assert case.review_step == "approve"
    assert not {"approve", "deny"} & set(cases.allowed_actions(multi, case))
    with pytest.raises(duties.SeparationOfDuties):
        cases.apply(session, multi, case_no=no, action="approve")
    assert cases.apply(session, w.approver, case_no=no, action="approve").outcome == "approved"
