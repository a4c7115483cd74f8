"""The pages the portal, 容缺后补, 退回, phone verification, announcements, catalog quality and outbox work added
or changed, each visited in headless chromium as the role that uses it: zero axe-core (WCAG 2.1 A/AA)
violations at 1280 px and at 390 px, and no sideways scrolling at 390 px. Each test sets up what it needs
through the pages (independent of the README walk-through's order)."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests import factories as f
from tests.browser.conftest import Roles, check_page, horizontal_overflow, new_page
from tests.browser.live import Deployment
from tests.browser.steps import base_of

pytestmark = pytest.mark.browser

PHONE = 390
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FOOD = "食品经营许可（新办）"


def _phone_check(page: Any) -> None:
    """The page as it is now, reflowed at 390 px: zero axe violations, no sideways scrolling."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE, "height": 844})
    try:
        over = horizontal_overflow(page)
        if over > 0:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                     .slice(-4).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""")
            raise AssertionError(f"{page.url} scrolls sideways by {over}px at {PHONE}px: {wide}")
        check_page(page)
    finally:
        page.set_viewport_size(size)


def visit(page: Any, url: str) -> Any:
    """Open ``url`` (absolute or relative to the page's site) and run the checks at both widths."""
    response = page.goto(url if url.startswith("http") else base_of(page) + url)
    assert response is not None and response.status < 400, f"{url}: HTTP {response and response.status}"
    check_page(page)
    _phone_check(page)
    return page


def submit(page: Any, locator: Any, *, phone: bool = True) -> None:
    with page.expect_navigation():
        locator.click()
    check_page(page)
    if phone:
        _phone_check(page)


def no_alert(page: Any) -> None:
    alerts = page.locator("main .alert[role=alert]")
    assert alerts.count() == 0, alerts.first.inner_text()


def act(page: Any, case_no: str, action: str, comment: str | None = None) -> None:
    visit(page, f"/workbench/cases/{case_no}")
    box = page.locator(f"#act-{action}")
    assert box.count() == 1, f"{action} is not offered: {page.locator('#actions').inner_text()[:500]}"
    if comment is not None:
        box.locator("textarea[name=comment]").fill(comment)
    submit(page, box.locator("button"), phone=False)
    no_alert(page)


def apply_for_food(page: Any, tmp_path: Path, *, defer: bool) -> str:
    """张三 applies for the food licence through the form; with ``defer`` the 容缺后补 material is left out.
    Returns the case number."""
    visit(page, "/items?q=" + FOOD)
    with page.expect_navigation():
        page.get_by_role("link", name=FOOD).first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="在线申请").first.click()
    page.fill("#f-business_name", "张三小吃店")
    page.fill("#f-premises", "广州市越秀区洪桥街道示范路 1 号")
    page.select_option("#f-main_form", "餐饮服务经营者")
    page.fill("#f-business_items", "热食类食品制售")
    page.fill("#f-area", "45")
    page.fill("#f-staff_count", "3")
    sample = tmp_path / "材料.pdf"
    sample.write_bytes(PDF)
    deferred = 0
    for row in page.locator("main .material-upload").all():
        if defer and row.locator(".need-deficiency").count():
            deferred += 1
            continue
        row.locator("input[type=file]").set_input_files(str(sample))
    assert not defer or deferred == 1, "the food licence has one 容缺后补 material"
    if page.locator("#pledge").count():
        page.check("#pledge")
    submit(page, page.locator("button[name=intent][value=submit]"), phone=False)
    assert "/my/cases/" in page.url, page.locator("main").inner_text()[:800]
    return str(page.url.split("/my/cases/")[1].split("?")[0])


def register_person(page: Any, base: str) -> str:
    """Register a new person through /register and log in; returns the (unverified) phone number."""
    number, phone = f.id_number(), f.phone()
    page.goto(base + "/register")
    page.fill("#name", "测试")
    page.fill("#id_number", number)
    page.fill("#phone", phone)
    page.fill("#password", f.PASSWORD)
    page.fill("#password2", f.PASSWORD)
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    no_alert(page)
    if "/login" in page.url:
        page.fill("#username", number)
        page.fill("#password", f.PASSWORD)
        with page.expect_navigation():
            page.click("main form button.primary")
    return phone


# --- portal ------------------------------------------------------------------------------------------------

def test_portal_home_themes_departments_and_search(roles: Roles) -> None:
    page = roles["anonymous"]
    visit(page, roles.live.base + "/")
    main = page.locator("main")
    for heading in ("主题服务", "热门事项", "通知公告"):
        assert main.get_by_role("heading", name=heading).count() == 1, heading
    assert "大家都在搜" in main.inner_text()
    assert main.locator("a[href^='/themes/']").count() >= 8
    # 大家都在搜 → the search results page
    hot = main.locator(".hot-queries a")
    if hot.count():
        submit(page, hot.first)
        assert "/items?q=" in page.url
    visit(page, "/")
    page.locator("main form[role=search] input[name=q]").fill("食品经营许可")
    submit(page, page.locator("main form[role=search] button"))
    assert "食品经营许可" in page.locator("#results-title").inner_text()
    assert page.get_by_role("link", name=FOOD).count() >= 1
    # /themes and one theme of each audience
    visit(page, "/themes")
    for kind in ("person", "enterprise"):
        href = page.locator(f"section[aria-labelledby=themes-{kind}] a[href^='/themes/']").first.get_attribute("href")
        assert href
        visit(page, href)
        assert page.locator("main a[href^='/items/']").count() >= 1, f"{href} lists no items"
        items = page.locator("main section.results").bounding_box()
        others = page.locator("main nav.filters").bounding_box()
        assert items and others and items["width"] > 2 * others["width"], "the items take the wide column"
        visit(page, "/themes")
    visit(page, "/departments")
    assert page.locator("main a[href*='department=']").count() >= 5
    # the district's departments come after the province's long list: a jump link reaches them
    jump = page.get_by_role("navigation", name="按地区跳转").locator("a[href='#region-440104']")
    assert jump.count() == 1
    jump.click()
    assert page.locator("#region-440104").is_visible()
    assert page.evaluate("() => window.scrollY") > 0


def test_portal_items_by_audience_and_region_then_department(roles: Roles) -> None:
    page = roles["anonymous"]
    visit(page, roles.live.base + "/items?audience=person")
    assert page.locator("main .audience-tabs a[aria-current=page]").inner_text().startswith("个人")
    visit(page, "/items")
    assert page.locator("#f-department").count() == 0, "the department list waits for a region"
    page.select_option("#f-region", "440104")
    submit(page, page.locator("main aside form button.primary"))
    assert "region=440104" in page.url
    options = page.locator("#f-department option")
    assert options.count() >= 2, "the region's departments are offered after the region is chosen"
    market = [t for t in options.all_inner_texts() if "市场监督管理局" in t]
    assert market, options.all_inner_texts()
    page.select_option("#f-department", label=market[0])
    submit(page, page.locator("main aside form button.primary"))
    assert "department=" in page.url
    results = page.locator("main .results")
    assert FOOD in results.inner_text(), results.inner_text()[:500]


def test_announcement_published_by_admin_shows_on_the_home_page(roles: Roles, browser: Any) -> None:
    admin = new_page(browser, roles.live, "admin")
    try:
        title = f"关于调整政务服务大厅办公时间的通知 {uuid.uuid4().hex[:4]}"
        visit(admin, "/admin/announcements")
        admin.fill("#a-title", title)
        admin.fill("#a-body", "自下月起，政务服务大厅周六上午 9:00-12:00 提供预约办理服务。")
        submit(admin, admin.get_by_role("button", name="立即发布"))
        no_alert(admin)
        assert title in admin.locator("main table").inner_text()
    finally:
        admin.context.close()
    page = roles["anonymous"]
    visit(page, roles.live.base + "/")
    link = page.locator("section[aria-labelledby=notices-title]").get_by_role("link", name=title)
    assert link.count() == 1, "the published announcement is on the home page"
    submit(page, link)
    assert page.get_by_role("heading", level=1).inner_text() == title
    visit(page, "/announcements")
    assert title in page.locator("main").inner_text()


# --- applicant -------------------------------------------------------------------------------------------

def test_phone_verification_with_the_sms_code(browser: Any, live: Deployment) -> None:
    """A newly registered person verifies the phone at /my/phone with the code of the console SMS line."""
    page = new_page(browser, live, None)
    try:
        phone = register_person(page, live.base)
        visit(page, "/my/phone")
        assert "未验证" in page.locator("main").inner_text()
        submit(page, page.get_by_role("button", name="获取短信验证码"))
        masked = f"{phone[:3]}****{phone[-4:]}"
        code, deadline = None, time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            found = re.findall(rf"notify sms to {re.escape(masked)}: .*?验证码为 (\d{{6}})",
                               live.log.read_text(encoding="utf-8", errors="replace"))
            code = found[-1] if found else None
            if code is None:
                time.sleep(0.3)
        assert code, "no SMS line with the code in the server log"
        page.fill("#code", code)
        submit(page, page.get_by_role("button", name="验证", exact=True))
        assert "已验证" in page.locator("main").inner_text(), page.locator("main").inner_text()[:400]
    finally:
        page.context.close()


def test_deferred_material_supplied_returned_once_and_decision_notice(roles: Roles, tmp_path: Path) -> None:
    """容缺后补 through the pages: 张三 applies without the deferrable material, the clerk accepts, the case shows
    待补材料 and the applicant supplies it at /my/cases/<no>/supplement; the checker returns the case to the
    handler with a reason (on the timeline); after approval the 准予行政许可决定书 downloads as a PDF."""
    applicant = roles["applicant"]
    case_no = apply_for_food(applicant, tmp_path, defer=True)
    act(roles["clerk"], case_no, "accept", "材料基本齐全，容缺受理")
    handler = roles["handler"]
    visit(handler, f"/workbench/cases/{case_no}")
    assert "待补材料" in handler.locator("main").inner_text()
    visit(applicant, f"/my/cases/{case_no}")
    link = applicant.locator(f"main a[href$='/my/cases/{case_no}/supplement']")
    assert link.count() >= 1, "the case page asks for the deferred material"
    submit(applicant, link.first)
    rows = applicant.locator("main form input[type=file]")
    assert rows.count() == 1
    rows.first.set_input_files(str(tmp_path / "材料.pdf"))
    submit(applicant, applicant.get_by_role("button", name="提交补交材料"))
    no_alert(applicant)
    visit(applicant, f"/my/cases/{case_no}/supplement")
    assert "没有待补交的材料" in applicant.locator("main").inner_text()
    # 退回: the checker sends the case back to the handler with a reason
    act(handler, case_no, "review", "经审查，符合条件")
    reason = "现场核查记录缺少经营场所照片，请补充后重新提交"
    act(roles["checker"], case_no, "return_previous", reason)
    visit(handler, f"/workbench/cases/{case_no}")
    timeline = handler.locator("main ol.timeline").inner_text()
    assert "退回" in timeline and reason in timeline, timeline[-600:]
    assert handler.locator("#act-review").count() == 1, "the returned case is the handler's again"
    act(handler, case_no, "review", "已补充现场照片，符合条件")
    act(roles["checker"], case_no, "review", "同意承办意见")
    act(roles["approver"], case_no, "approve", "准予许可")
    visit(applicant, f"/my/cases/{case_no}")
    decision = applicant.locator("main a[href*='/notices/approve']")
    assert decision.count() == 1, applicant.locator("main").inner_text()[-800:]
    assert "准予行政许可决定书" in decision.inner_text()
    response = applicant.context.request.get(base_of(applicant) + str(decision.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")


# --- staff -----------------------------------------------------------------------------------------------

def test_supervision_rules_form(roles: Roles) -> None:
    sup = roles["supervisor"]
    visit(sup, roles.live.base + "/items?q=" + FOOD)
    code = str(sup.get_by_role("link", name=FOOD).first.get_attribute("href")).rsplit("/", 1)[1]
    visit(sup, "/console/rules")
    form = sup.locator("#rule-approaching")
    form.get_by_label("适用范围").select_option("item")
    form.get_by_label("事项类型代码或事项编码").fill(code)
    form.get_by_label("提前预警（工作日）").fill("3")
    submit(sup, form.get_by_role("button"))
    assert sup.get_by_test_id("flash").count() == 1, sup.locator("main").inner_text()[:500]
    assert code in sup.get_by_test_id("rules-in-force").inner_text()


def test_catalog_quality_report_and_xlsx(browser: Any, live: Deployment) -> None:
    page = new_page(browser, live, "catalog")
    try:
        visit(page, "/admin/catalog/quality")
        assert page.locator("main table tbody tr").count() >= 1
        href = page.get_by_role("link", name="下载 Excel").get_attribute("href")
        response = page.context.request.get(live.base + str(href))
        assert response.status == 200
        assert "spreadsheetml" in response.headers["content-type"]
        assert response.body()[:2] == b"PK"
    finally:
        page.context.close()


def test_admin_outbox_and_departments(browser: Any, live: Deployment) -> None:
    page = new_page(browser, live, "admin")
    try:
        visit(page, "/admin/outbox")
        visit(page, "/admin/departments")
        marker = page.locator("main .combined-duties")
        assert marker.count() >= 1 and marker.first.inner_text() == "一人多岗"
        assert marker.first.is_visible()
    finally:
        page.context.close()
