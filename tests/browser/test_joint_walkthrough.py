"""并联审批 through the pages of the demo deployment, in headless chromium: 张三 applies online for 开办餐饮店;
the market regulator's handler accepts it and the case page shows both branch departments pending; the fire
brigade's handler finds it under 我的待办, sees only the materials meant for it, objects without a reason (the Chinese error beside the field), then
consents; the environment branch consents; the lead's handler and checker take their steps and the approver
approves; 张三's case page shows the decision. Every visited page passes the page checks (axe-core, WCAG 2.1
A/AA), the workbench case page also at 390 px without sideways scrolling.

The steps are tests of their own that run in order and share ``STATE``; a failed step skips the ones after it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Roles, check_page, horizontal_overflow
from tests.browser.live import Walk
from tests.browser.steps import act, go, submit, upload_and_submit

pytestmark = pytest.mark.browser

ITEM = "开办餐饮店"
FIRE, ECO = "广州市越秀区消防救援大队", "广州市生态环境局越秀分局"
WALK = Walk()
STATE = WALK.state


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest) -> None:
    WALK.skip_after_failure(request.node.name)


_step = WALK.step


def branch_rows(page: Any) -> dict[str, str]:
    """The 并联审批 table on the workbench case page: department → its row's text."""
    section = page.locator("#branches")
    assert section.count() == 1, "the case page has no 并联审批 section"
    rows = section.locator("tbody tr")
    return {rows.nth(i).locator("th").inner_text().strip(): rows.nth(i).inner_text() for i in range(rows.count())}


def branch_statuses(page: Any) -> dict[str, str]:
    """Department → the status badge of its row."""
    rows = page.locator("#branches tbody tr")
    return {rows.nth(i).locator("th").inner_text().strip(): rows.nth(i).locator(".badge").inner_text().strip()
            for i in range(rows.count())}


def phone_width(page: Any, shot: Path) -> None:
    """The page as it is now at 390 px: the page checks, no sideways scrolling, and a screenshot."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        assert horizontal_overflow(page) <= 0, f"{page.url} scrolls sideways at 390 px"
        check_page(page)
        page.locator("#branches").screenshot(path=str(shot))
    finally:
        page.set_viewport_size(size)


def test_applicant_applies_for_the_joint_item(roles: Roles, tmp_path: Path) -> None:
    with _step("test_applicant_applies_for_the_joint_item"):
        page = roles["applicant"]
        go(page, "/")
        page.get_by_role("link", name="办事指南").first.click()
        page.wait_for_load_state()
        check_page(page)
        page.locator("main input[name=q]").first.fill(ITEM)
        submit(page, page.locator("main form[role=search] button, main form button").first)
        submit(page, page.get_by_role("link", name=re.compile(ITEM)).first)
        assert "并联" in page.locator("main").inner_text()
        submit(page, page.get_by_role("link", name="在线申请").first)
        assert "/apply/" in page.url
        page.fill("#f-business_name", "张三小馆")
        page.fill("#f-premises", "广州市越秀区洪桥街道示范路 8 号")
        page.select_option("#f-main_form", "餐饮服务经营者")
        page.fill("#f-business_items", "热食类食品制售")
        page.fill("#f-area", "80")
        page.fill("#f-seats", "24")
        page.fill("#f-staff_count", "4")
        page.select_option("#f-fuel", "电")
        STATE["case_no"] = upload_and_submit(page, tmp_path)


def test_lead_handler_accepts_and_the_branches_are_pending(roles: Roles, tmp_path: Path) -> None:
    with _step("test_lead_handler_accepts_and_the_branches_are_pending"):
        page, case_no = roles["handler"], STATE["case_no"]
        act(page, case_no, "accept", "材料齐全，予以受理")
        go(page, f"/workbench/cases/{case_no}")
        rows = branch_rows(page)
        assert set(rows) == {FIRE, ECO}, rows
        assert branch_statuses(page) == {FIRE: "待出具意见", ECO: "待出具意见"}, rows
        assert "超时提交电子监察" in rows[FIRE] and "超时默认同意" in rows[ECO]
        assert "5 个工作日" in rows[FIRE] and "3 个工作日" in rows[ECO]
        # the lead cannot approve yet (and is told why once it reaches the approver)
        assert page.locator("#act-approve").count() == 0
        page.locator("#branches").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "lead-branches-pending.png"), full_page=True)
        phone_width(page, tmp_path / "lead-branches-pending-390.png")
        STATE["shots"] = tmp_path


def test_fire_brigade_objects_without_reason_then_consents(roles: Roles, tmp_path: Path) -> None:
    with _step("test_fire_brigade_objects_without_reason_then_consents"):
        page, case_no = roles["fire_handler"], STATE["case_no"]
        go(page, "/workbench/cases?view=mine")
        assert case_no in page.locator("main").inner_text(), "the branch's queue lists the case"
        submit(page, page.get_by_role("link", name=case_no))
        assert page.locator("#act-branch_consent").count() == 1 and page.locator("#act-accept").count() == 0
        # the fire brigade sees only the materials the item lets it see
        shown = {t.strip() for t in page.locator("section[aria-labelledby=h-materials] tbody th").all_inner_texts()}
        assert "公众聚集场所投入使用、营业前消防安全检查申请表" in shown and "建设项目环境影响登记表" not in shown, shown
        # an objection needs its reason: blanks pass the browser's check, the server says what is missing
        box = page.locator("#act-branch_object")
        box.locator("textarea[name=comment]").fill("   ")
        submit(page, box.locator("button"))
        error = page.locator("#branch_object-error")
        assert error.count() == 1, page.locator("main").inner_text()[:800]
        assert "请填写不同意的理由" in error.inner_text()
        field = page.locator("#branch_object-comment")
        assert field.get_attribute("aria-invalid") == "true"
        assert "branch_object-error" in (field.get_attribute("aria-describedby") or "")
        page.locator("#act-branch_object").screenshot(path=str(tmp_path / "fire-object-error.png"))
        assert branch_statuses(page)[FIRE] == "待出具意见", "nothing was recorded"
        act(page, case_no, "branch_consent", "消防安全检查合格，同意")
        go(page, "/workbench/cases?view=mine")
        assert case_no not in page.locator("main").inner_text(), "answered: no longer in the branch's queue"


def test_environment_branch_consents(roles: Roles, tmp_path: Path) -> None:
    with _step("test_environment_branch_consents"):
        page, case_no = roles["eco_handler"], STATE["case_no"]
        go(page, "/workbench/cases?view=mine")
        assert case_no in page.locator("main").inner_text()
        act(page, case_no, "branch_consent", "环境影响登记表符合要求，同意")
        rows = branch_rows(page)
        assert "消防安全检查合格" in rows[FIRE] and "环境影响登记表符合要求" in rows[ECO], rows
        assert branch_statuses(page) == {FIRE: "同意", ECO: "同意"}, rows
        page.screenshot(path=str(tmp_path / "branches-consented.png"), full_page=True)
        phone_width(page, tmp_path / "branches-consented-390.png")


def test_lead_reviews_and_approves(roles: Roles) -> None:
    with _step("test_lead_reviews_and_approves"):
        case_no = STATE["case_no"]
        act(roles["handler"], case_no, "review", "经审查，符合条件")
        act(roles["checker"], case_no, "review", "同意承办意见")
        act(roles["approver"], case_no, "approve", "准予许可")
        page = go(roles["approver"], f"/workbench/cases/{case_no}")
        timeline = page.locator("main").inner_text()
        assert f"{FIRE}：" in timeline and f"{ECO}：" in timeline, "the branches' opinions are on the timeline"


def test_applicant_sees_the_decision(roles: Roles) -> None:
    with _step("test_applicant_sees_the_decision"):
        page = go(roles["applicant"], f"/my/cases/{STATE['case_no']}")
        assert "准予许可" in page.locator("main").inner_text()
