"""The service hall's citizen pages in a real browser: 张三 takes a phone ticket at 越秀区政务服务中心 and follows
it, books an appointment on the next working day, finds it in 我的预约 and cancels it; the rating tablet beside
window YX-B01 (a window the other walks leave alone) shows its waiting screen. Zero axe-core violations at 1280 px
and 390 px (the tablet also at 1024×768), no sideways scrolling at 390 px; screenshots to /tmp/hall-citizen-*.png."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from tests.browser.conftest import Roles, check_page, horizontal_overflow, new_page
from tests.browser.test_new_pages import no_alert, submit, visit

pytestmark = pytest.mark.browser

COUNTY_HALL = "YX-ZWFWZX"
SECRET = "browser-suite-secret"  # YIWANG_SECRET_KEY of the served deployment (tests/browser/live.py)


def _shots(page: Any, name: str, sizes: tuple[tuple[int, int], ...] = ((1280, 900), (390, 844))) -> None:
    """Screenshots of the page at each size (the page goes back to its own size afterwards)."""
    size = page.viewport_size
    try:
        for width, height in sizes:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=f"/tmp/hall-citizen-{name}-{width}.png", full_page=True)
    finally:
        page.set_viewport_size(size)


def _tablet_key(window_code: str) -> str:
    """yiwang.demo_hall.tablet_key under the deployment's secret key."""
    return hmac.new(SECRET.encode(), f"demo-tablet:{window_code}".encode(), hashlib.sha256).hexdigest()[:24]


def test_a_phone_ticket_at_the_county_hall(roles: Roles) -> None:
    page = roles["applicant"]
    visit(page, "/")
    submit(page, page.locator("header nav a[href='/hall']"))
    main = page.locator("main")
    assert "越秀区政务服务中心" in main.inner_text() and "工作日 09:00–17:00" in main.inner_text()
    _shots(page, "halls")
    submit(page, main.locator(f"a[href='/hall/{COUNTY_HALL}']").first)
    assert main.get_by_role("heading", name="手机取号").count() == 1
    page.select_option("#what", label="综合窗口")
    page.check("input[name=priority][value=elderly]")
    _shots(page, "hall")
    submit(page, main.get_by_role("button", name="取号"))
    no_alert(page)
    assert f"/hall/{COUNTY_HALL}/tickets/A" in page.url, page.url
    number = main.locator(".hall-no").inner_text()
    assert number.startswith("A") and "等候中" in main.inner_text() and "前面还有" in main.inner_text()
    assert "老年人优先" in main.inner_text()
    _shots(page, "ticket")
    visit(page, f"/hall/{COUNTY_HALL}")
    mine = main.locator(".hall-mine")
    assert number in mine.inner_text()
    submit(page, mine.get_by_role("button", name=f"取消 {number} 号"))
    assert "已取消该号" in main.inner_text()


def test_book_an_appointment_see_it_and_cancel_it(roles: Roles) -> None:
    page = roles["applicant"]
    visit(page, f"/hall/{COUNTY_HALL}")
    submit(page, page.locator("main header a", has_text="预约办事"))
    main = page.locator("main")
    days = main.locator(".hall-days a")
    if days.count() == 0:
        pytest.skip("no bookable working day in the next two weeks (a year's holidays not imported yet): "
                    + main.inner_text()[:200])
    _shots(page, "book")
    submit(page, days.first)
    free = main.locator("input[name=start]:not([disabled])")
    if free.count() == 0:  # the first working day's slots have all begun: take the next day
        if days.count() < 2:
            pytest.skip("the only bookable working day has no slot left today")
        submit(page, days.nth(1))
    start = free.first.get_attribute("value")
    free.first.check()
    _shots(page, "book-day")
    submit(page, main.get_by_role("button", name="确认预约"))
    no_alert(page)
    text = main.inner_text()
    assert "预约成功" in text and "已预约" in text and f"{start}–" in text, text[:400]
    _shots(page, "appointment")
    submit(page, page.locator("main a[href='/hall/appointments']").first)
    row = main.locator(".hall-appts li").filter(has_text="已预约").first
    assert start in row.inner_text()
    _shots(page, "my-appointments")
    submit(page, row.get_by_role("button", name="取消"))
    assert "预约已取消" in main.inner_text()


def test_the_rating_tablet_waits_for_a_finished_visit(browser: Any, roles: Roles) -> None:
    page = new_page(browser, roles.live, None, width=1024)
    refresh: list[str | None] = []

    def hold_still(route: Any) -> None:
        # the waiting screen reloads itself every 5 s (the Refresh header): keep it still while it is checked
        response = route.fetch()
        headers = dict(response.headers)
        refresh.append(headers.pop("refresh", None))
        route.fulfill(response=response, headers=headers)

    try:
        page.route("**/hall/rate/**", hold_still)
        page.set_viewport_size({"width": 1024, "height": 768})
        response = page.goto(f"{roles.live.base}/hall/rate/YX-B01?key={_tablet_key('YX-B01')}")
        assert response is not None and response.status == 200
        check_page(page)
        assert "欢迎办事，办理完成后请为我们的服务评价" in page.locator("main").inner_text()
        assert refresh == ["5"]
        _shots(page, "tablet", ((1024, 768), (1280, 900), (390, 844)))
        page.set_viewport_size({"width": 390, "height": 844})
        assert horizontal_overflow(page) == 0
        check_page(page)
        wrong = page.goto(f"{roles.live.base}/hall/rate/YX-B01?key=wrong")
        assert wrong is not None and wrong.status == 404
    finally:
        page.context.close()
