"""Issue 12 point 10.6: announcements (通知公告) — written, published and withdrawn by administrators within
their region, audited, shown on the home page and on their own page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories as f
from tests.web.helpers import csrf, staff_login
from yiwang.core.audit import AuditRecord


def _people(session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "dadmin", ["admin"], "区政务服务数据管理局", "440104")
    f.staff(session, "padmin", ["admin"], "省政务服务数据管理局", "440000")
    f.staff(session, "handler", ["handler"], "区市场监督管理局", "440104")
    f.region(session, "440105", "海珠区")
    f.staff(session, "hadmin", ["admin"], "海珠区政务服务数据管理局", "440105")
    session.commit()


def _create(client, title: str, body: str = "1 月 1 日起，营业执照可全程网上办理。", region: str = "",  # type: ignore[no-untyped-def]
            action: str = "publish"):
    token = csrf(client, "/admin/announcements")
    return client.post("/admin/announcements", data={"title": title, "body": body, "region_code": region,
                                                     "action": action, "csrf_token": token}, follow_redirects=False)


def _id_of(html: str, title: str) -> int:
    m = re.search(r'/announcements/(\d+)">' + re.escape(title), html)
    assert m, html
    return int(m.group(1))


def test_district_admin_publishes_and_the_public_sees_it(app, client, session) -> None:  # type: ignore[no-untyped-def]
    _people(session)
    staff_login(client, "dadmin")
    r = _create(client, "越秀区政务服务中心春节安排")
    assert r.status_code == 303
    listing = client.get("/admin/announcements?done=publish").text
    assert "公告已发布" in listing and "越秀区" in listing
    with TestClient(app) as public:
        home = public.get("/").text
        assert "越秀区政务服务中心春节安排" in home
        number = _id_of(home, "越秀区政务服务中心春节安排")
        page = public.get(f"/announcements/{number}")
        assert page.status_code == 200 and "营业执照可全程网上办理" in page.text
        assert "越秀区政务服务中心春节安排" in public.get("/announcements").text
    # withdraw: gone from the public pages
    token = csrf(client, "/admin/announcements")
    r = client.post(f"/admin/announcements/{number}/withdraw", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with TestClient(app) as public:
        assert public.get(f"/announcements/{number}").status_code == 404
        assert "越秀区政务服务中心春节安排" not in public.get("/").text
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "announcement")).all()
    assert sorted(actions) == ["portal.announcement.create", "portal.announcement.publish",
                               "portal.announcement.withdraw"]


def test_drafts_are_not_public(app, client, session) -> None:  # type: ignore[no-untyped-def]
    _people(session)
    staff_login(client, "dadmin")
    assert _create(client, "草稿公告", action="draft").status_code == 303
    assert "草稿" in client.get("/admin/announcements").text
    with TestClient(app) as public:
        assert "草稿公告" not in public.get("/").text
        assert "草稿公告" not in public.get("/announcements").text


def test_scoping_between_regions(app, client, session) -> None:  # type: ignore[no-untyped-def]
    _people(session)
    staff_login(client, "dadmin")
    # a district administrator cannot publish for the province
    r = _create(client, "全省通知", region="440000")
    assert r.status_code == 422 and "只能为本地区及下辖地区发布公告" in r.text
    assert _create(client, "越秀区通知").status_code == 303
    number = _id_of(client.get("/").text, "越秀区通知")
    # another district's administrator neither sees nor withdraws it
    with TestClient(app) as other:
        staff_login(other, "hadmin")
        assert "越秀区通知" not in other.get("/admin/announcements").text
        token = csrf(other, "/admin/announcements")
        r = other.post(f"/admin/announcements/{number}/withdraw", data={"csrf_token": token})
        assert r.status_code == 404 and "公告不存在" in r.text
    # the province's administrator oversees the districts below it
    with TestClient(app) as province:
        staff_login(province, "padmin")
        assert "越秀区通知" in province.get("/admin/announcements").text
        token = csrf(province, "/admin/announcements")
        r = province.post(f"/admin/announcements/{number}/withdraw", data={"csrf_token": token},
                          follow_redirects=False)
        assert r.status_code == 303


def test_permission_csrf_and_validation(app, client, session) -> None:  # type: ignore[no-untyped-def]
    _people(session)
    with TestClient(app) as anonymous:
        r = anonymous.get("/admin/announcements", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")
    with TestClient(app) as handler:
        staff_login(handler, "handler")
        assert handler.get("/admin/announcements").status_code == 403
    staff_login(client, "dadmin")
    r = client.post("/admin/announcements", data={"title": "无令牌", "body": "正文", "action": "publish"})
    assert r.status_code == 403
    r = _create(client, "   ")
    assert r.status_code == 422 and "请填写公告标题" in r.text
    r = _create(client, "有标题", body="")
    assert r.status_code == 422 and "请填写公告正文" in r.text and 'value="有标题"' in r.text
    r = _create(client, "标" * 201)
    assert r.status_code == 422 and "不能超过 200 个字" in r.text
    assert "公告" in client.get("/admin").text and 'href="/admin/announcements"' in client.get("/admin").text
