"""Every route with a numeric path parameter answers a client error, never a 500, for a number larger than the
database's integers (SQLite's driver raises OverflowError on binding it; PostgreSQL a DataError)."""

from __future__ import annotations

import re

from tests import factories as f
from tests.hostile import login_token, routes
from tests.web.helpers import csrf_of

HUGE = str(10**20)


def _int_params(route) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in route.dependant.path_params if p.field_info.annotation is int]


def test_numeric_path_parameters_beyond_the_integers_are_client_errors(app, session) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    staff = f.staff(session, "everyone", ["admin", "handler", "approver", "supervisor"],
                    "区政务服务数据管理局")
    web, api = login_token(session, staff, "web"), login_token(session, staff, "api")
    session.commit()
    with TestClient(app, raise_server_exceptions=False) as client:
        _walk(app, client, web, api)


def _walk(app, client, web: str, api: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/workbench", headers={"Cookie": f"yw_session={web}"})
    token = csrf_of(page.text)
    tried, failures = 0, []
    for method, path, route in routes(app):
        params = _int_params(route)
        if method not in ("GET", "POST") or not params:
            continue
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m, p=params: HUGE if m.group(1) in p else "x", path)  # type: ignore[misc]
        if path.startswith("/api/"):
            r = client.request(method, url, headers={"Authorization": f"Bearer {api}"},
                               json={} if method == "POST" else None)
        else:
            r = client.request(method, url, headers={"Cookie": f"yw_session={web}"},
                               data={"csrf_token": token} if method == "POST" else None, follow_redirects=False)
        tried += 1
        if r.status_code >= 500:
            failures.append(f"{method} {path}: {r.status_code}")
    assert tried >= 5
    assert not failures, failures
