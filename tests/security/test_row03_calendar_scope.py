"""Row 3: a district administrator could replace the whole deployment's holiday calendar (mark the rest of
the year off, so that every deadline and submission broke). Now only an administrator of the deployment's
top region (the home region, e.g. the province) imports or replaces a year, and a year that looks nothing
like an official notice is refused unless that administrator forces it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests import factories as f
from tests.web.helpers import csrf, staff_login
from yiwang.core import calendar
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM


def rest_of_year_off(year: int = 2026, start: dt.date = dt.date(2026, 6, 1)) -> bytes:
    days = []
    day = start
    while day.year == year:
        if day.weekday() < 5:
            days.append({"name": "假期", "date": day.isoformat(), "isOffDay": True})
        day += dt.timedelta(days=1)
    return json.dumps({"year": year, "papers": ["forged"], "days": days}).encode()


PLAUSIBLE = json.dumps({"year": 2027, "papers": ["notice"], "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": True}]}).encode()


def test_district_and_city_administrators_cannot_replace_the_calendar(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "district", ["admin"], "越秀区政务服务数据管理局")
    f.staff(session, "city", ["admin"], "广州市政务服务数据管理局", region_code="440100")
    session.commit()
    before = calendar.get_calendar(session).is_workday(dt.date(2026, 6, 1))
    for login in ("district", "city"):
        client.cookies.clear()
        staff_login(client, login)
        page = client.get("/admin/calendar")
        assert page.status_code == 200 and "只有平台（最高一级区划）管理员" in page.text
        r = client.post("/admin/calendar", data={"csrf_token": csrf(client, "/admin/calendar")},
                        files={"file": ("2026.json", rest_of_year_off(), "application/json")})
        assert r.status_code == 403, (login, r.text)
        assert "只有平台（最高一级区划）管理员可以导入或替换" in r.text
    calendar.invalidate_cache()
    assert calendar.get_calendar(session).is_workday(dt.date(2026, 6, 1)) == before


def test_the_provincial_administrator_imports_and_must_force_an_implausible_year(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "province", ["admin"], "广东省政务服务数据管理局", region_code="440000")
    session.commit()
    staff_login(client, "province")
    token = csrf(client, "/admin/calendar")
    r = client.post("/admin/calendar", data={"csrf_token": token},
                    files={"file": ("2027.json", PLAUSIBLE, "application/json")})
    assert r.status_code == 200 and "已导入 2027 年" in r.text
    r = client.post("/admin/calendar", data={"csrf_token": token},
                    files={"file": ("2026.json", rest_of_year_off(), "application/json")})
    assert r.status_code == 422 and "不像国务院发布的放假通知" in r.text and "连续休息" in r.text
    r = client.post("/admin/calendar", data={"csrf_token": token, "force": "1"},
                    files={"file": ("2026.json", rest_of_year_off(), "application/json")})
    assert r.status_code == 200 and "已导入 2026 年" in r.text


def test_the_service_checks_scope_and_plausibility(session) -> None:  # type: ignore[no-untyped-def]
    district = f.staff(session, "district", ["admin"], "越秀区政务服务数据管理局")
    year, entries, source = calendar.parse_holiday_file(rest_of_year_off())
    with pytest.raises(PermissionDenied) as exc:
        calendar.import_year(session, district, year, entries, source, force=True)
    assert exc.value.code == "calendar_scope"
    with pytest.raises(ValidationFailed) as bad:
        calendar.import_year(session, SYSTEM, year, entries, source)
    assert bad.value.code == "calendar_implausible"
    # every bundled official year passes the plausibility rules
    for y in calendar.bundled_years():
        _, official, _ = calendar.parse_holiday_file(
            (calendar.resources.files("yiwang.core") / "holiday_data" / f"{y}.json").read_bytes())
        assert calendar.implausibilities(y, official) == []
