"""一件事 through the pages of the demo deployment, in headless chromium: 张三 finds 一件事 in the top navigation,
sees the 13 bundles of the seeds (8 for enterprises, 5 for persons), opens 新生儿出生, reads that its items'
materials are asked once, applies with one form and one set of materials, and follows one application with one
case per item; the window clerk finds it in the 一件事 queue. Every visited page passes the page checks
(axe-core, WCAG 2.1 A/AA); the entrance also at 390 px without sideways scrolling.

The steps are tests of their own that run in order and share ``STATE``; a failed step skips the ones after it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Roles, check_page, horizontal_overflow
from tests.browser.live import Walk
from tests.browser.steps import PDF, go, submit

pytestmark = pytest.mark.browser

WALK = Walk()
STATE = WALK.state
SAMPLES = {"applicant_name": "张三", "id_number": "440104199003071239", "contact_phone": "13800138000",
           "child_id_number": "440104202611200012", "child_name": "张小宝", "mother_name": "李梅",
           "father_name": "张三"}


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest) -> None:
    WALK.skip_after_failure(request.node.name)


_step = WALK.step


def fill_form(page: Any) -> None:
    """Every field of the merged e-form, with a value its schema accepts."""
    for field in page.locator("form.apply-form :is(input, select, textarea)[id^=f-]").all():
        name = (field.get_attribute("id") or "")[2:]
        tag = field.evaluate("e => e.tagName.toLowerCase()")
        kind = field.get_attribute("type") or ""
        if tag == "select":
            field.select_option(index=1)
        elif kind == "checkbox":
            continue
        elif kind == "date":
            field.fill("2026-11-20")
        elif kind == "number":
            field.fill("1")
        else:
            field.fill(SAMPLES.get(name, "示例内容"))


def test_the_entrance_lists_the_13_bundles(roles: Roles, tmp_path: Path) -> None:
    with _step("test_the_entrance_lists_the_13_bundles"):
        page = roles["applicant"]
        go(page, "/")
        assert page.locator("#bundles-title").count() == 1, "the home page has no 一件事 entrance"
        submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="一件事"))
        assert page.url.endswith("/bundles")
        enterprise = page.locator("section[aria-labelledby=h-enterprise] .bundle-cards > li.card")
        person = page.locator("section[aria-labelledby=h-person] .bundle-cards > li.card")
        assert (enterprise.count(), person.count()) == (8, 5)
        names = page.locator(".bundle-cards h3").all_inner_texts()
        for name in ("企业开办", "水电气网联合报装", "企业注销登记", "新生儿出生", "退休"):
            assert name in names
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        try:
            assert horizontal_overflow(page) <= 0, "the 一件事 entrance scrolls sideways at 390 px"
            page.screenshot(path=str(tmp_path / "bundles-390.png"), full_page=True)
        finally:
            page.set_viewport_size(size)


def test_the_applicant_applies_once_for_the_newborn_bundle(roles: Roles) -> None:
    with _step("test_the_applicant_applies_once_for_the_newborn_bundle"):
        page = roles["applicant"]
        go(page, "/bundles")
        submit(page, page.get_by_role("link", name="新生儿出生"))
        heading = page.locator("#h-materials").inner_text()
        shown, asked = (int(n) for n in re.findall(r"\d+", heading)[:2])
        assert shown < asked, f"materials are not de-duplicated: {heading}"
        items = page.locator("section[aria-labelledby=h-items] tbody tr").count()
        assert items >= 2
        STATE["items"] = items
        submit(page, page.get_by_role("link", name="在线申请"))
        assert page.url.endswith("/apply")
        fill_form(page)
        for upload in page.locator("form.apply-form input[type=file]").all():
            upload.set_input_files({"name": "材料.pdf", "mimeType": "application/pdf", "buffer": PDF})
        submit(page, page.get_by_role("button", name="提交申请"))
        assert "/my/bundles/" in page.url, page.locator(".alert").all_inner_texts()
        assert "申请已提交" in page.locator("[role=status]").inner_text()
        rows = page.locator("section[aria-labelledby=h-cases] tbody tr")
        assert rows.count() == items
        assert "办理中" in page.locator(".bundle-status").inner_text()
        STATE["application_no"] = page.url.rsplit("/", 1)[-1].split("?")[0]
        go(page, "/my/bundles")
        assert STATE["application_no"] in page.locator("main").inner_text()


def test_the_window_clerk_sees_it_in_the_bundle_queue(roles: Roles) -> None:
    with _step("test_the_window_clerk_sees_it_in_the_bundle_queue"):
        page = roles["clerk"]
        go(page, "/workbench")
        submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="一件事办件"))
        number = STATE["application_no"]
        submit(page, page.get_by_role("link", name=number))
        assert page.locator("section[aria-labelledby=h-cases] tbody tr").count() == STATE["items"]
        check_page(page)
