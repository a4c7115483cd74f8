"""Fixtures of the browser suite: one served demo deployment and one headless chromium per session, a
browser context per role, and the page checks every visited page goes through (axe-core, WCAG 2.1 AA)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.live import (
    AXE,
    Deployment,
    Unavailable,
    launch_browser,
    login,
    scratch_database,
    serve_demo,
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROLES = {"applicant": ("440104199003071239", False), "clerk": ("clerk", True), "handler": ("handler", True),
         "checker": ("checker", True), "approver": ("approver", True), "supervisor": ("supervisor", True),
         "admin": ("admin", True), "catalog": ("catalog", True),
         # 并联审批 branch departments (demo staff of the fire brigade and the environment branch)
         "fire_handler": ("fire_handler", True), "eco_handler": ("eco_handler", True)}


@pytest.fixture(scope="package")  # one deployment for this package
def live() -> Iterator[Deployment]:
    try:
        with scratch_database() as url, serve_demo(url) as dep:
            yield dep
    except Unavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="package")  # torn down after this package: Playwright keeps an event loop running
def browser() -> Iterator[Any]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser-deps` (scripts/browser_deps.sh)")
    if sync_playwright is None:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


class Roles:
    """One logged-in page per role, each in its own browser context (its own cookies)."""

    def __init__(self, browser: Any, live: Deployment) -> None:
        self.browser, self.live = browser, live
        self._pages: dict[str, Any] = {}

    def __getitem__(self, role: str) -> Any:
        if role not in self._pages:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                               accept_downloads=True)
            context.set_default_timeout(15_000)
            if role == "anonymous":
                self._pages[role] = context.new_page()
            else:
                username, staff = ROLES[role]
                self._pages[role] = login(context, self.live.base, username, staff=staff)
        return self._pages[role]

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()


@pytest.fixture(scope="package")
def roles(browser: Any, live: Deployment) -> Iterator[Roles]:
    r = Roles(browser, live)
    yield r
    r.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through DevTools, which the page's CSP (script-src 'self') does not govern
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
           }""", AXE_TAGS)
    return result


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"]:
            lines.append(f"      at {n['target']}")
            for s in (n["summary"] or "").splitlines():
                lines.append(f"         {s}")
    return "\n".join(lines)


def check_page(page: Any) -> None:
    """The checks every visited page passes: a real page (no server error) with zero axe violations."""
    title = page.title()
    assert not title.startswith("出错了"), f"{page.url} shows an error page: {page.locator('main').inner_text()[:300]}"
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it fits)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)


def new_page(browser: Any, live: Deployment, role: str | None = None, *, width: int = 1280,
             elder: bool = False) -> Any:
    """A page in a fresh context of the given width, logged in as ``role`` (None: anonymous), optionally
    in elder mode (the cookie the 长者模式 button sets)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    if elder:
        host = live.base.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "yw_elder", "value": "1", "domain": host, "path": "/"}])
    if role is None:
        return context.new_page()
    username, staff = ROLES[role]
    return login(context, live.base, username, staff=staff)


def first_href(page: Any, url: str, selector: str) -> str:
    """The first link matching ``selector`` on ``url`` (demo data the page lists)."""
    page.goto(url)
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no {selector} on {url}"
    return str(href)


def screenshots(page: Any, stem: str, widths: tuple[int, ...] = (1280, 390)) -> None:
    """Full-page screenshots at each width to /tmp/<stem>-<width>.png, the viewport restored afterwards."""
    size = page.viewport_size
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"/tmp/{stem}-{width}.png", full_page=True)
    finally:
        page.set_viewport_size(size)

