"""Row 5: the CSRF token is bound to the page session and changes at login (a login always starts a new session,
ending any session the browser had — also one an attacker planted); cookies are HttpOnly and SameSite=Lax, and
over https (directly or as a trusted proxy says) Secure with the ``__Host-`` prefix."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.notify import factories as nf
from tests.web.helpers import applicant_login, csrf, csrf_of
from yiwang.identity import service as identity

pytestmark = pytest.mark.db


def set_cookies(response) -> dict[str, SimpleCookie]:  # type: ignore[no-untyped-def]
    out = {}
    for raw in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(raw)
        for name in jar:
            out[name] = jar
            out[name + "#raw"] = raw  # type: ignore[assignment]
    return out


def test_the_token_is_bound_to_the_session_and_rotates_at_login(client, session) -> None:  # type: ignore[no-untyped-def]
    _, alice = f.person(session, "甲")
    _, bob = f.person(session, "乙")
    session.commit()
    anonymous = csrf(client, "/login")
    applicant_login(client, alice)
    alice_token = csrf(client, "/my/cases")
    assert alice_token != anonymous
    # the token from before the login is dead now
    r = client.post("/elder-mode", data={"on": "1", "csrf_token": anonymous}, follow_redirects=False)
    assert r.status_code == 403
    assert client.post("/elder-mode", data={"on": "1", "csrf_token": alice_token}, follow_redirects=False).status_code == 303
    # another person's token does not fit this session
    with TestClient(client.app) as other:
        applicant_login(other, bob)
        bob_token = csrf(other, "/my/cases")
    assert bob_token != alice_token
    assert client.post("/elder-mode", data={"on": "1", "csrf_token": bob_token}, follow_redirects=False).status_code == 403
    # a new login in the same browser: new session, new token
    applicant_login(client, alice)
    assert csrf(client, "/my/cases") != alice_token
    assert client.post("/elder-mode", data={"on": "1", "csrf_token": alice_token}, follow_redirects=False).status_code == 403


def test_login_ends_a_planted_session(client, session) -> None:  # type: ignore[no-untyped-def]
    attacker, _ = f.person(session, "丙")
    _, victim = f.person(session, "丁")
    planted, _ = identity.issue_token(session, attacker, "web")
    session.commit()
    client.cookies.set("yw_session", planted)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": victim, "password": f.PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    new = set_cookies(r)["yw_session"]["yw_session"].value
    assert new and new != planted
    session.expire_all()
    assert identity.resolve_token(session, planted, "web") is None  # the planted session is over


def test_cookie_flags_over_plain_http(client, session) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    page = client.get("/login")
    raw = set_cookies(page)["yw_csrf#raw"]
    assert "HttpOnly" in raw and "SameSite=lax" in raw and "Secure" not in raw
    r = client.post("/login", data={"username": number, "password": f.PASSWORD, "csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    raw = set_cookies(r)["yw_session#raw"]
    assert "HttpOnly" in raw and "SameSite=lax" in raw and "Path=/" in raw and "Secure" not in raw


def https_login(client: TestClient, number: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    page = client.get("/login", headers=headers)
    token = csrf_of(page.text)
    return page, client.post("/login", data={"username": number, "password": f.PASSWORD, "csrf_token": token},
                             headers=headers, follow_redirects=False)


def test_over_https_cookies_are_secure_host_cookies(app, session) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    with TestClient(app, base_url="https://testserver") as client:
        page, r = https_login(client, number)
        assert "__Host-yw_csrf" in set_cookies(page)
        raw = set_cookies(r)["__Host-yw_session#raw"]
        assert "Secure" in raw and "HttpOnly" in raw and "Path=/" in raw and "Domain" not in raw
        home = client.get("/my/cases")  # the session works under its new name
        assert home.status_code == 200
        assert client.post("/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False).status_code == 303
        # a plain-named cookie (which a sibling subdomain could set) is not a session over https
        planted, _ = identity.issue_token(session, identity.authenticate(session, number, f.PASSWORD), "web")
        session.commit()
        client.cookies.clear()
        client.cookies.set("yw_session", planted)
        assert client.get("/my/cases", follow_redirects=False).status_code == 303


def test_forwarded_proto_only_from_a_trusted_proxy(engine) -> None:  # type: ignore[no-untyped-def]
    from yiwang.app import create_app

    https = {"X-Forwarded-Proto": "https"}
    with TestClient(create_app(engine)) as client:  # default: nobody is trusted
        assert list(set_cookies(client.get("/login", headers=https))) == ["yw_csrf", "yw_csrf#raw"]
    with nf.settings(trusted_proxies="10.0.0.0/8"):
        with TestClient(create_app(engine), client=("10.1.2.3", 5000)) as client:
            cookies = set_cookies(client.get("/login", headers=https))
            assert "Secure" in cookies["__Host-yw_csrf#raw"]  # type: ignore[operator]
        with TestClient(create_app(engine), client=("192.0.2.9", 5000)) as client:
            assert "yw_csrf" in set_cookies(client.get("/login", headers=https))


@pytest.mark.parametrize(("mode", "secure"), [("true", True), ("false", False)])
def test_cookie_secure_setting(engine, session, mode: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
    from yiwang.app import create_app

    with nf.settings(cookie_secure=mode):
        with TestClient(create_app(engine), base_url="https://testserver" if not secure else "http://testserver") as c:
            page = c.get("/login")
            names = [n for n in set_cookies(page) if not n.endswith("#raw")]
            assert names == (["__Host-yw_csrf"] if secure else ["yw_csrf"])
            assert re.search(r'name="csrf_token" value="[^"]+"', page.text)
