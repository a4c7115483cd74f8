"""The pledge API contracts: the public list (no personal data), the post-check tasks and their results with
structured errors, the bar on a pledged submission, credit records."""

from __future__ import annotations

import datetime as dt

from tests import factories as f
from tests.cases import factories as cw
from tests.pledges import factories as pf
from yiwang.core import clock

LATER = pf.MONDAY + dt.timedelta(days=3)


def _error(r, status: int, code: str, field: str | None) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code and body["field"] == field and body["message"], body


def test_public_list_checks_results_and_the_bar(client, session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session)
    no = pf.approved_pledged(session, engine, w)
    session.commit()
    approver, handler = f.api_login(client, "approver"), f.api_login(client, "handler")
    other, applicant = f.api_login(client, "other"), f.api_login(client, w.applicant_id)

    # 公示: public, the holder masked, no ID number or phone anywhere in it
    r = client.get("/api/v1/pledges", params={"q": "测试许可事项"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["publication_no"].startswith("GS2026") and item["applicant"] == "张*" and item["department"] == cw.DEPT
    assert no not in r.text  # case numbers are never revealed
    assert item["decided_on"] == "2026-03-02" and item["check_status"] == "pending"
    assert w.applicant_id not in r.text and "13800138000" not in r.text and "张三" not in r.text
    assert client.get("/api/v1/pledges", params={"q": "没有这个事项"}).json()["total"] == 0
    dept = client.get("/api/v1/pledges").json()
    assert dept["total"] == 1
    _error(client.get("/api/v1/pledges", params={"department_id": "x"}), 422, "invalid", "department_id")

    # the department's tasks; another department's staff see none; applicants are refused
    r = client.get("/api/v1/pledge-checks", headers=approver)
    assert r.status_code == 200 and r.json()["total"] == 1
    task = r.json()["items"][0]
    assert task["status"] == "pending" and task["deadline"] == "2026-03-30" and task["overdue"] is True  # today
    with clock.frozen(LATER):
        seen = client.get(f"/api/v1/pledge-checks/{task['id']}", headers=approver).json()
        assert seen["overdue"] is False and seen["remaining_days"] == 17 and seen["light"] == "green"
    assert client.get("/api/v1/pledge-checks", headers=other).json()["total"] == 0
    _error(client.get("/api/v1/pledge-checks", headers=applicant), 403, "forbidden", None)
    _error(client.get("/api/v1/pledge-checks"), 401, "unauthenticated", None)

    url = f"/api/v1/pledge-checks/{task['id']}/result"
    _error(client.post(url, json={"result": "maybe", "note": "x"}, headers=approver), 422, "invalid", "result")
    _error(client.post(url, json={"result": "passed", "note": ""}, headers=approver), 422, "note_required", "note")
    _error(client.post(url, json={"result": "passed", "note": "x"}, headers=other), 404, "pledge_check_not_found",
           "check_id")
    _error(client.post(url, json={"result": "false_pledge", "note": "x"}, headers=handler), 403, "forbidden", None)
    _error(client.post(url, json={"result": "false_pledge", "note": "x", "expected_version": 99},
                       headers=approver), 409, "stale_version", "expected_version")
    _error(client.post(url, json={"result": "false_pledge", "note": "x", "evidence_file_id": "nope"},
                       headers=approver), 422, "file_not_found", "evidence_file_id")
    with clock.frozen(LATER):
        r = client.post(url, json={"result": "false_pledge", "note": "承诺的场所不存在",
                                   "expected_version": task["version"]}, headers=approver)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "failed" and r.json()["note"] == "承诺的场所不存在"
    _error(client.post(url, json={"result": "passed", "note": "x"}, headers=approver), 409, "check_closed", "result")
    assert client.get("/api/v1/pledges").json()["items"][0]["check_status"] == "failed"
    assert client.get(f"/api/v1/cases/{no}", headers=applicant).json()["status"] == "revoked"

    # the applicant's credit record, and the pledged submission refused
    r = client.get("/api/v1/credit-records", headers=applicant)
    assert r.status_code == 200 and r.json()["total"] == 1 and r.json()["items"][0]["case_no"] == no
    r = client.post("/api/v1/files", files={"file": ("a.pdf", cw.PDF, "application/pdf")}, headers=applicant)
    file_id = r.json()["file_id"]
    r = client.post("/api/v1/cases", headers=applicant, json={
        "item_code": w.code, "form": pf.FORM, "materials": [{"name": "申请书", "file_id": file_id}], "pledge": True})
    _error(r, 422, "pledge_barred", "pledge")
