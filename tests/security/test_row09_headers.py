"""Row 9: security headers on every response (pages, API, static files, errors), personal responses not
cacheable, the API documentation off unless switched on, and templates the CSP does not have to forgive."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories as f
from tests.hostile import login_token
from yiwang.core.config import reset_settings
from yiwang.web.setup import SESSION_COOKIE

TEMPLATES = Path(__file__).resolve().parents[2] / "yiwang" / "web" / "templates"
STATIC = Path(__file__).resolve().parents[2] / "yiwang" / "web" / "static"

REQUIRED_CSP = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "object-src 'none'"]


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    reset_settings()


def _assert_hardened(r, *, hsts: bool = False) -> None:  # type: ignore[no-untyped-def]
    directives = [d.strip() for d in r.headers["content-security-policy"].split(";")]
    for directive in REQUIRED_CSP:
        assert directive in directives, (r.url, directive, directives)
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert "camera=()" in r.headers["permissions-policy"] and "geolocation=()" in r.headers["permissions-policy"]
    assert ("strict-transport-security" in r.headers) == hsts


def test_pages_api_static_and_errors_carry_the_security_headers(client, session) -> None:  # type: ignore[no-untyped-def]
    for path, status in [("/", 200), ("/items", 200), ("/login", 200), ("/api/v1/health", 200),
                         ("/static/yiwang.css", 200), ("/no-such-page", 404), ("/api/v1/no-such", 404),
                         ("/api/v1/cases", 401)]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == status, (path, r.status_code)
        _assert_hardened(r)
    r = client.post("/api/v1/auth/login", content=b"{" * (2 * 1024 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413
    _assert_hardened(r)


def test_hsts_is_sent_only_when_configured(client, env) -> None:  # type: ignore[no-untyped-def]
    assert "strict-transport-security" not in client.get("/").headers
    env.setenv("YIWANG_HSTS_SECONDS", "31536000")
    reset_settings()
    r = client.get("/")
    _assert_hardened(r, hsts=True)
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_personal_pages_and_authenticated_api_answers_are_not_stored(client, session) -> None:  # type: ignore[no-untyped-def]
    actor, number = f.person(session)
    web = login_token(session, actor, "web")
    api = login_token(session, actor, "api")
    session.commit()
    # public pages and static files may be cached
    assert "no-store" not in client.get("/items").headers.get("cache-control", "")
    assert "no-store" not in client.get("/static/yiwang.css").headers.get("cache-control", "")
    # anything for a signed-in person is not
    for path in ("/my/cases", "/my/licenses", "/", "/items"):
        r = client.get(path, headers={"Cookie": f"{SESSION_COOKIE}={web}"}, follow_redirects=False)
        assert r.status_code == 200 and "no-store" in r.headers["cache-control"], path
    r = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {api}"})
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    # the login answer that sets the session cookie, and staff pages even when signed out
    r = client.post("/api/v1/auth/login", json={"username": number, "password": f.PASSWORD})
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    for path in ("/workbench", "/admin", "/console", "/login"):
        assert "no-store" in client.get(path, follow_redirects=False).headers["cache-control"], path


def test_api_docs_are_off_by_default_and_on_when_configured(client, env) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/docs", "/api/v1/openapi.json"):
        r = client.get(path)
        assert r.status_code == 404, path
        _assert_hardened(r)
    assert 'href="/api/docs"' not in client.get("/").text
    env.setenv("YIWANG_API_DOCS", "true")
    reset_settings()
    assert client.get("/api/v1/openapi.json").json()["info"]["title"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert 'href="/api/docs"' in client.get("/").text


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"(src|href)\s*=\s*[\"']?(https?:)?//", re.I), "resource from another origin"),
]


def test_no_template_carries_inline_script_style_or_event_handlers() -> None:
    problems = []
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}: {m.group(0)!r}")
    for path in STATIC.rglob("*.css"):
        if re.search(r"@import|url\(\s*[\"']?(https?:)?//", path.read_text(encoding="utf-8")):
            problems.append(f"{path.name}: loads from another origin")
    assert not problems, "\n".join(problems)


def test_the_walker_catches_what_it_looks_for() -> None:
    samples = ['<script>alert(1)</script>', '<p style="color:red">', '<style>p{}</style>',
               '<a onclick="x()">', '<a href="javascript:history.back()">', '<img src="https://cdn.example/x.png">']
    for sample in samples:
        assert any(p.search(sample) for p, _ in INLINE), sample
    assert not any(p.search('<script src="/static/app.js"></script>') for p, _ in INLINE[:1])
