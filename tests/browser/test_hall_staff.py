"""The service hall's staff pages in a real browser: the window clerk takes a ticket at the front desk for the
person in front of them, calls it at window YX-A01, serves, identifies 张三 and sees his cases, and finishes with 收件;
the administrator's 服务大厅 page and a tablet key. Zero axe-core violations at 1280 px and 390 px on every page
(``visit``/``submit`` check both widths); screenshots at both widths go to /tmp/hall-staff-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Roles
from tests.browser.test_new_pages import no_alert, submit, visit

pytestmark = pytest.mark.browser

ID_NUMBER = "440104199003071239"  # the demo's 张三


def _shots(page: Any, name: str) -> None:
    """The page at 1280 px and 390 px, full length, into /tmp."""
    size = page.viewport_size
    try:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"/tmp/hall-staff-{name}-{width}.png", full_page=True)
    finally:
        page.set_viewport_size(size)


def test_the_clerk_takes_calls_serves_identifies_and_finishes(roles: Roles) -> None:
    page = roles["clerk"]
    visit(page, "/workbench")
    submit(page, page.locator("main a.tile[href='/workbench/hall/desk']"))
    submit(page, page.get_by_role("link", name="越秀区政务服务中心"))
    assert page.locator("main h1").inner_text().startswith("前台取号")
    page.select_option("#d-type", "综合")
    page.check("input[name=priority][value=elderly]")  # the elderly go first: ours is the next call
    submit(page, page.get_by_role("button", name="取号"))
    no_alert(page)
    number = page.locator(".ticket-slip .ticket-no").inner_text().strip()
    assert re.fullmatch(r"A\d{3}", number), number
    assert "老年人优先" in page.locator(".ticket-slip").inner_text()
    assert number in page.locator("main section[aria-labelledby=h-queue]").inner_text()
    _shots(page, "desk")

    visit(page, "/workbench")
    submit(page, page.locator("main a.tile[href='/workbench/hall']"))
    if "/workbench/hall/windows/" not in page.url:  # the clerk staffs two windows: choose
        _shots(page, "windows")
        submit(page, page.get_by_role("link", name="1 号综合窗口"))
    assert page.url.endswith("/workbench/hall/windows/YX-A01")
    submit(page, page.get_by_role("button", name="叫下一号"))
    no_alert(page)
    assert page.locator("main .ticket-no").inner_text().strip() == number
    assert "已叫号" in page.locator("main").inner_text()
    _shots(page, "called")
    submit(page, page.get_by_role("button", name="开始办理"))
    no_alert(page)
    assert "首问负责人" in page.locator("main").inner_text()
    page.fill("#id-code", ID_NUMBER)
    submit(page, page.get_by_role("button", name="核验身份"))
    no_alert(page)
    panel = page.locator("main section[aria-labelledby=h-person]")
    assert "张*" in panel.inner_text() and ID_NUMBER not in page.content()
    links = panel.locator("a[href^='/workbench/cases/']")
    assert links.count() >= 1, panel.inner_text()
    assert panel.locator("a[href^='/workbench/intake']").count() == 1
    _shots(page, "serving")
    page.check("input[name=outcome][value=intake]")
    page.fill("#f-note", "收取营业执照变更材料")
    submit(page, page.get_by_role("button", name="办理完成"))
    no_alert(page)
    main = page.locator("main").inner_text()
    assert "办理结果已登记" in main and "当前没有已叫的号" in main
    _shots(page, "finished")


def test_the_admin_sees_the_halls_and_issues_a_tablet_key(roles: Roles) -> None:
    page = roles["admin"]
    visit(page, "/admin")
    submit(page, page.locator("main a.tile[href='/admin/halls']"))
    text = page.locator("main").inner_text()
    assert "越秀区政务服务中心" in text and "1 号综合窗口" in text and "已登记" in text
    _shots(page, "admin")
    # a township window (the demo's county tablets keep their printed addresses)
    row = page.locator("main tr", has=page.locator("text=HQ-A01"))
    submit(page, row.get_by_role("button"))
    no_alert(page)
    url = page.locator(".tablet-url").inner_text()
    assert re.search(r"/hall/rate/HQ-A01\?key=[A-Za-z0-9_-]+$", url), url
    _shots(page, "tablet")
