"""Layout in a real browser: facts lists (<dl class="facts">) show one label/value row per fact (issue 12
item 3), and no main page scrolls sideways on a 390 px phone, in standard and elder mode (item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import check_page, first_href, horizontal_overflow, new_page
from tests.browser.live import Deployment

pytestmark = pytest.mark.browser

PHONE = 390


@pytest.fixture(scope="module")
def urls(browser: Any, live: Deployment) -> dict[str, str]:
    """Addresses of demo pages: 张三's licence and case, a workbench case, a 督办单, an item guide."""
    applicant = new_page(browser, live, "applicant")
    handler = new_page(browser, live, "handler")
    base = live.base
    found = {
        "licence": first_href(applicant, base + "/my/licenses", "main a[href^='/my/licenses/']"),
        "my_case": first_href(applicant, base + "/my/cases", "main a[href^='/my/cases/']"),
        "staff_case": first_href(handler, base + "/workbench/cases?view=all", "main a[href^='/workbench/cases/']"),
        "staff_licence": first_href(handler, base + "/workbench/licenses", "main a[href^='/workbench/licenses/']"),
    }
    found["verify"] = "/verify/" + found["licence"].rstrip("/").rsplit("/", 1)[1]
    apply_link = first_href(applicant, base + "/items?q=食品经营许可", "main a[href^='/items/']")
    found["item"] = apply_link
    found["apply"] = "/apply/" + apply_link.rsplit("/", 1)[1]
    supervisor = new_page(browser, live, "supervisor")
    supervisor.goto(base + "/console/orders")
    orders = supervisor.locator("main a[href^='/console/orders/']")
    if orders.count():
        found["order"] = str(orders.first.get_attribute("href"))
    else:  # issue one through the form
        supervisor.select_option("#o-dept", label="广州市越秀区市场监督管理局")
        supervisor.fill("#o-subject", "办件逾期未答复")
        supervisor.fill("#o-content", "请说明原因并加快办理。")
        with supervisor.expect_navigation():
            supervisor.locator("main form[action='/console/orders'] button.primary").click()
        found["order"] = supervisor.url.split(base, 1)[1].split("?")[0]
    for page in (applicant, handler, supervisor):
        page.context.close()
    return found


def _fact_rows(page: Any) -> list[tuple[int, int]]:
    """Per <dl class="facts">: (number of facts, number of distinct lines their labels sit on)."""
    return [tuple(x) for x in page.evaluate(
        """() => [...document.querySelectorAll('dl.facts')].map(dl => {
             const dts = [...dl.querySelectorAll(':scope > dt')];
             const tops = new Set(dts.map(dt => Math.round(dt.getBoundingClientRect().top)));
             const sameLine = dts.filter(dt => { const dd = dt.nextElementSibling; if (!dd) return false;
               const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
               return b.top >= a.top - 2 && b.top < a.bottom + 2 && b.left >= a.right - 1; }).length;
             return [dts.length, tops.size, sameLine];
           })""")]


@pytest.mark.parametrize("width", [1280, PHONE])
@pytest.mark.parametrize("key,role", [("licence", "applicant"), ("staff_licence", "handler"),
                                      ("verify", None), ("order", "supervisor")])
def test_item3_facts_are_label_value_rows(browser: Any, live: Deployment, urls: dict[str, str], key: str,
                                          role: str | None, width: int) -> None:
    if key not in urls:
        pytest.skip(f"the demo has no {key} page")
    page = new_page(browser, live, role, width=width)
    try:
        page.goto(live.base + urls[key])
        rows = _fact_rows(page)
        assert rows, f"{urls[key]} shows no facts list"
        for facts, lines, beside in rows:
            assert lines == facts, f"{urls[key]} at {width}px: {facts} facts on {lines} lines"
            assert beside == facts, f"{urls[key]} at {width}px: only {beside} of {facts} values beside their label"
    finally:
        page.context.close()


def test_item3_verify_upload_result_facts(browser: Any, live: Deployment, urls: dict[str, str], tmp_path: Any) -> None:
    """The verify-upload result lists its facts as rows too (whatever the verdict)."""
    applicant = new_page(browser, live, "applicant")
    try:
        applicant.goto(live.base + urls["licence"])
        with applicant.expect_download() as download:
            applicant.get_by_role("link", name="下载签章 PDF").click()
        pdf = tmp_path / "licence.pdf"
        download.value.save_as(pdf)
        applicant.goto(live.base + "/verify")
        applicant.set_input_files("#file", str(pdf))
        with applicant.expect_navigation():
            applicant.locator("main form button.primary").click()
        check_page(applicant)
        for facts, lines, beside in _fact_rows(applicant):
            assert lines == facts and beside == facts, (facts, lines, beside)
    finally:
        applicant.context.close()


PHONE_PAGES = [("/", None), ("/items", None), ("item", None), ("apply", "applicant"), ("my_case", "applicant"),
               ("licence", "applicant"), ("verify", None), ("/progress", None), ("staff_case", "handler"),
               ("/workbench/cases?view=all", "handler"), ("/console", "supervisor"), ("order", "supervisor"),
               ("/console/rules", "supervisor"), ("/themes", None), ("/departments", None),
               ("/announcements", None), ("/items?audience=person", None), ("/my/phone", "applicant")]


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("role", ["applicant", None, "handler", "supervisor"], ids=lambda r: r or "anonymous")
def test_item4_no_horizontal_scroll_at_390px(browser: Any, live: Deployment, urls: dict[str, str],
                                            role: str | None, elder: bool) -> None:
    page = new_page(browser, live, role, width=PHONE, elder=elder)
    problems = []
    try:
        for key, who in PHONE_PAGES:
            if who != role:
                continue
            url = key if key.startswith("/") else urls.get(key)
            if url is None:
                continue
            page.goto(live.base + url)
            assert (page.locator("body.elder").count() == 1) == elder
            check_page(page)  # axe-core at phone width, in both modes
            over = horizontal_overflow(page)
            if over > 0:
                wide = page.evaluate(
                    """() => [...document.querySelectorAll('main *, header *, footer *')]
                         .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                         .slice(0, 3).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""")
                problems.append(f"{url} scrolls sideways by {over}px: {wide}")
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()


def test_item4_header_and_footer_links_do_not_break_inside_words(browser: Any, live: Deployment) -> None:
    """At 390 px every header and footer link sits on one line (wrapping happens between links)."""
    for elder in (False, True):
        page = new_page(browser, live, "applicant", width=PHONE, elder=elder)
        try:
            page.goto(live.base + "/")
            broken = page.evaluate(
                """() => [...document.querySelectorAll('header a, header button, footer a')]
                     .filter(a => a.getClientRects().length > 1).map(a => a.textContent.trim())""")
            assert not broken, f"links broken across lines (elder={elder}): {broken}"
        finally:
            page.context.close()
