"""The 12345 message board in a real browser: 张三 goes from the hotline's page to the board and posts (with his name, mobile number and plate in
the text), sees his post waiting for moderation; the public does not see it; the district's operator finds it in
the moderation queue, edits the public title and publishes it, then puts it into 曝光纠错; the public board, the
post and the 曝光纠错 tab show it with the personal data masked. Zero axe-core violations at 1280 px and 390 px,
no sideways scrolling at 390 px; screenshots to /tmp/hotline-board-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Roles
from tests.browser.live import Deployment, login
from tests.browser.test_new_pages import no_alert, submit, visit

pytestmark = pytest.mark.browser

CONTENT = "我叫张三，楼下烧烤店油烟直排扰民，晚上开不了窗。手机13800138000，店门口常停着粤A12345的车。"
MASKED = "我叫张*，楼下烧烤店油烟直排扰民，晚上开不了窗。手机138****8000，店门口常停着粤A****5的车。"


def _shots(page: Any, name: str) -> None:
    size = page.viewport_size
    try:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"/tmp/hotline-board-{name}-{width}.png", full_page=True)
    finally:
        page.set_viewport_size(size)


def test_a_post_published_by_the_operator_shows_masked(roles: Roles, browser: Any, live: Deployment) -> None:
    person = roles["applicant"]
    visit(person, "/")
    submit(person, person.locator("header nav a[href='/hotline']"))
    main = person.locator("main")
    submit(person, main.get_by_role("link", name="查看留言板"))
    submit(person, main.get_by_role("link", name="我要留言"))
    person.select_option("#kind", label="投诉")
    person.fill("#title", "楼下烧烤店油烟扰民")
    person.fill("#content", CONTENT)
    person.fill("#contact_phone", "1380013")  # too short: the form says so in Chinese
    submit(person, main.get_by_role("button", name="提交留言"))
    assert "请填写有效的联系电话" in main.locator(".alert").inner_text()
    assert person.locator("#contact_phone").get_attribute("aria-invalid") == "true"
    assert person.input_value("#content") == CONTENT
    _shots(person, "form-error")
    person.fill("#contact_phone", "13800138000")
    submit(person, main.get_by_role("button", name="提交留言"))
    no_alert(person)
    m = re.search(r"/hotline/board/(\d+)\?done=posted$", person.url)
    assert m, person.url
    post_id = m.group(1)
    text = main.inner_text()
    assert "留言已提交" in text and "待审核" in text and MASKED in text and "13800138000" not in text
    _shots(person, "posted")

    public = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    try:
        response = public.goto(f"{live.base}/hotline/board/{post_id}")
        assert response is not None and response.status == 404
        visit(public, f"{live.base}/hotline/board")
        assert "楼下烧烤店油烟" not in public.locator("main").inner_text()

        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        operator = login(context, live.base, "operator", staff=True)
        try:
            visit(operator, "/workbench/hotline")
            submit(operator, operator.locator("main nav.hotline-nav a[href='/workbench/hotline/board']"))
            card = operator.locator("section.card", has=operator.locator(f"#h-post-{post_id}"))
            assert CONTENT in card.inner_text()  # the original, for the moderator only
            assert operator.input_value(f"#content-{post_id}") == MASKED
            _shots(operator, "queue")
            operator.fill(f"#title-{post_id}", "烧烤店油烟直排扰民")
            submit(operator, card.get_by_role("button", name="公开留言"), phone=False)
            no_alert(operator)
            assert "留言已公开" in operator.locator("main").inner_text()
            visit(operator, "/workbench/hotline/board?status=published")
            card = operator.locator("section.card", has=operator.locator(f"#h-post-{post_id}"))
            operator.fill(f"#problem-{post_id}", "烧烤店未安装油烟净化设施，油烟直排")
            operator.fill(f"#correction-{post_id}", "已责令安装油烟净化设施，复查合格")
            submit(operator, card.get_by_role("button", name="列入曝光纠错"), phone=False)
            no_alert(operator)
        finally:
            context.close()

        visit(public, f"{live.base}/hotline/board")
        listed = public.locator("main").inner_text()
        assert "烧烤店油烟直排扰民" in listed and "张*" in listed and "13800138000" not in listed
        _shots(public, "list")
        submit(public, public.locator("main").get_by_role("link", name="烧烤店油烟直排扰民"))
        shown = public.locator("main").inner_text()
        assert MASKED in shown and "张三" not in shown and "粤A12345" not in shown and "工单编号" not in shown
        assert "答复经审核后公开" in shown and "已责令安装油烟净化设施" in shown
        _shots(public, "post")
        visit(public, f"{live.base}/hotline/board?tab=exposure")
        assert "已责令安装油烟净化设施，复查合格" in public.locator("main").inner_text()
        _shots(public, "exposure")
    finally:
        public.context.close()

    visit(person, "/hotline/board?tab=mine")
    assert "已公开" in person.locator("main").inner_text()
