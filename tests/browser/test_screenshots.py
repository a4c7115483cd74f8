"""``make screenshots``: the main pages of a freshly seeded demo deployment at 1280 px (desktop) and 390 px
(phone) into docs/screenshots/, with docs/screenshots/README.md listing them. Runs only when
YIWANG_SCREENSHOTS names the output directory (the Makefile target sets it)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import first_href, new_page
from tests.browser.live import Deployment
from tests.browser.test_new_pages import act, apply_for_food, register_person

pytestmark = pytest.mark.browser

OUT = os.environ.get("YIWANG_SCREENSHOTS", "")
SIZES = {"desktop": (1280, 900), "mobile": (390, 844)}

# (file stem, title, role, path or a key resolved from the demo data)
PAGES = [
    ("01-home", "首页", None, "/"),
    ("02-item-guide", "办事指南：食品经营许可（新办）", None, "item"),
    ("03-apply-form", "在线申请（电子表单与材料上传）", "applicant", "apply"),
    ("04-applicant-case", "我的办件：办件详情", "applicant", "my_case"),
    ("05-licence", "我的证照：电子证照详情", "applicant", "licence"),
    ("06-verify-result", "证照核验结果（扫码核验页）", None, "verify"),
    ("07-workbench-queue", "工作台：办件队列", "handler", "/workbench/cases?view=all"),
    ("08-workbench-case", "工作台：办件页面与办理操作", "handler", "staff_case"),
    ("09-supervision-console", "电子监察：预警与红黄牌", "supervisor", "/console"),
    ("10-supervision-rules", "电子监察：监察规则", "supervisor", "/console/rules"),
    ("11-supervision-order", "督办单", "supervisor", "order"),
    ("12-theme", "主题服务：个人办事主题", None, "theme_person"),
    ("13-departments", "按部门查找（按地区分组）", None, "/departments"),
    ("14-supplement", "补交容缺材料（容缺后补）", "applicant", "supplement"),
    ("15-phone", "手机号验证（短信验证码）", "newcomer", "/my/phone"),
    ("16-catalog-quality", "事项目录质量报告", "catalog", "/admin/catalog/quality"),
]
FULL_PAGE = {"01-home", "12-theme"}  # long pages shown whole on a phone


def _demo_urls(browser: Any, live: Deployment) -> dict[str, str]:
    base = live.base
    applicant = new_page(browser, live, "applicant")
    handler = new_page(browser, live, "handler")
    supervisor = new_page(browser, live, "supervisor")
    try:
        urls = {"licence": first_href(applicant, base + "/my/licenses", "main a[href^='/my/licenses/']"),
                "my_case": first_href(applicant, base + "/my/cases", "main a[href^='/my/cases/']"),
                "staff_case": first_href(handler, base + "/workbench/cases?view=all", "main a[href^='/workbench/cases/']"),
                "item": first_href(applicant, base + "/items?q=食品经营许可", "main a[href^='/items/']")}
        urls["verify"] = "/verify/" + urls["licence"].rsplit("/", 1)[1]
        urls["apply"] = "/apply/" + urls["item"].rsplit("/", 1)[1]
        supervisor.goto(base + "/console")
        supervisor.locator("main table a[href^='/console/orders?']").first.click()
        supervisor.wait_for_load_state()
        supervisor.fill("#o-subject", "办件逾期未答复")
        supervisor.fill("#o-content", "请于期限内说明原因并加快办理。")
        with supervisor.expect_navigation():
            supervisor.locator("main form[action='/console/orders'] button.primary").click()
        urls["order"] = supervisor.url.split(base, 1)[1].split("?")[0]
        applicant.goto(base + "/themes")
        urls["theme_person"] = str(applicant.locator(
            "section[aria-labelledby=themes-person] a[href^='/themes/']").first.get_attribute("href"))
        # 容缺后补: an application without its deferrable material, accepted by the window clerk
        with tempfile.TemporaryDirectory() as tmp:
            case_no = apply_for_food(applicant, Path(tmp), defer=True)
        clerk = new_page(browser, live, "clerk")
        try:
            act(clerk, case_no, "accept", "材料基本齐全，容缺受理")
        finally:
            clerk.context.close()
        urls["supplement"] = f"/my/cases/{case_no}/supplement"
        # 通知公告 on the home page: one announcement published by the administrator
        admin = new_page(browser, live, "admin")
        try:
            admin.goto(base + "/admin/announcements")
            admin.fill("#a-title", "关于政务服务大厅周六预约办理的通知")
            admin.fill("#a-body", "自下月起，政务服务大厅周六上午 9:00-12:00 提供预约办理服务。")
            with admin.expect_navigation():
                admin.get_by_role("button", name="立即发布").click()
        finally:
            admin.context.close()
        return urls
    finally:
        for page in (applicant, handler, supervisor):
            page.context.close()


@pytest.mark.skipif(not OUT, reason="run by `make screenshots` (YIWANG_SCREENSHOTS=docs/screenshots)")
def test_screenshots(browser: Any, live: Deployment) -> None:
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    urls = _demo_urls(browser, live)
    rows = []
    for size, (width, height) in SIZES.items():
        pages: dict[str | None, Any] = {}
        try:
            for stem, title, role, where in PAGES:
                if role not in pages:
                    if role == "newcomer":  # a person who registered and has not verified the phone yet
                        pages[role] = new_page(browser, live, None, width=width)
                        register_person(pages[role], live.base)
                    else:
                        pages[role] = new_page(browser, live, role, width=width)
                    pages[role].set_viewport_size({"width": width, "height": height})
                page = pages[role]
                path = where if where.startswith("/") else urls[where]
                response = page.goto(live.base + path)
                assert response is not None and response.status == 200, f"{path}: {response and response.status}"
                name = f"{stem}-{size}.png"
                page.screenshot(path=str(out / name), full_page=stem == "01-home" or (size == "mobile" and stem in FULL_PAGE))
                rows.append((stem, title, size, name))
        finally:
            for page in pages.values():
                page.context.close()
    lines = ["# Screenshots", "",
             "The main pages of the demo deployment (`yiwang demo seed`), regenerated by `make screenshots`:",
             "desktop at 1280 px and phone at 390 px wide, in headless chromium.", "",
             "| page | desktop (1280 px) | phone (390 px) |", "|---|---|---|"]
    by_stem: dict[str, dict[str, str]] = {}
    titles = {}
    for stem, title, size, name in rows:
        by_stem.setdefault(stem, {})[size] = name
        titles[stem] = title
    for stem, names in by_stem.items():
        lines.append(f"| {titles[stem]} | [![{titles[stem]}（桌面）]({names['desktop']})]({names['desktop']}) | "
                     f"[![{titles[stem]}（手机）]({names['mobile']})]({names['mobile']}) |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
