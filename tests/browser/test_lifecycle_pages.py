"""Pages whose actions carry the version they showed (licence status, supervision order reply and close): each
visited in headless chromium as the role that uses it, at 1280 px and 390 px with zero axe violations; a form
submitted after someone else acted is refused with the Chinese conflict message, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Roles, check_page
from tests.browser.test_new_pages import no_alert, submit, visit

pytestmark = pytest.mark.browser


def _second_tab(page: Any) -> Any:
    other = page.context.new_page()
    other.set_default_timeout(15_000)
    return other


def test_licence_page_refuses_a_stale_status_change(roles: Roles) -> None:
    approver = roles["approver"]
    visit(approver, roles.live.base + "/workbench/licenses?status=valid")
    with approver.expect_navigation():
        approver.locator("main table tbody tr a").first.click()
    url = approver.url
    visit(approver, url)
    form = approver.locator("main form[action$='/status']")
    shown = form.locator("input[name=version]").get_attribute("value")
    assert shown and shown.isdigit()

    other = _second_tab(approver)  # the same department acts first, in another tab: suspends and reinstates
    try:
        for action, reason in (("suspend", "浏览器测试：暂扣"), ("reinstate", "浏览器测试：恢复")):
            other.goto(url)
            other.locator(f"main form input[name=action][value={action}]").check()
            other.fill("main form textarea[name=reason]", reason)
            with other.expect_navigation():
                other.locator("main form button.primary").click()
            no_alert(other)
    finally:
        other.close()

    form.locator("input[name=action][value=suspend]").check()
    form.locator("textarea[name=reason]").fill("过期页面上的暂扣")
    submit(approver, form.locator("button.primary"))
    alert = approver.locator("main .alert[role=alert]").first
    assert "已被其他人变更" in alert.inner_text()
    assert "有效" in approver.locator("main header .status").inner_text()  # still valid: nothing happened
    fresh = approver.locator("main form[action$='/status'] input[name=version]").get_attribute("value")
    assert fresh == str(int(shown) + 2)


def test_order_page_sends_its_version_and_refuses_a_stale_close(roles: Roles) -> None:
    supervisor, handler = roles["supervisor"], roles["handler"]
    visit(supervisor, roles.live.base + "/console/orders")
    form = supervisor.locator("main form[action='/console/orders']")
    select = form.locator("select[name=department_id]")
    options = select.locator("option").all()
    choice = next(o.get_attribute("value") for o in options if "市场监督管理局" in o.inner_text())
    select.select_option(str(choice))
    form.locator("[name=subject]").fill("浏览器测试督办")
    form.locator("[name=content]").fill("请说明办理情况")
    submit(supervisor, form.locator("button.primary"))
    order_url = supervisor.url.split("?")[0]

    visit(handler, order_url)  # the ordered department replies through its page
    reply = handler.locator("main form[action$='/reply']")
    assert reply.locator("input[name=version]").count() == 1
    reply.locator("textarea[name=reply]").fill("已核实并办结")
    submit(handler, reply.locator("button.primary"))
    no_alert(handler)

    visit(supervisor, order_url)
    close = supervisor.locator("main form[action$='/close']")
    other = _second_tab(supervisor)  # a colleague closes it first
    try:
        other.goto(order_url)
        with other.expect_navigation():
            other.locator("main form[action$='/close'] button.primary").click()
        no_alert(other)
    finally:
        other.close()
    close.locator("textarea[name=note]").fill("同意办结")
    submit(supervisor, close.locator("button.primary"))
    assert "已被其他人处理" in supervisor.locator("main .alert[role=alert]").first.inner_text()
    check_page(supervisor)


def test_rectification_page_refuses_a_stale_reply(roles: Roles) -> None:
    """The demo's bad review: a colleague records the callback in another tab after the page was opened; the
    reply from the older page is refused (the task stays open, for the walk-through to answer)."""
    handler = roles["handler"]
    visit(handler, roles.live.base + "/workbench/rectifications?status=open")
    with handler.expect_navigation():
        handler.locator("main a[href^='/workbench/rectifications/']").first.click()
    url = handler.url.split("?")[0]
    visit(handler, url)
    reply = handler.locator("main form[action$='/reply']")
    shown = reply.locator("input[name=version]").get_attribute("value")
    assert shown and shown.isdigit()

    other = _second_tab(handler)
    try:
        other.goto(url)
        other.fill("#note", "同事已电话回访申请人。")
        with other.expect_navigation():
            other.locator("main form[action$='/callback'] button").click()
        no_alert(other)
    finally:
        other.close()

    if reply.locator("#callback_note").count():
        reply.locator("#callback_note").fill("电话回访")
    reply.locator("#text").fill("过期页面上的答复")
    submit(handler, reply.locator("button"))
    assert "已被其他人处理" in handler.locator("main .alert[role=alert]").first.inner_text()
    assert handler.locator("main form[action$='/reply']").count() == 1  # still open: nothing was answered
