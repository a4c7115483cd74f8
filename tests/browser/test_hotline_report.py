"""The hotline's monthly report (12345热线办理情况通报) in a real browser, on the demo's weeks of work orders: the
supervisor opens it from the console's tabs, picks the month with the picker and downloads the Excel, which
holds the same ranking; the operator reaches it from the header; a liaison is refused. Zero axe-core violations
at 1280 px and 390 px on every page; screenshots go to /tmp/hotline-report-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import Roles
from tests.browser.live import Deployment, login
from tests.browser.test_new_pages import no_alert, submit, visit

pytestmark = pytest.mark.browser

RANKING = "main section[aria-labelledby=ranking] tbody th[scope=row]"


def _months() -> list[str]:
    """This month and the one before (the demo's orders go back 18 working days), local time."""
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return [today.strftime("%Y-%m"), previous.strftime("%Y-%m")]


def _shots(page: Any, name: str) -> None:
    size = page.viewport_size
    try:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"/tmp/hotline-report-{name}-{width}.png", full_page=True)
    finally:
        page.set_viewport_size(size)


def _pick(page: Any, month: str) -> list[str]:
    """Choose ``month`` with the picker and show it; the units of its ranking, in order."""
    page.fill("#month", month)
    submit(page, page.get_by_role("button", name="查看"))
    no_alert(page)
    year, number = month.split("-")
    assert page.locator("main h1").inner_text() == f"12345热线办理情况通报（{int(year)}年{int(number)}月）"
    return page.locator(RANKING).all_inner_texts()


def test_the_supervisor_reads_the_ranking_and_downloads_the_excel(roles: Roles) -> None:
    page = roles["supervisor"]
    visit(page, "/console")
    submit(page, page.locator("main nav.tabs a[href='/console/hotline/report']"))
    this_month, previous = _months()
    assert page.locator("#month").input_value() == this_month  # the current month by default
    assert page.locator("main a[aria-current=page]").inner_text() == "热线通报"
    rankings = {month: _pick(page, month) for month in (previous, this_month)}
    busy = max(rankings, key=lambda m: len(rankings[m]))
    units = _pick(page, busy)
    assert len(units) >= 2, rankings  # the demo's orders went to several units
    assert "广州市公安局越秀区分局" in units or "广州市生态环境局越秀分局" in units
    assert "在用答复口径" in page.locator("main section[aria-labelledby=knowledge]").inner_text()
    channels = page.locator("main section[aria-labelledby=channels] tbody th[scope=row]").all_inner_texts()
    assert channels == ["12345 热线（电话、网站）", "留言办理（上级转办留言、留言板）", "涉企诉求"]
    _shots(page, "supervisor")

    with page.expect_download() as download:
        page.locator("main a", has_text="导出 Excel").click()
    assert download.value.suggested_filename == f"hotline-report-{busy}.xlsx"
    with open(download.value.path(), "rb") as saved:  # a download is kept under a name without a suffix
        sheet = load_workbook(saved).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == page.locator("main h1").inner_text()
    header = next(i for i, r in enumerate(rows) if r[:2] == ["排名", "承办单位"])
    names = [r[1] for r in rows[header + 1:header + 1 + len(units)]]
    assert names == units

    bad = page.goto(page.url.split("?")[0] + "?month=2026-13")
    assert bad is not None and bad.status == 422
    assert "月份格式应为 YYYY-MM" in page.locator("main .alert[role=alert]").inner_text()


def test_the_operator_reaches_it_from_the_header_and_a_liaison_is_refused(browser: Any, live: Deployment) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    try:
        page = login(context, live.base, "operator", staff=True)
        visit(page, "/workbench")
        submit(page, page.locator("header nav a[href='/console/hotline/report']"))
        no_alert(page)
        assert page.locator("main h1").inner_text().startswith("12345热线办理情况通报（")
        assert page.locator("main nav.tabs").count() == 0  # the supervision tabs are not the operator's
        _shots(page, "operator")
    finally:
        context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = login(context, live.base, "police", staff=True)
        assert page.locator("header nav a[href='/console/hotline/report']").count() == 0
        refused = page.goto(live.base + "/console/hotline/report")
        assert refused is not None and refused.status == 403
    finally:
        context.close()
