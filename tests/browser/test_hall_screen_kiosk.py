"""The hall's calling screen and kiosk in a real browser: a ticket taken at the kiosk by touch; the screen, open in
another page, shows the call within 2 s of the clerk calling it through the API; the kiosk's digit pad types by
touch; an idle kiosk returns to its start page. Zero axe-core violations on every page; screenshots of the screen at
1920×1080 and of the kiosk at 1080×1920 (portrait) and 1280×800 go to /tmp/hall-screen-*.png."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.browser.conftest import check_page, horizontal_overflow
from tests.browser.live import Deployment
from yiwang.demo import DEMO_PASSWORD
from yiwang.demo_hall import COUNTY_HALL

pytestmark = pytest.mark.browser

WINDOW = "YX-A01"  # 1 号综合窗口, staffed by the demo's clerk


def _page(browser: Any, width: int, height: int, *, touch: bool = False) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", has_touch=touch)
    context.set_default_timeout(15_000)
    return context.new_page()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=f"/tmp/hall-screen-{name}.png")


def _go(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: HTTP {response and response.status}"
    check_page(page)
    assert horizontal_overflow(page) == 0, f"{url} scrolls sideways"


def _tap(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.tap()
    check_page(page)


def _clerk(live: Deployment, login: str = "clerk") -> dict[str, str]:
    token = httpx.post(f"{live.base}/api/v1/auth/login", json={"username": login, "password": DEMO_PASSWORD},
                       timeout=30).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _call_until(live: Deployment, number: str) -> None:
    """The clerk calls at 1 号综合窗口 until ``number`` comes up (tickets taken before it are called first)."""
    headers = _clerk(live)
    for _ in range(40):
        r = httpx.post(f"{live.base}/api/v1/windows/{WINDOW}/call", headers=headers, timeout=30)
        if r.status_code == 409:  # still serving someone: finish that first
            httpx.post(f"{live.base}/api/v1/windows/{WINDOW}/finish", headers=headers, json={"outcome": "consult"},
                       timeout=30)
            continue
        assert r.status_code == 200, r.text
        if r.json()["ticket_no"] == number:
            return
    raise AssertionError(f"{number} was never called at {WINDOW}")


def test_a_kiosk_ticket_is_called_on_the_screen_within_two_seconds(browser: Any, live: Deployment) -> None:
    home = f"{live.base}/kiosk/{COUNTY_HALL}"
    kiosk = _page(browser, 1080, 1920, touch=True)
    screen = _page(browser, 1920, 1080)
    try:
        _go(kiosk, home)
        _shot(kiosk, "kiosk-start-portrait")
        _tap(kiosk, kiosk.locator("a.k-tile-main"))
        kiosk.locator("label.k-choice", has_text="老年人优先").tap()
        assert kiosk.locator("input[name=priority][value=elderly]").is_checked()
        _shot(kiosk, "kiosk-ticket-portrait")
        _tap(kiosk, kiosk.locator("button.k-type[value=综合]"))
        number = kiosk.locator("#ticket-no").inner_text().strip()
        assert number.startswith("A") and "请留意叫号屏" in kiosk.locator("main").inner_text()
        assert "老年人优先" in kiosk.locator("main").inner_text()
        _shot(kiosk, "kiosk-result-portrait")

        _go(screen, f"{live.base}/hall/{COUNTY_HALL}/screen")
        assert "越秀区政务服务中心" in screen.locator("h1").inner_text()
        _call_until(live, number)
        called = time.monotonic()
        screen.locator("#scr-latest .scr-no", has_text=number).wait_for(timeout=2000)
        assert time.monotonic() - called < 2.0
        assert "1 号综合窗口" in screen.locator("#scr-latest").inner_text()
        assert screen.locator("#scr-list tr.scr-newest").first.inner_text().startswith(number)
        check_page(screen)
        # a busier hall for the picture: people waiting, and the clerk calls at the 一件事 window too
        for wtype in ("综合", "综合", "综合", "综合", "投资项目", "帮办代办", "一件事"):
            httpx.post(f"{live.base}/api/v1/halls/{COUNTY_HALL}/tickets", json={"window_type": wtype}, timeout=30)
        clerk2 = _clerk(live, "clerk2")
        for window in ("YX-A02", "YX-B01", "YX-E01"):
            httpx.post(f"{live.base}/api/v1/windows/{window}/call", headers=clerk2, timeout=30)
        d = httpx.post(f"{live.base}/api/v1/windows/YX-D01/call", headers=_clerk(live), timeout=30).json()
        screen.locator("#scr-latest .scr-no", has_text=d["ticket_no"]).wait_for(timeout=2000)
        assert screen.locator("#scr-list tr").count() >= 5
        assert "5 号“一件事”窗口" in screen.locator("#scr-latest").inner_text()
        screen.wait_for_timeout(3200)  # the new call's highlight has stopped blinking
        check_page(screen)
        _shot(screen, "screen-1920")

        # idle: the result page goes back to the start page by itself (the idle time shortened for the test)
        kiosk.evaluate("() => { document.body.setAttribute('data-idle', '2');"
                       " document.dispatchEvent(new Event('mousedown')); }")
        kiosk.wait_for_url(home, timeout=6000)
        assert kiosk.locator("h1.k-welcome").count() == 1 and number not in kiosk.content()
    finally:
        kiosk.context.close()
        screen.context.close()


def test_kiosk_pages_by_touch_portrait_and_landscape(browser: Any, live: Deployment) -> None:
    home = f"{live.base}/kiosk/{COUNTY_HALL}"
    kiosk = _page(browser, 1080, 1920, touch=True)
    wide = _page(browser, 1280, 800, touch=True)
    try:
        _go(kiosk, home + "/check-in")
        for key in "20260303":
            kiosk.locator(f".k-pad button[data-key='{key}']").tap()
        kiosk.locator(".k-pad button[data-key=back]").tap()
        assert kiosk.locator("#pad-input").input_value() == "2026030"  # typed by touch, no round trip
        check_page(kiosk)
        _shot(kiosk, "kiosk-checkin-portrait")
        _tap(kiosk, kiosk.locator("button[name=action][value=next]"))
        assert kiosk.locator("#pad-input").get_attribute("name") == "phone_tail"
        for key in "1234":
            kiosk.locator(f".k-pad button[data-key='{key}']").tap()
        _tap(kiosk, kiosk.locator("button[name=action][value=go]"))
        assert "未找到该预约" in kiosk.locator("[role=alert]").inner_text()

        _go(kiosk, home + "/guide")
        _tap(kiosk, kiosk.locator("a.k-result").first)
        assert "需要带的材料" in kiosk.locator("main").inner_text()
        _shot(kiosk, "kiosk-guide-portrait")
        _go(kiosk, home + "/verify")
        kiosk.fill("#license_id", "NoSuchLicence")
        _tap(kiosk, kiosk.locator("main button.k-primary"))
        assert "核验未通过" in kiosk.locator("main").inner_text()

        _go(wide, home)
        _shot(wide, "kiosk-start-1280")
        for path, name in (("/ticket", "ticket"), ("/progress", "progress"), ("/guide", "guide")):
            _go(wide, home + path)
            _shot(wide, f"kiosk-{name}-1280")
        small = [b for b in wide.locator("button, a").all() if b.is_visible() and b.bounding_box()["height"] < 64]
        assert not small, [b.inner_text() for b in small]  # touch targets of at least 64 px
    finally:
        kiosk.context.close()
        wide.context.close()
