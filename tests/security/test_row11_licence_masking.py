"""Row 11: administrator and catalog-manager accounts searched every licence of their region by a full ID
number and saw it unmasked. Now staff outside the issuing department see a person's ID number masked
(4401**********1234) in lists, search results and the licence page, and searching by a full ID number needs
``licenses:license:search_holder`` — held by the issuing department's case roles only — and is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories as f
from tests.licenses import factories as lf
from tests.web.helpers import staff_login
from yiwang.core.audit import AuditRecord
from yiwang.core.codes import mask_id_number


def _world(session):  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    f.staff(session, "adm", ["admin"], "区政务服务数据管理局")  # district administrator
    f.staff(session, "catalog", ["admin"], "广东省政务服务数据管理局", region_code="440000")  # catalog manager
    f.staff(session, "sup", ["supervisor"], "区纪委监委")
    session.commit()
    return w, license_id


def test_other_staff_see_the_id_number_masked(client, session) -> None:  # type: ignore[no-untyped-def]
    w, license_id = _world(session)
    masked = mask_id_number(w.applicant_id)
    assert masked.startswith(w.applicant_id[:4]) and masked.endswith(w.applicant_id[-4:]) and "*" * 10 in masked
    for login in ("adm", "catalog", "sup"):
        headers = f.api_login(client, login)
        items = client.get("/api/v1/licenses", headers=headers).json()["items"]
        assert [i["holder_code"] for i in items] == [masked], login
        one = client.get(f"/api/v1/licenses/{license_id}", headers=headers).json()
        assert one["holder_code"] == masked and w.applicant_id not in str(one), login
    # the issuing department and the holder see it in full
    handler = f.api_login(client, "handler")
    assert client.get(f"/api/v1/licenses/{license_id}", headers=handler).json()["holder_code"] == w.applicant_id
    holder = f.api_login(client, w.applicant_id)
    assert client.get(f"/api/v1/licenses/{license_id}", headers=holder).json()["holder_code"] == w.applicant_id


def test_searching_by_a_full_id_number_needs_the_permission(client, session) -> None:  # type: ignore[no-untyped-def]
    w, license_id = _world(session)
    for login in ("adm", "catalog", "sup"):
        r = client.get("/api/v1/licenses", params={"q": w.applicant_id}, headers=f.api_login(client, login))
        assert r.status_code == 403, (login, r.text)
        assert r.json()["error"]["code"] == "holder_search_forbidden" and "发证部门" in r.json()["error"]["message"]
    # other searches still work for them (by name, case number, identifier)
    r = client.get("/api/v1/licenses", params={"q": "张三"}, headers=f.api_login(client, "adm"))
    assert r.status_code == 200 and r.json()["total"] == 1
    # the issuing department's handler may, and the search is audited (with the number masked)
    r = client.get("/api/v1/licenses", params={"q": w.applicant_id}, headers=f.api_login(client, "handler"))
    assert r.status_code == 200 and r.json()["items"][0]["license_id"] == license_id
    session.expire_all()
    audited = session.scalars(select(AuditRecord).where(AuditRecord.action == "license.search_by_holder")).all()
    assert [a.object_id for a in audited] == [mask_id_number(w.applicant_id)]


def test_the_workbench_page_refuses_in_chinese_and_masks(app, session) -> None:  # type: ignore[no-untyped-def]
    w, license_id = _world(session)
    client = TestClient(app)
    staff_login(client, "adm")
    r = client.get("/workbench/licenses", params={"q": w.applicant_id})
    assert r.status_code == 403 and "按公民身份号码查询证照仅限发证部门的办件人员" in r.text
    page = client.get(f"/workbench/licenses/{license_id}")
    assert page.status_code == 200
    assert w.applicant_id not in page.text and mask_id_number(w.applicant_id) in page.text
