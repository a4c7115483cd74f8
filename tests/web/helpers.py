"""Page-test helpers: read the CSRF token off a page, log in through the forms."""

from __future__ import annotations

import re

from tests import factories as f


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def staff_login(client, login: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/staff/login", data={"username": login, "password": f.PASSWORD,
                                          "csrf_token": csrf(client, "/staff/login")}, follow_redirects=False)
    assert r.status_code == 303, r.text


def applicant_login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/login", data={"username": username, "password": f.PASSWORD, "csrf_token": csrf(client, "/login"),
                                    "next": "/my/cases"}, follow_redirects=False)
    assert r.status_code == 303, r.text
