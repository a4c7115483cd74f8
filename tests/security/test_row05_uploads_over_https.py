"""Rows 5 and 7 together: over https the session cookie is ``__Host-yw_session``; the request-size guard, which
checks the login before an upload's body is read, must find it under that name (directly over https and behind
a trusted proxy that says https), or every upload form of a signed-in user is sent back to the login page."""

from __future__ import annotations

import io
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.hostile import login_token
from tests.notify import factories as nf
from tests.web.helpers import csrf_of

pytestmark = pytest.mark.db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    jar: SimpleCookie = SimpleCookie()
    for raw in response.headers.get_list("set-cookie"):
        jar.load(raw)
    return f"{name}={jar[name].value}"


def _upload_after_login(client: TestClient, number: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    # cookies by hand: the test client talks plain http to the app (as a proxy does), so it keeps Secure cookies
    headers = headers or {}
    login = client.get("/login", headers=headers)
    r = client.post("/login", data={"username": number, "password": f.PASSWORD, "csrf_token": csrf_of(login.text)},
                    headers=headers | {"Cookie": _cookie(login, "__Host-yw_csrf")}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    session_cookie = {"Cookie": _cookie(r, "__Host-yw_session")}
    client.cookies.clear()
    page = client.get("/my/cases", headers=headers | session_cookie)
    assert page.status_code == 200
    return client.post("/my/cases/NO-SUCH-CASE/resubmit", data={"comment": "补正", "csrf_token": csrf_of(page.text)},
                       files={"c0": ("c0.pdf", io.BytesIO(PDF), "application/pdf")}, headers=headers | session_cookie,
                       follow_redirects=False)


def _past_the_guard(r) -> bool:  # type: ignore[no-untyped-def]
    return not (r.status_code in (303, 401) and "login" in r.headers.get("location", "login"))


def test_an_upload_over_https_passes_the_guard(app, session) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    with TestClient(app, base_url="https://testserver") as client:
        r = _upload_after_login(client, number)
    assert _past_the_guard(r), (r.status_code, r.headers.get("location"))
    assert r.status_code == 404


def test_an_upload_behind_a_trusted_https_proxy_passes_the_guard(engine, session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.app import create_app

    _, number = f.person(session)
    session.commit()
    with nf.settings(trusted_proxies="10.0.0.0/8"):
        with TestClient(create_app(engine), client=("10.1.2.3", 5000)) as client:
            r = _upload_after_login(client, number, {"X-Forwarded-Proto": "https"})
    assert _past_the_guard(r), (r.status_code, r.headers.get("location"))
    assert r.status_code == 404


def test_signed_in_pages_over_https_are_not_stored(app, session) -> None:  # type: ignore[no-untyped-def]
    """Row 9 under row 5's cookie name: a signed-in visitor's public pages (which greet them by name) are not
    stored by caches over https either."""
    actor, _ = f.person(session)
    web = login_token(session, actor, "web")
    session.commit()
    with TestClient(app, base_url="https://testserver") as client:
        assert "no-store" not in client.get("/items").headers.get("cache-control", "")
        for path in ("/", "/items"):
            r = client.get(path, headers={"Cookie": f"__Host-yw_session={web}"}, follow_redirects=False)
            assert r.status_code == 200 and "no-store" in r.headers.get("cache-control", ""), path
