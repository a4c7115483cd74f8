"""What the walk-throughs do on a page: go to a URL, submit a form, take one workbench action — each visited
page passing the package's page checks (axe-core, WCAG 2.1 A/AA)."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import check_page


def base_of(page: Any) -> str:
    m = re.match(r"https?://[^/]+", page.url)
    assert m, page.url
    return m.group(0)


def go(page: Any, url: str) -> Any:
    response = page.goto(url if url.startswith("http") else base_of(page) + url)
    assert response is not None and response.status < 400, f"{url}: HTTP {response and response.status}"
    check_page(page)
    return page


def submit(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()
    check_page(page)


def act(page: Any, case_no: str, action: str, comment: str | None = None) -> None:
    """One workbench action through its form on the case page (``#act-<action>``), which must succeed."""
    go(page, f"/workbench/cases/{case_no}")
    box = page.locator(f"#act-{action}")
    assert box.count() == 1, f"{action} is not offered: {page.locator('#actions').inner_text()[:500]}"
    if comment is not None:
        box.locator("textarea[name=comment]").fill(comment)
    submit(page, box.locator("button"))
    assert page.locator(".alert, .field-error").count() == 0, page.locator(".alert, .field-error").first.inner_text()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload_and_submit(page: Any, tmp_path: Any) -> str:
    """On the apply page: a PDF for every material, the pledge where offered, 提交申请; the new case's number."""
    sample = tmp_path / "材料.pdf"
    sample.write_bytes(PDF)
    for field in page.locator("main input[type=file]").all():
        field.set_input_files(str(sample))
    if page.locator("#pledge").count():
        page.check("#pledge")
    submit(page, page.locator("button[name=intent][value=submit]"))
    assert "/my/cases/" in page.url, page.locator("main").inner_text()[:800]
    return str(page.url.split("/my/cases/")[1].split("?")[0])
