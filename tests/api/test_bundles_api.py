"""一件事 over the API: the contract of /api/v1/bundles and /api/v1/bundle-applications."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.bundles import world as bw
from yiwang.bundles.models import BundleApplication
from yiwang.cases.models import Case
from yiwang.identity import service as identity


def _token(session: Session, actor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token, _ = identity.issue_token(session, actor, "api")
    return {"Authorization": f"Bearer {token}"}


def test_the_bundle_contract(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    session.commit()
    listed = client.get("/api/v1/bundles", params={"q": "企业开办"}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["code"] == bw.BUNDLE and listed["items"][0]["items"] == w.codes
    assert client.get("/api/v1/bundles", params={"q": "卫生许可"}).json()["total"] == 1  # by an item's name
    assert client.get("/api/v1/bundles", params={"q": "无此主题"}).json() == {"total": 0, "items": []}
    guide = client.get(f"/api/v1/bundles/{bw.BUNDLE}").json()
    assert guide["form_schema"]["properties"]["enterprise_name"]["title"] == "企业名称"
    assert [m["name"] for m in guide["materials"]][:2] == ["食品经营许可申请书", "营业执照"]
    missing = client.get("/api/v1/bundles/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "bundle_not_found"


def test_filing_following_and_idempotency(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    headers = _token(session, w.applicant)
    body = {"bundle_code": bw.BUNDLE, "form": bw.FORM, "materials": bw.materials(session, w.applicant)}
    session.commit()
    r = client.post("/api/v1/bundle-applications", json=body, headers=headers | {"Idempotency-Key": "a-1"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert [c["item_code"] for c in out["cases"]] == w.codes
    assert [c["department"] for c in out["cases"]] == [bw.MARKET, bw.HEALTH, bw.TAX]
    again = client.post("/api/v1/bundle-applications", json=body, headers=headers | {"Idempotency-Key": "a-1"})
    assert again.status_code == 201 and again.json()["application_no"] == out["application_no"]
    assert again.json()["cases"] == out["cases"]
    followed = client.get(f"/api/v1/bundle-applications/{out['application_no']}", headers=headers).json()
    assert followed["status"] == "in_progress" and followed["status_label"] == "办理中"
    assert [c["status"] for c in followed["cases"]] == ["submitted"] * 3
    mine = client.get("/api/v1/bundle-applications", headers=headers).json()
    assert mine["total"] == 1 and mine["items"][0]["application_no"] == out["application_no"]
    # someone else's application is not found, whoever asks
    other, _ = f.person(session, "王五")
    stranger = _token(session, other)
    session.commit()
    hidden = client.get(f"/api/v1/bundle-applications/{out['application_no']}", headers=stranger)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "bundle_application_not_found"


def test_bad_input_is_a_structured_error_and_files_nothing(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    headers = _token(session, w.applicant)
    materials = bw.materials(session, w.applicant)
    session.commit()
    cases = [
        ({"bundle_code": bw.BUNDLE, "form": bw.FORM, "materials": materials[:-1]}, 422, "materials_missing",
         "materials"),
        ({"bundle_code": bw.BUNDLE, "form": bw.FORM | {"area": 800}, "materials": materials}, 422, "invalid_form",
         "form.area"),
        ({"bundle_code": bw.BUNDLE, "form": bw.FORM, "materials": materials, "items": ["X"]}, 422, "not_in_bundle",
         "items.0"),
        ({"bundle_code": "NOPE", "form": bw.FORM, "materials": materials}, 404, "bundle_not_found", "bundle_code"),
        ({"bundle_code": bw.BUNDLE, "form": bw.FORM, "materials": materials, "items": []}, 422, "invalid", "items"),
    ]
    for body, status, code, field in cases:
        r = client.post("/api/v1/bundle-applications", json=body, headers=headers)
        assert r.status_code == status, r.text
        err = r.json()["error"]
        assert err["code"] == code and err["field"] == field and err["message"]
    unauthenticated = client.post("/api/v1/bundle-applications", json=cases[0][0])
    assert unauthenticated.status_code == 401
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert session.scalar(select(func.count()).select_from(BundleApplication)) == 0
