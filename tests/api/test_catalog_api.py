"""The catalog API contracts."""

from __future__ import annotations

import json

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.catalog import searching


def test_search_and_guide_contract(client, session) -> None:  # type: ignore[no-untyped-def]
    searching.reset()
    code = cf.published(session, name="食品经营许可（新办）", materials=[
        {"name": "食品经营许可申请书", "required": True, "deficiency_allowed": False},
        {"name": "健康证明", "required": False, "deficiency_allowed": False}])
    other = cf.published(session, name="公共场所卫生许可", department="区卫生健康局", item_type="07")
    cf.record()  # not imported
    session.commit()
    r = client.get("/api/v1/items", params={"q": "食品经营许可"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 1
    first = body["items"][0]
    assert first["code"] == code
    assert {"code", "name", "department", "item_type", "promised_limit"} <= set(first)
    assert first["promised_limit"] == {"value": 5, "unit": "working_day"} and first["department"] == "区市场监督管理局"
    r = client.get("/api/v1/items", params={"department": "区卫生健康局"})
    assert [i["code"] for i in r.json()["items"]] == [other]
    r = client.get("/api/v1/items", params={"type": "07"})
    assert [i["code"] for i in r.json()["items"]] == [other]
    r = client.get("/api/v1/items", params={"type": "行政许可", "limit": 1, "offset": 0})
    assert r.json()["total"] == 1 and len(r.json()["items"]) == 1
    guide = client.get(f"/api/v1/items/{code}").json()
    assert [m["name"] for m in guide["materials"]] == ["食品经营许可申请书", "健康证明"]
    assert guide["materials"][1]["required"] is False
    assert guide["consult_phone"] == "020-83001201"


def test_bad_parameters_get_structured_errors(client) -> None:  # type: ignore[no-untyped-def]
    for params in ({"limit": 0}, {"limit": 1000}, {"offset": -1}, {"type": "xx"}, {"region": "abc"},
                   {"q": "字" * 200}):
        r = client.get("/api/v1/items", params=params)
        assert r.status_code == 422, params
        assert set(r.json()["error"]) >= {"code", "message", "field"}
    r = client.get("/api/v1/items/NO-SUCH-CODE")
    assert r.status_code == 404 and r.json()["error"]["code"] == "item_not_found"


def test_import_endpoint_needs_a_catalog_role(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "clerk9", ["window_clerk"])
    f.staff(session, "admin9", ["admin"], "区政务服务数据管理局")
    session.commit()
    payload = "\n".join([json.dumps(cf.record(), ensure_ascii=False), "{bad"]).encode()
    files = {"file": ("items.jsonl", payload, "application/x-ndjson")}
    assert client.post("/api/v1/catalog/import", files=files).status_code == 401
    r = client.post("/api/v1/catalog/import", files=files, headers=f.api_login(client, "clerk9"))
    assert r.status_code == 403
    r = client.post("/api/v1/catalog/import", files=files, headers=f.api_login(client, "admin9"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] == 1 and body["published"] == 1
    assert body["errors"] == [{"line": "第 2 行", "reason": body["errors"][0]["reason"]}]
