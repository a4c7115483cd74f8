"""Row 4: a window clerk alone filed a 即办件 of another department, approved it at intake and had a sealed
licence issued in that department's name. Now an immediate item is decided at the window only where its
owning department has said so (``window_may_decide``, set by the owner's catalog staff only, audited);
otherwise the window accepts and the owner's review chain decides, and no licence is issued in a
department's name for a decision taken outside it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang.cases import duties
from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import clock
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import PermissionDenied
from yiwang.licenses import jobs as license_jobs
from yiwang.licenses import service as licenses

MONDAY = lf.MONDAY


def _world(session):  # type: ignore[no-untyped-def]
    return lf.world(session, promised_limit="immediate", license_type="营业执照")


def _file_at_window(client, w) -> str:  # type: ignore[no-untyped-def]
    """The clerk files the applicant's immediate application at the window (materials uploaded by the clerk)."""
    clerk = f.api_login(client, "clerk")
    ids = []
    for name in ("申请书.pdf", "id.pdf"):
        r = client.post("/api/v1/files", files={"file": (name, cw.PDF + name.encode(), "application/pdf")},
                        headers=clerk)
        assert r.status_code == 201, r.text
        ids.append(r.json()["file_id"])
    body = {"item_code": w.code, "applicant_code": w.applicant_id,
            "form": {"contact_name": "张三", "contact_phone": "13800138000", "description": "窗口代为申请"},
            "materials": [{"name": "申请书", "file_id": ids[0]}, {"name": "身份证明", "file_id": ids[1]}]}
    r = client.post("/api/v1/cases", json=body, headers=clerk)
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"])


def test_clerk_cannot_decide_another_departments_immediate_item(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    session.commit()
    clerk = f.api_login(client, "clerk")
    no = _file_at_window(client, w)
    case = client.get(f"/api/v1/cases/{no}", headers=clerk).json()
    assert "approve" not in case["allowed_actions"] and "accept" in case["allowed_actions"]
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=clerk)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "window_decision_not_allowed" and "未授权窗口当场办结" in error["message"]
    assert client.get(f"/api/v1/cases/{no}", headers=clerk).json()["status"] == "submitted"
    assert licenses.list_licenses(session, w.approver)[0] == 0
    # the window only accepts: the owning department's approver decides, and the licence is in its name
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=clerk)
    assert r.status_code == 200 and r.json()["review_step"] == "approve"
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=clerk)
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"},
                    headers=f.api_login(client, "approver"))
    assert r.status_code == 200 and r.json()["outcome"] == "approved", r.text
    session.expire_all()
    assert len(license_jobs.issue_for_case(session, no)) == 1


def test_only_the_owning_department_sets_the_flag(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    f.staff(session, "admin", ["admin"], "区政务服务数据管理局")  # catalog rights, but another department
    session.commit()
    url = f"/api/v1/items/{w.code}/window-decision"
    for login, status in (("clerk", 403), ("admin", 403)):
        r = client.post(url, json={"window_may_decide": True}, headers=f.api_login(client, login))
        assert r.status_code == status, (login, r.text)
    assert r.json()["error"]["code"] == "not_item_owner"
    r = client.post(url, json={"window_may_decide": True}, headers=f.api_login(client, "handler"))
    assert r.status_code == 200 and r.json() == {"code": w.code, "window_may_decide": True}
    session.expire_all()
    assert catalog.window_may_decide(session, w.code)
    assert session.scalars(select(AuditRecord).where(AuditRecord.action == "catalog.window_may_decide")).all()
    # now the owner has let windows decide it: the clerk decides on the spot and the licence follows
    no = _file_at_window(client, w)
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=f.api_login(client, "clerk"))
    assert r.status_code == 200 and r.json()["outcome"] == "approved", r.text
    session.expire_all()
    assert len(license_jobs.issue_for_case(session, no)) == 1


def test_flag_refused_on_a_promised_item(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        catalog.set_window_may_decide(session, w.handler, code=w.code, allowed=True)
    assert exc.value.code == "not_immediate"


def test_region_wide_approver_cannot_decide_another_departments_case(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    both = f.staff(session, "both", ["window_clerk", "approver", "handler"], "区政务服务数据管理局")
    with clock.frozen(MONDAY):
        no = cw.submit(session, w)
        cases.apply(session, w.clerk, case_no=no, action="accept")
        for action in ("review", "suspend"):  # nor handles it, nor starts a special procedure
            with pytest.raises(PermissionDenied):
                cases.apply(session, both, case_no=no, action=action, kind="inspection", days=3)
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
        case = cases.get_case(session, both, no)  # the window role lets them see it
        assert "approve" not in cases.allowed_actions(both, case)
        with pytest.raises(PermissionDenied) as exc:
            cases.apply(session, both, case_no=no, action="approve")
    assert exc.value.code == "not_owning_department"


def test_no_licence_in_a_departments_name_for_a_decision_taken_outside_it(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Even if a decision reached the case another way (here: the window guard switched off), the issuing
    path refuses to seal a licence in the owner's name and records why."""
    w = _world(session)
    with clock.frozen(MONDAY):
        no = cw.submit(session, w)
        monkeypatch.setattr(duties, "check", lambda *a, **k: None)
        cases.apply(session, w.clerk, case_no=no, action="approve")
    with clock.frozen(MONDAY + dt.timedelta(minutes=1)):
        assert license_jobs.issue_for_case(session, no) == []
    session.commit()
    refused = session.scalars(select(AuditRecord).where(AuditRecord.action == "license.issue_refused")).all()
    assert [r.object_id for r in refused] == [no]


def test_a_window_decision_keeps_its_licence_when_the_owner_withdraws_the_flag_before_issuing(client, session) -> None:  # type: ignore[no-untyped-def]
    """A decision the owner had authorised is a decision: withdrawing the flag afterwards (before the worker
    issues, or before a failed issuance is resent) must not leave an approved case without its licence."""
    w = _world(session)
    session.commit()
    handler = f.api_login(client, "handler")
    url = f"/api/v1/items/{w.code}/window-decision"
    assert client.post(url, json={"window_may_decide": True}, headers=handler).status_code == 200
    no = _file_at_window(client, w)
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=f.api_login(client, "clerk"))
    assert r.status_code == 200 and r.json()["outcome"] == "approved", r.text
    assert client.post(url, json={"window_may_decide": False}, headers=handler).status_code == 200
    session.expire_all()
    assert not catalog.window_may_decide(session, w.code)
    assert len(license_jobs.issue_for_case(session, no)) == 1


def test_the_catalog_page_form_sets_the_flag_with_its_own_token(client, session) -> None:  # type: ignore[no-untyped-def]
    """The item page's form carries a token of the signed-in session that the route accepts; the page then
    says the window is authorised."""
    from tests.web.helpers import csrf_of, staff_login

    w = _world(session)
    session.commit()
    staff_login(client, "handler")
    page = client.get(f"/admin/catalog/{w.code}")
    assert page.status_code == 200 and "授权窗口当场办结" in page.text
    r = client.post(f"/admin/catalog/{w.code}/window-decision", data={"allowed": "1", "csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    session.expire_all()
    assert catalog.window_may_decide(session, w.code)
    assert "撤销窗口当场办结授权" in client.get(f"/admin/catalog/{w.code}").text
