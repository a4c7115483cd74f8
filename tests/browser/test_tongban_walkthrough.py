"""跨域通办 through the pages of the demo deployment, in headless chromium: the 荔湾区 window (``clerk_lw``) looks up
越秀's 个体工商户设立登记, is told it takes it in as 省内通办, files it for 张三 choosing delivery at its window,
records the paper originals sent by courier (a missing tracking number first: the Chinese error beside the field),
and finds the case under 通办代收; 越秀's handler signs for the papers. Every visited page passes the page checks
(axe-core, WCAG 2.1 A/AA); the case page also at 390 px without sideways scrolling. Screenshots go to the test's
temporary directory (``tongban-*.png``).

The steps are tests of their own that run in order and share ``STATE``; a failed step skips the ones after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_page, horizontal_overflow
from tests.browser.live import Deployment, Walk, login
from tests.browser.steps import go, submit
from yiwang import demo

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ITEM = demo.make_uscc("11" + demo.DEPARTMENTS[1][1], demo.DEPARTMENTS[1][2]) + demo.TONGBAN_ITEM
WALK = Walk()
STATE = WALK.state
SHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots" / "tongban"


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest) -> None:
    WALK.skip_after_failure(request.node.name)


_step = WALK.step


def _page(browser: Any, live: Deployment, login_name: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    return login(context, live.base, login_name, staff=True)


def test_window_takes_in_an_item_of_another_district(browser: Any, live: Deployment, tmp_path: Path) -> None:
    with _step("test_window_takes_in_an_item_of_another_district"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page = _page(browser, live, "clerk_lw")
        STATE["clerk"] = page
        go(page, f"/workbench/intake?item_code={ITEM}")
        note = page.locator("#tongban-note")
        assert note.count() == 1 and "省内通办" in note.inner_text(), page.locator("main").inner_text()[:500]
        page.fill("#i-applicant", demo.PERSON[1])
        page.fill("#f-contact_name", demo.PERSON[0])
        page.fill("#f-contact_phone", demo.PERSON[2])
        page.fill("#f-description", "在荔湾区窗口申请越秀区个体工商户设立登记")
        for i in range(3):
            sample = tmp_path / f"m{i}.pdf"
            sample.write_bytes(PDF + str(i).encode())
            page.set_input_files(f"#i-file-{i}", str(sample))
        page.check("#i-deliver")
        page.screenshot(path=str(SHOTS / "tongban-intake.png"), full_page=True)
        submit(page, page.locator("form.intake button.primary"))
        assert "/workbench/cases/" in page.url, page.locator("main").inner_text()[:500]
        STATE["case_no"] = page.url.rsplit("/", 1)[1].split("?")[0]
        facts = page.locator("main").inner_text()
        assert "通办收件窗口" in facts and "荔湾区" in facts and "由收件窗口送达" in facts


def test_window_records_the_papers_sent(live: Deployment) -> None:
    with _step("test_window_records_the_papers_sent"):
        page = STATE["clerk"]
        form = page.locator("#act-paper_sent")
        assert form.count() == 1
        form.locator("#p-courier").fill("中国邮政 EMS")
        form.locator("#p-materials").fill("个体工商户登记（备案）申请书（原件）\n经营场所使用证明（原件）")
        # the tracking number is required: the browser would stop an empty field, so send a bad one
        form.locator("#p-tracking").fill("单号?")
        submit(page, form.locator("button.primary"))
        assert "寄递单号" in page.locator(".field-error").first.inner_text()
        assert page.locator("#p-tracking[aria-invalid=true]").count() == 1
        form = page.locator("#act-paper_sent")
        form.locator("#p-tracking").fill("1178800009999")
        submit(page, form.locator("button.primary"))
        paper = page.locator("#paper")
        assert "1178800009999" in paper.inner_text() and "已寄出，待签收" in paper.inner_text()
        paper.screenshot(path=str(SHOTS / "tongban-paper.png"))
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        try:
            assert horizontal_overflow(page) <= 0, "the case page scrolls sideways at 390 px"
            check_page(page)
            page.screenshot(path=str(SHOTS / "tongban-case-390.png"), full_page=True)
        finally:
            page.set_viewport_size(size)
        go(page, "/workbench/tongban")
        assert STATE["case_no"] in page.locator("main").inner_text()
        page.screenshot(path=str(SHOTS / "tongban-list.png"), full_page=True)


def test_the_deciding_office_signs_for_the_papers(browser: Any, live: Deployment) -> None:
    with _step("test_the_deciding_office_signs_for_the_papers"):
        page = _page(browser, live, "handler")
        go(page, f"/workbench/cases/{STATE['case_no']}")
        paper = page.locator("#paper")
        assert "荔湾区" in page.locator("main").inner_text()
        button = paper.get_by_role("button", name="签收")
        assert button.count() == 1
        submit(page, button)
        assert "已签收" in page.locator("#paper").inner_text()
        page.locator("#paper").screenshot(path=str(SHOTS / "tongban-received.png"))
        # the 荔湾 window may read the case but not accept it
        clerk = STATE["clerk"]
        go(clerk, f"/workbench/cases/{STATE['case_no']}")
        assert clerk.locator("#act-accept").count() == 0
