"""The indicators (issue #18) in a real browser, on the demo (this month and last month computed when it was
seeded): the supervisor follows the console's 指标 tab, picks last month, opens the monthly report and downloads its
Excel and PDF; the operations screen at 1920×1080 fits the screen with every panel whole, its gauges drawn, and
drills into the township and back; the administrator publishes an indicator and the public figures page shows it
to anyone; department staff are refused the screen. Zero axe-core violations on every page; screenshots go to
/tmp/indicators-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import Roles, axe_violations, format_violations, horizontal_overflow, screenshots
from tests.browser.live import Deployment, login
from tests.browser.steps import base_of
from tests.browser.test_new_pages import no_alert, submit, visit
from yiwang.metrics.indicators import INDICATORS

pytestmark = pytest.mark.browser

TOWNSHIP = "440104001000"
PUBLISHED = "34"  # 事项进驻率: not among the defaults


def _months() -> list[str]:
    """This month and the one before, local time (what the demo computed when seeded)."""
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return [today.strftime("%Y-%m"), previous.strftime("%Y-%m")]


def _label(month: str) -> str:
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


def _shots(page: Any, name: str) -> None:
    screenshots(page, f"indicators-{name}")


def _new(browser: Any, live: Deployment, login_name: str | None, *, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    return login(context, live.base, login_name, staff=True) if login_name else context.new_page()


def test_the_supervisor_reads_the_indicators_and_downloads_the_report(roles: Roles) -> None:
    page = roles["supervisor"]
    visit(page, "/console")
    submit(page, page.locator("main nav.tabs a[href='/console/indicators']"))
    no_alert(page)
    this_month, previous = _months()
    assert page.locator("main a[aria-current=page]").inner_text() == "指标"
    assert page.locator("#period").input_value() == this_month  # the current month by default
    assert page.locator("main h1").inner_text() == f"政务服务指标（越秀区，{this_month}）"
    assert page.locator("#indicator-table tbody tr[data-code]").count() == 47
    _shots(page, "table")

    page.fill("#period", previous)
    submit(page, page.get_by_role("button", name="查看"))
    no_alert(page)
    assert page.locator("main h1").inner_text() == f"政务服务指标（越秀区，{previous}）"
    # the demo's district has its population entered: 个人用户注册率 has a value
    assert page.locator("#indicator-table tr[data-code='2'] td[data-label='当月']").inner_text() != "—"
    cases = page.locator("#indicator-table tr[data-code='26'] td[data-label='当月']").inner_text()
    assert cases != "—", cases

    submit(page, page.locator("main a", has_text="每月专报"))
    no_alert(page)
    title = page.locator("main h1").inner_text()
    assert title == f"越秀区政务服务指标月报（{_label(previous)}）"
    names = page.locator("#report-trends tbody th[scope=row]").all_inner_texts()
    assert len(names) == sum(1 for i in INDICATORS if i.computable)
    departments = page.locator("#report-ranking tbody th[scope=row]").all_inner_texts()
    assert len(departments) >= 2, departments
    assert page.locator("main section[aria-labelledby=h-summary] svg").count() >= 1
    _shots(page, "report")

    with page.expect_download() as download:
        page.locator("main a", has_text="导出 Excel").click()
    assert download.value.suggested_filename == f"indicators-{previous}-440104.xlsx"
    with open(download.value.path(), "rb") as saved:
        book = load_workbook(saved)
    rows = [list(r) for r in book["指标"].iter_rows(values_only=True)]
    assert rows[0][0] == title
    header = next(i for i, r in enumerate(rows) if r[:2] == ["编号", "指标"])
    assert [r[1] for r in rows[header + 1:header + 1 + len(names)]] == names
    assert [r[1] for r in book["部门排名"].iter_rows(min_row=2, values_only=True)] == departments

    with page.expect_download() as download:
        page.locator("main a", has_text="导出 PDF").click()
    assert download.value.suggested_filename == f"indicators-{previous}-440104.pdf"
    with open(download.value.path(), "rb") as saved:
        pdf = saved.read()
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf


def _whole(page: Any) -> None:
    """The screen at its size: no scrolling either way, every panel inside the viewport and nothing clipped
    inside a panel."""
    assert horizontal_overflow(page) == 0
    size = page.viewport_size
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.ops-head, .ops-kpis, .ops-panel')].map(e => {
             const r = e.getBoundingClientRect();
             return {name: e.className, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                     clipped: e.scrollHeight - e.clientHeight, clippedX: e.scrollWidth - e.clientWidth};
           })""")
    assert len(boxes) == 8, boxes
    for b in boxes:
        assert b["left"] >= 0 and b["top"] >= 0, b
        assert b["right"] <= size["width"] + 1 and b["bottom"] <= size["height"] + 1, b
        assert b["clipped"] <= 1 and b["clippedX"] <= 1, b
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= size["height"] + 1, height


def _axe(page: Any, found: dict[str, str]) -> None:
    """Collect the page's axe violations (asserted at the end of the test, after the other checks)."""
    assert not page.title().startswith("出错了"), page.locator("main").inner_text()[:300]
    violations = axe_violations(page)
    if violations:
        found[page.url] = format_violations(page.url, violations)


def test_the_operations_screen_fits_the_wall_and_drills_down(browser: Any, live: Deployment) -> None:
    page = _new(browser, live, "supervisor", width=1920, height=1080)
    found: dict[str, str] = {}
    try:
        response = page.goto(live.base + "/screen")
        assert response is not None and response.status == 200
        page.screenshot(path="/tmp/indicators-screen-1920.png")
        _axe(page, found)
        assert page.locator("h1").inner_text() == "越秀区政务服务运行监测"
        _whole(page)
        gauges = page.locator(".ops-gauges li svg")
        assert gauges.count() == 10
        for i in range(gauges.count()):
            box = gauges.nth(i).bounding_box()
            assert box and box["width"] > 50 and box["height"] > 50, box
        for chart in ("h-lights", "h-trend", "h-top"):
            assert page.locator(f"section[aria-labelledby={chart}] svg").count() == 1, chart

        with page.expect_navigation():
            page.locator(f".ops-regions a[href='/screen?region={TOWNSHIP}']").click()
        page.screenshot(path="/tmp/indicators-screen-township-1920.png")
        _axe(page, found)
        assert page.locator("h1").inner_text() == "洪桥街道政务服务运行监测"
        _whole(page)
        with page.expect_navigation():
            page.locator(".ops-nav a", has_text="返回上一级").click()
        assert page.locator("h1").inner_text() == "越秀区政务服务运行监测"
        assert page.locator(".ops-nav a", has_text="返回上一级").count() == 0

        page.set_viewport_size({"width": 390, "height": 844})  # a phone: the panels stack and scroll
        page.screenshot(path="/tmp/indicators-screen-390.png", full_page=True)
        assert horizontal_overflow(page) == 0
        _axe(page, found)
    finally:
        page.context.close()
    # DEFECT (issue #18): the screen refreshes itself with <meta http-equiv="refresh" content="60">, which axe
    # reports as a critical violation (meta-refresh, WCAG 2.2.1 / 3.2.5)
    assert not found, "\n".join(found.values())


def test_the_administrator_publishes_an_indicator_for_the_public(roles: Roles, browser: Any,
                                                                  live: Deployment) -> None:
    """Publishing is the deployment's administrators' (home region 440000): the demo's 林静 (catalog, an
    administrator of the province's bureau)."""
    page = roles["catalog"]
    visit(page, "/console/indicators")
    form = page.locator("form[action='/console/indicators/publication']")
    box = form.locator(f"input[name=codes][value='{PUBLISHED}']")
    assert not box.is_checked()
    box.check()
    submit(page, form.get_by_role("button", name="保存公开设置"))
    no_alert(page)
    assert page.locator(f"form[action='/console/indicators/publication'] input[value='{PUBLISHED}']").is_checked()
    _shots(page, "admin")

    anonymous = _new(browser, live, None)
    try:
        visit(anonymous, live.base + "/figures")
        no_alert(anonymous)
        _, previous = _months()
        assert anonymous.locator("#period").input_value() == previous  # the month that has ended
        codes = anonymous.locator("#public-figures tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")
        assert PUBLISHED in codes and "26" in codes, codes
        assert anonymous.locator(f"#public-figures tr[data-code='{PUBLISHED}'] th").inner_text() == "事项进驻率"
        _shots(anonymous, "figures")
    finally:
        anonymous.context.close()
    # the demo as it was
    visit(page, "/console/indicators")
    page.locator(f"form[action='/console/indicators/publication'] input[value='{PUBLISHED}']").uncheck()
    submit(page, page.locator("form[action='/console/indicators/publication']").get_by_role("button",
                                                                                            name="保存公开设置"))


def test_department_staff_are_refused_the_screen(roles: Roles) -> None:
    for role, message in (("handler", "没有权限"), ("approver", "运行大屏面向本辖区的监察员和管理员")):
        page = roles[role]
        response = page.goto(base_of(page) + "/screen")
        assert response is not None and response.status == 403, role
        assert message in page.locator("main").inner_text(), role
        violations = axe_violations(page)
        assert not violations, format_violations(page.url, violations)
        page.screenshot(path=f"/tmp/indicators-refused-{role}-1280.png", full_page=True)
    # the approver has the department's table, without the screen's link
    page = roles["approver"]
    visit(page, "/console/indicators")
    assert page.locator("a[href^='/screen']").count() == 0
    assert "·" in page.locator("main h1").inner_text()  # the region · the department


# (found failing on an earlier version: the demo's 系统管理员, of the district 440104, was offered the publication
# form and every save was refused with 403 — publishing is the home region's administrators')
def test_the_district_administrator_is_not_offered_a_form_it_cannot_use(roles: Roles) -> None:
    page = roles["admin"]
    visit(page, "/console/indicators")
    _shots(page, "district-admin")
    assert page.locator("form[action='/console/indicators/publication']").count() == 0


# DEFECT (issue #18): the screen's phone layout (its @media (max-width: 900px) rules stack the panels) squeezes every
# panel into the viewport's height instead of letting the page scroll: the panels keep ``overflow: hidden`` and
# their charts, gauges and tables are cut off (see /tmp/indicators-screen-390.png).
def test_the_screen_on_a_phone_stacks_its_panels_whole(browser: Any, live: Deployment) -> None:
    page = _new(browser, live, "supervisor", width=390, height=844)
    try:
        response = page.goto(live.base + "/screen")
        assert response is not None and response.status == 200
        assert horizontal_overflow(page) == 0
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('.ops-panel')]
                 .filter(e => e.scrollHeight - e.clientHeight > 1)
                 .map(e => e.className + ': ' + e.clientHeight + ' of ' + e.scrollHeight + ' px shown')""")
        assert not clipped, clipped
    finally:
        page.context.close()


# DEFECT (issue #18): the indicators' filter form is a ``card filters``, which the stylesheet makes sticky at 800 px
# and wider (meant for the catalog's side bar); here it is a full-width card about 300 px tall that stays over the
# content as the page scrolls — after saving the publication the page lands on #publication with its heading and
# first checkboxes under the form (see /tmp/indicators-admin-1280.png).
def test_the_filter_form_does_not_cover_what_the_page_scrolls_to(roles: Roles) -> None:
    page = roles["catalog"]
    visit(page, "/console/indicators#publication")
    page.evaluate("() => document.getElementById('publication').scrollIntoView()")
    covered = page.evaluate(
        """() => {
             const h = document.getElementById('publication');
             const r = h.getBoundingClientRect();
             const top = document.elementFromPoint(r.left + 5, r.top + r.height / 2);
             return top === h || h.contains(top) ? null : (top && (top.tagName + '.' + top.className));
           }""")
    assert covered is None, f"the heading #publication is covered by {covered}"
