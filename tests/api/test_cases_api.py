"""The case API contracts, exactly as outside checks use them."""

from __future__ import annotations

from tests import factories as f
from tests.cases import factories as cw

PDF = cw.PDF


def _setup(client, session):  # type: ignore[no-untyped-def]
    w = cw.world(session)
    session.commit()
    applicant = f.api_login(client, w.applicant_id)
    handler = f.api_login(client, "handler")
    return w, applicant, handler


def _upload(client, headers, name="申请书.pdf", data=PDF) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/files", files={"file": (name, data, "application/pdf")}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["file_id"]


def _submit(client, w, headers, key=None):  # type: ignore[no-untyped-def]
    body = {"item_code": w.code, "form": {"contact_name": "张三", "contact_phone": "13800138000",
                                         "description": "申请"},
            "materials": [{"name": "申请书", "file_id": _upload(client, headers)},
                          {"name": "身份证明", "file_id": _upload(client, headers, "id.pdf", PDF + b"x")}],
            "pledge": False}
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/cases", json=body, headers=headers | extra)


def test_submit_get_act_and_list(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, handler = _setup(client, session)
    r = _submit(client, w, applicant)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["case_no"]
    no = body["case_no"]
    case = client.get(f"/api/v1/cases/{no}", headers=handler).json()
    for key in ("case_no", "item_code", "status", "outcome", "deadline", "remaining_working_days", "light",
                "allowed_actions", "timeline"):
        assert key in case
    assert set(case["allowed_actions"]) == {"accept", "reject", "request_correction"}
    assert case["timeline"][0].keys() >= {"at", "action", "actor", "comment"}
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept", "comment": "材料齐全"}, headers=handler)
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["light"] == "green"
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=handler)
    assert r.status_code == 409
    assert r.json()["error"]["allowed_actions"] == r.json()["error"]["allowed_actions"] and \
        "review" in r.json()["error"]["allowed_actions"]
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=f.api_login(client, "checker"))
    assert r.status_code in (403, 409)
    listed = client.get("/api/v1/cases?status=accepted", headers=handler).json()
    assert listed["total"] == 1 and listed["items"][0]["case_no"] == no
    assert client.get("/api/v1/cases?light=green", headers=handler).json()["total"] == 1
    assert client.get("/api/v1/cases?light=red", headers=handler).json()["total"] == 0
    mine = client.get("/api/v1/cases", headers=applicant).json()
    assert [c["case_no"] for c in mine["items"]] == [no]


def test_request_correction_and_resubmit_contract(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, handler = _setup(client, session)
    no = _submit(client, w, applicant).json()["case_no"]
    r = client.post(f"/api/v1/cases/{no}/actions", headers=handler,
                    json={"action": "request_correction", "materials": ["申请书"], "comment": "缺少签名"})
    assert r.status_code == 200 and r.json()["status"] == "correction_requested"
    fid = _upload(client, applicant, "签名版.pdf", PDF + b"signed")
    r = client.post(f"/api/v1/cases/{no}/actions", headers=applicant,
                    json={"action": "resubmit", "materials": [{"name": "申请书", "file_id": fid}]})
    assert r.status_code == 200 and r.json()["status"] == "submitted"


def test_suspend_contract(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, handler = _setup(client, session)
    no = _submit(client, w, applicant).json()["case_no"]
    client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=handler)
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "suspend", "kind": "inspection", "days": 5},
                    headers=handler)
    assert r.status_code == 200 and r.json()["status"] == "suspended" and r.json()["paused"]
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "suspend", "kind": "x", "days": 5},
                    headers=handler)
    assert r.status_code == 409


def test_idempotency_key(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, _ = _setup(client, session)
    a = _submit(client, w, applicant, key="abc-123").json()["case_no"]
    b = _submit(client, w, applicant, key="abc-123").json()["case_no"]
    assert a == b
    assert client.get("/api/v1/cases", headers=applicant).json()["total"] == 1


def test_others_get_404_and_roles_get_403(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, handler = _setup(client, session)
    no = _submit(client, w, applicant).json()["case_no"]
    stranger = f.person(session, "李四")[1]
    session.commit()
    for headers in (f.api_login(client, stranger), f.api_login(client, "other")):
        assert client.get(f"/api/v1/cases/{no}", headers=headers).status_code == 404
        r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=headers)
        assert r.status_code == 404
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=f.api_login(client, "checker"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "withdraw"}, headers=handler)
    assert r.status_code == 403
    assert client.get("/api/v1/cases/NOPE", headers=applicant).status_code == 404


def test_bad_input_is_structured(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, handler = _setup(client, session)
    bad_bodies = [{}, {"item_code": "x"}, {"item_code": w.code, "form": {"contact_name": 5}},
                  {"item_code": w.code, "materials": [{"name": "申请书", "file_id": "nope"}]},
                  {"item_code": w.code, "unknown": 1}, []]
    for body in bad_bodies:
        r = client.post("/api/v1/cases", json=body, headers=applicant)
        assert 400 <= r.status_code < 500, (body, r.status_code)
        assert set(r.json()["error"]) >= {"code", "message", "field"}
    no = _submit(client, w, applicant).json()["case_no"]
    for body in ({"action": "fly"}, {"action": "accept", "days": "x"}, {}, {"action": "reject"}):
        r = client.post(f"/api/v1/cases/{no}/actions", json=body, headers=handler)
        assert r.status_code == 422, (body, r.text)
    assert client.get("/api/v1/cases?status=bogus", headers=handler).status_code == 422
    assert client.get("/api/v1/cases?light=blue", headers=handler).status_code == 422
    r = client.post("/api/v1/files", files={"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")},
                    headers=applicant)
    assert r.status_code == 415


def test_public_progress_endpoint(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, _ = _setup(client, session)
    no = _submit(client, w, applicant).json()["case_no"]
    r = client.get(f"/api/v1/progress?case_no={no}&tail={w.applicant_id[-4:]}")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert w.applicant_id not in r.text and "张三" not in r.text
    assert client.get(f"/api/v1/progress?case_no={no}&tail=9999").status_code == 404


def test_empty_query_parameters_mean_not_given(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, handler = _setup(client, session)
    _submit(client, w, applicant)
    r = client.get("/api/v1/cases?status=&light=&limit=&offset=", headers=handler)
    assert r.status_code == 200 and r.json()["total"] == 1
    r = client.get("/api/v1/items?q=&department=&type=&limit=&offset=")
    assert r.status_code == 200 and r.json()["total"] >= 1
    assert client.get("/api/v1/cases?limit=abc", headers=handler).status_code == 422


def test_form_data_is_limited_to_the_form(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, _ = _setup(client, session)
    body = {"item_code": w.code, "form": {"contact_name": "张三", "contact_phone": "13800138000", "description": "x",
                                         "审核意见": "同意（伪造）"},
            "materials": [{"name": "申请书", "file_id": _upload(client, applicant)},
                          {"name": "身份证明", "file_id": _upload(client, applicant, "id.pdf", PDF + b"x")}]}
    r = client.post("/api/v1/cases", json=body, headers=applicant)
    assert r.status_code == 201 and "审核意见" not in r.json()["form"]
    import json as _json

    body["form"]["description"] = "\ud800"  # a lone surrogate, as a JSON escape
    raw = _json.dumps(body, ensure_ascii=True).encode()
    r = client.post("/api/v1/cases", content=raw, headers=applicant | {"content-type": "application/json"})
    assert r.status_code == 422
