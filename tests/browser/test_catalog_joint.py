"""The catalog admin's item page shows the demo joint item's 并联审批 configuration, and its edit form has the
branch rows: zero axe-core violations at 1280 px and at 390 px, no sideways scrolling."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_page, new_page
from tests.browser.live import Deployment
from tests.browser.test_new_pages import visit
from yiwang import demo

pytestmark = pytest.mark.browser

MARKET = demo.make_uscc("11" + demo.DEPARTMENTS[1][1][:6], demo.DEPARTMENTS[1][2])
CODE = f"{MARKET}{demo.JOINT_ITEM}"


def test_admin_item_page_shows_the_joint_section(browser: Any, live: Deployment, tmp_path: Path) -> None:
    page = new_page(browser, live, "catalog")
    try:
        visit(page, f"/admin/catalog/{CODE}")
        section = page.locator("section", has=page.locator("#h-joint"))
        text = section.inner_text()
        assert "牵头部门：广州市越秀区市场监督管理局" in text
        fire = section.locator("tr", has_text=demo.FIRE).inner_text()
        eco = section.locator("tr", has_text=demo.ECO).inner_text()
        assert "5 个工作日" in fire and "提交监察" in fire and "公众聚集场所" in fire
        assert "3 个工作日" in eco and "超时默认同意" in eco and "建设项目环境影响登记表" in eco
        assert section.is_visible()
        shots = Path(os.environ.get("YIWANG_SHOT_DIR") or tmp_path)
        section.screenshot(path=str(shots / "catalog-joint-section.png"))

        visit(page, f"/admin/catalog/{CODE}/edit")
        rows = page.locator("#joint fieldset.joint-branch")
        assert rows.count() == 4  # two branches and two blank rows to add more
        assert page.locator("#j0\\.department").input_value() == demo.FIRE
        assert page.locator("#j1\\.on_timeout").input_value() == "consent"
        assert page.locator("#j1\\.limit").input_value() == "3"
        page.locator("#joint").screenshot(path=str(shots / "catalog-joint-edit.png"))

        # a limit beyond 60 working days is refused, the message next to the branch's field; nothing is saved
        page.locator("#j1\\.limit").fill("90")
        with page.expect_navigation():
            page.get_by_role("button", name="保存草稿").click()
        field = page.locator("#j1\\.limit")
        assert field.get_attribute("aria-invalid") == "true"
        branch = page.locator("#joint fieldset.joint-branch").nth(1)
        error = branch.locator(".field-error")
        assert error.is_visible() and "并联部门 2：" in error.inner_text() and "1–60" in error.inner_text()
        branch.screenshot(path=str(shots / "catalog-joint-error.png"))
        check_page(page)
        visit(page, f"/admin/catalog/{CODE}")
        assert "质量检查" not in page.locator("main").inner_text()  # no draft was created
    finally:
        page.context.close()
