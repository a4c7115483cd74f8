"""Work orders through their lifecycle: routing at registration, dispatch, sign-for, answer, review, callback."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hotline import factories as hf
from yiwang.core import clock


def test_dry_run_contract(session: Session, client: TestClient) -> None:
    hf.build(session)
    session.commit()
    r = client.post("/api/v1/hotline/routing/dry-run", json={"content": "小区门口餐馆油烟太大"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"] == hf.ECO
    assert body["rule"] and body["explanation"]
    assert isinstance(body["alternatives"], list)
    bad = client.post("/api/v1/hotline/routing/dry-run", json={"content": ""})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "content"


def test_ticket_lifecycle_through_the_api(session: Session, client: TestClient) -> None:
    hf.build(session)
    session.commit()
    op = f.api_login(client, "op")
    eco = f.api_login(client, "eco")
    psb = f.api_login(client, "psb")
    with clock.frozen(hf.MONDAY):
        r = client.post("/api/v1/hotline/tickets", headers=op, json={
            "channel": "phone", "kind": "投诉", "content": "楼下烧烤店每天晚上油烟飘进我家，窗户都不敢开",
            "contact_phone": "13800138000", "region_code": "440104"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["department"] == hf.ECO
        assert body["deadline"] == "2026-03-04"  # a complaint: two working days
        no = body["ticket_no"]
        # the police liaison does not see it; the environment liaison does
        assert client.get(f"/api/v1/hotline/tickets/{no}", headers=psb).status_code == 404
        seen = client.get(f"/api/v1/hotline/tickets/{no}", headers=eco).json()
        assert seen["status"] == "dispatched" and "accept" in seen["allowed_actions"]
        v = seen["version"]
        acc = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco,
                          json={"action": "accept", "expected_version": v})
        assert acc.status_code == 200, acc.text
        empty = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco, json={"action": "answer"})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "comment"
        ans = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco,
                          json={"action": "answer", "comment": "已现场检查，责令安装油烟净化设施"})
        assert ans.json()["status"] == "answered" and ans.json()["on_time"] is True
        back = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op,
                           json={"action": "send_back", "comment": "未说明整改期限"})
        assert back.json()["status"] == "in_progress" and back.json()["returned_count"] == 1
        client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco,
                    json={"action": "answer", "comment": "已责令三日内安装油烟净化设施，3月5日复查"})
        ok = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op, json={"action": "approve"})
        assert ok.json()["status"] == "reviewed"
        nosat = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op, json={"action": "callback"})
        assert nosat.status_code == 422 and nosat.json()["error"]["field"] == "satisfaction"
        done = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op,
                           json={"action": "callback", "satisfaction": "满意", "comment": "市民表示满意"})
        assert done.json()["status"] == "closed" and done.json()["satisfaction"] == "satisfied"
        actions = [e["action"] for e in done.json()["timeline"]]
        assert actions == ["dispatch", "accept", "answer", "send_back", "answer", "approve", "callback"]
