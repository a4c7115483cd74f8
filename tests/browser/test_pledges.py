"""告知承诺 in a real browser: the public 公示 page (no ID number, no phone, a person by surname only; search by item
and department) and the market department's 告知承诺核查 queue and task page, where the approver records a result.
Zero axe-core violations at 1280 px and 390 px on each. It records 核查属实 (not a false pledge), so that the demo
applicant may still pledge in the other browser tests of this deployment."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.browser.conftest import Roles, new_page
from tests.browser.test_new_pages import no_alert, submit, visit

pytestmark = pytest.mark.browser

ID_NUMBER, PHONE = "440104199003071239", "13800138000"  # the demo's 张三


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("YIWANG_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_public_pledges_page_and_the_post_check(roles: Roles, browser: Any) -> None:
    page = roles["anonymous"]
    visit(page, roles.live.base + "/")
    submit(page, page.get_by_role("link", name="告知承诺公示"))
    main = page.locator("main")
    assert main.get_by_role("heading", name="告知承诺公示").count() == 1
    text = main.inner_text()
    assert "食品经营许可（新办）" in text and "张*" in text, text[:800]
    html = page.content()
    assert ID_NUMBER not in html and PHONE not in html and "张三" not in text
    page.fill("#q", "食品经营许可")
    page.select_option("#department", label="广州市越秀区市场监督管理局")
    submit(page, page.locator("main form[role=search] button"))
    assert "department=" in page.url and "食品经营许可（新办）" in page.locator("main table").inner_text()
    _shot(page, "pledges-public")

    approver = new_page(browser, roles.live, "approver")
    try:
        visit(approver, "/workbench")
        submit(approver, approver.locator("main a.tile[href='/workbench/pledge-checks']"))
        rows = approver.locator("main table tbody tr")
        assert rows.count() >= 1 and "食品经营许可（新办）" in rows.first.inner_text()
        assert "核查期限" in approver.locator("main table thead").inner_text()
        _shot(approver, "pledge-checks")
        visit(approver, "/workbench/pledge-checks?status=pending")
        submit(approver, approver.locator("main table a[href^='/workbench/pledge-checks/']").first)
        assert approver.locator("input[name=result][value=false_pledge]").count() == 1  # approvers may find it false
        approver.check("input[name=result][value=passed]")
        approver.fill("#note", "经电话核实及现场查看，经营场所与承诺一致")
        submit(approver, approver.get_by_role("button", name="登记核查结果"))
        no_alert(approver)
        body = approver.locator("main").inner_text()
        assert "核查结果已登记" in body and "核查通过" in body and "经营场所与承诺一致" in body
        assert approver.locator("input[name=result]").count() == 0
        _shot(approver, "pledge-check")
    finally:
        approver.context.close()
