"""Pages in Chinese, working without JavaScript, with CSRF on every form."""

from __future__ import annotations

import json
import re

from tests import factories as f
from tests.web.helpers import csrf as _csrf
from tests.web.helpers import staff_login as _staff_login


def test_home_page(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text and "搜索" in r.text and "<script" not in r.text


def test_register_and_login_through_forms(client) -> None:  # type: ignore[no-untyped-def]
    token = _csrf(client, "/register")
    number = f.id_number()
    form = {"kind": "person", "name": "赵六", "id_number": number, "phone": "13500135000", "password": f.PASSWORD,
            "password2": f.PASSWORD, "csrf_token": token}
    r = client.post("/register", data=form, follow_redirects=False)
    assert r.status_code == 303 and "yw_session" in r.cookies
    home = client.get("/")
    assert "赵六" in home.text
    client.cookies.delete("yw_session")
    token = _csrf(client, "/login")
    r = client.post("/login", data={"username": number, "password": f.PASSWORD, "csrf_token": token,
                                    "next": "//evil.example.com"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_form_errors_are_shown_in_chinese_and_keep_input(client) -> None:  # type: ignore[no-untyped-def]
    token = _csrf(client, "/register")
    r = client.post("/register", data={"kind": "person", "name": "钱七", "id_number": "110105194912310021",
                                       "phone": "13500135000", "password": f.PASSWORD, "password2": f.PASSWORD,
                                       "csrf_token": token})
    assert r.status_code == 422
    assert "身份证号码校验位不正确" in r.text and 'value="钱七"' in r.text and 'aria-invalid="true"' in r.text


def test_forms_without_csrf_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    _csrf(client, "/login")
    r = client.post("/login", data={"username": "x", "password": "y"})
    assert r.status_code == 403 and "页面已过期" in r.text
    r = client.post("/login", data={"username": "x", "password": "y", "csrf_token": "forged.value"})
    assert r.status_code == 403


def test_script_in_input_is_escaped(client) -> None:  # type: ignore[no-untyped-def]
    token = _csrf(client, "/register")
    r = client.post("/register", data={"kind": "person", "name": "<script>alert(1)</script>", "id_number": "bad",
                                       "phone": "1", "password": "x", "password2": "x", "csrf_token": token})
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text


def test_admin_pages_need_the_admin_role(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    f.staff(session, "hdl", ["handler"], "越秀区市场监督管理局")
    session.commit()
    assert client.get("/admin/staff", follow_redirects=False).status_code == 303  # to the login page
    _staff_login(client, "hdl")
    assert client.get("/admin/staff").status_code == 403
    assert "承办人" in client.get("/workbench").text
    client.cookies.clear()
    _staff_login(client, "adm")
    for page in ("/admin", "/admin/regions", "/admin/departments", "/admin/staff", "/admin/calendar"):
        assert client.get(page).status_code == 200, page


def test_admin_adds_department_and_staff(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    session.commit()
    _staff_login(client, "adm")
    token = _csrf(client, "/admin/departments")
    r = client.post("/admin/departments", data={"name": "越秀区教育局", "region_code": "440104", "uscc": "",
                                                "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/admin/staff").text
    dept_id = re.search(r'<option value="(\d+)"[^>]*>越秀区教育局</option>', page).group(1)
    r = client.post("/admin/staff", data={"login": "teacher", "name": "孙老师", "password": f.PASSWORD,
                                          "department_id": dept_id, "roles": ["handler", "checker"],
                                          "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert "孙老师" in client.get("/admin/staff").text
    r = client.post("/admin/staff", data={"login": "teacher", "name": "重复", "password": f.PASSWORD,
                                          "department_id": dept_id, "roles": ["handler"], "csrf_token": token})
    assert r.status_code == 409 and "登录名已存在" in r.text


def test_admin_imports_a_calendar_year(client, session) -> None:  # type: ignore[no-untyped-def]
    # the calendar serves the whole deployment: a provincial (top-region) administrator imports it
    f.staff(session, "adm", ["admin"], "广东省政务服务数据管理局", region_code="440000")
    session.commit()
    _staff_login(client, "adm")
    token = _csrf(client, "/admin/calendar")
    doc = {"year": 2027, "papers": ["notice"], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}]}
    r = client.post("/admin/calendar", data={"csrf_token": token},
                    files={"file": ("2027.json", json.dumps(doc).encode(), "application/json")})
    assert r.status_code == 200 and "已导入 2027 年" in r.text
    assert client.get("/api/v1/workdays/deadline?start=2026-12-31&days=1").json() == {"deadline": "2027-01-04"}
    r = client.post("/admin/calendar", data={"csrf_token": token},
                    files={"file": ("bad.json", b"{oops", "application/json")})
    assert r.status_code == 422 and "不是有效的 JSON" in r.text


def test_unknown_page_is_a_chinese_404(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "找不到该页面" in r.text
    r = client.get("/api/v1/no/such")
    assert r.status_code == 404 and r.json()["error"]["code"] == "http_404"


def test_a_write_is_committed_before_its_response_is_sent(app) -> None:  # type: ignore[no-untyped-def]
    """A redirect after a POST must never outrun the commit (the next request sees the new session)."""
    from fastapi.routing import APIRoute

    from yiwang.api.deps import get_session

    def flatten(routes):  # type: ignore[no-untyped-def]
        for route in routes:
            nested = getattr(route, "original_router", None)
            if nested is not None:
                yield from flatten(nested.routes)
            else:
                yield route

    seen = 0
    for route in flatten(app.routes):
        if isinstance(route, APIRoute):
            for dep in route.dependant.dependencies:
                for sub in [dep, *dep.dependencies]:
                    if sub.call is get_session:
                        seen += 1
                        assert sub.scope == "function", route.path
    assert seen > 20
