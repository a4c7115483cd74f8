"""Row 7: request bodies are limited per route class before they are parsed, and an upload that needs a login
is refused before its body is read.

The requests are driven straight through the ASGI interface with a ``receive`` that counts what the app pulled,
so "refused before the body was read" is measured, not assumed.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests import factories as f
from tests.hostile import login_token
from yiwang.core.config import reset_settings
from yiwang.web.setup import SESSION_COOKIE

MB = 1024 * 1024
MULTIPART_HEAD = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
                  b"Content-Type: application/pdf\r\n\r\n")


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: bytes
    chunks_read: int = 0
    bytes_read: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def drive(app: Any, path: str, *, headers: dict[str, str], total: int, chunk: int = 64 * 1024,
          declare_length: bool = True, payload: bytes | None = None) -> Result:
    """POST ``total`` bytes (or ``payload``) to ``path`` through ASGI; count the chunks the app asked for."""
    data = payload if payload is not None else None
    size = len(data) if data is not None else total
    # a multipart body is a well-formed file part followed by filler, so the parser keeps reading
    prefix = MULTIPART_HEAD if "multipart" in headers.get("content-type", "") else b""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if declare_length:
        raw_headers.append((b"content-length", str(size).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": raw_headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    state = {"sent": 0, "chunks": 0}
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        if state["sent"] >= size:
            await asyncio.sleep(3600)  # the client is waiting for the answer
        n = min(chunk, size - state["sent"])
        if data is not None:
            body = data[state["sent"]:state["sent"] + n]
        elif state["sent"] == 0 and prefix:
            body = (prefix + b"0" * n)[:n]
        else:
            body = b"0" * n
        state["sent"] += n
        state["chunks"] += 1
        return {"type": "http.request", "body": body, "more_body": state["sent"] < size}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=60))
    return Result(out["status"], out["headers"], out["body"], state["chunks"], state["sent"])


@pytest.fixture()
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("YIWANG_MAX_JSON_BYTES", str(64 * 1024))
    monkeypatch.setenv("YIWANG_MAX_FORM_BYTES", str(64 * 1024))
    monkeypatch.setenv("YIWANG_MAX_VERIFY_BYTES", str(256 * 1024))
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_a_declared_oversized_json_body_is_refused_with_413_before_it_is_read(app) -> None:  # type: ignore[no-untyped-def]
    r = drive(app, "/api/v1/auth/login", headers={"content-type": "application/json"}, total=300 * MB)
    assert r.status == 413 and r.chunks_read == 0
    assert r.json() == {"error": {"code": "too_large", "field": None, "message": "请求内容超过 1 MB 的上限"}}


def test_a_chunked_json_body_is_cut_off_once_it_passes_the_limit(app, small_limits) -> None:  # type: ignore[no-untyped-def]
    r = drive(app, "/api/v1/auth/login", headers={"content-type": "application/json"}, total=50 * MB,
              chunk=16 * 1024, declare_length=False)
    assert r.status == 413, r.body
    assert r.json()["error"]["code"] == "too_large"
    assert r.bytes_read <= 64 * 1024 + 16 * 1024  # stopped right after the limit, not at 50 MB


def test_a_json_body_under_the_limit_still_works(client, session) -> None:  # type: ignore[no-untyped-def]
    actor, number = f.person(session)
    session.commit()
    assert f.api_login(client, number)["Authorization"].startswith("Bearer ")


def test_an_anonymous_verification_upload_is_limited_before_it_is_read(app) -> None:  # type: ignore[no-untyped-def]
    r = drive(app, "/api/v1/licenses/verify", headers={"content-type": "multipart/form-data; boundary=x"},
              total=400 * MB)
    assert r.status == 413 and r.chunks_read == 0
    assert r.json()["error"] == {"code": "too_large", "field": "file", "message": "请求内容超过 10 MB 的上限"}
    page = drive(app, "/verify", headers={"content-type": "multipart/form-data; boundary=x", "accept": "text/html"},
                 total=400 * MB)
    assert page.status == 413 and page.chunks_read == 0
    assert page.headers["content-type"].startswith("text/html") and "请求内容超过 10 MB 的上限" in page.text


def test_a_chunked_verification_upload_is_cut_off(app, small_limits) -> None:  # type: ignore[no-untyped-def]
    r = drive(app, "/api/v1/licenses/verify", headers={"content-type": "multipart/form-data; boundary=x"},
              total=20 * MB, declare_length=False)
    assert r.status == 413 and r.bytes_read <= 256 * 1024 + 64 * 1024
    assert r.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("token", [None, "not-a-token", "expired"])
def test_an_unauthenticated_50mb_upload_is_refused_before_the_body_is_read(app, session, token) -> None:  # type: ignore[no-untyped-def]
    headers = {"content-type": "multipart/form-data; boundary=x"}
    if token == "expired":
        actor, _ = f.person(session)
        raw = login_token(session, actor, "web")  # a page session is no bearer token
        session.commit()
        headers["authorization"] = f"Bearer {raw}"
    elif token:
        headers["authorization"] = f"Bearer {token}"
    for declare in (True, False):
        r = drive(app, "/api/v1/files", headers=headers, total=50 * MB, declare_length=declare)
        assert r.status == 401 and r.chunks_read == 0, (declare, r.status, r.body[:200])
        assert r.json()["error"]["code"] == "unauthenticated" and r.headers["www-authenticate"] == "Bearer"
    r = drive(app, "/api/v1/catalog/import", headers=headers, total=50 * MB)
    assert r.status == 401 and r.chunks_read == 0


@pytest.mark.parametrize("path, login", [("/apply/X1", "/login"), ("/my/cases/X1/resubmit", "/login"),
                                         ("/workbench/intake", "/staff/login"),
                                         ("/workbench/cases/X1/actions", "/staff/login"),
                                         ("/admin/catalog/import", "/staff/login"),
                                         ("/admin/catalog/X1/materials/1/file", "/staff/login"),
                                         ("/admin/calendar", "/staff/login")])
def test_a_web_upload_without_a_session_is_sent_to_login_before_the_body_is_read(app, path, login) -> None:  # type: ignore[no-untyped-def]
    for cookie in ("", f"{SESSION_COOKIE}=forged"):
        headers = {"content-type": "multipart/form-data; boundary=x"} | ({"cookie": cookie} if cookie else {})
        r = drive(app, path, headers=headers, total=50 * MB)
        assert r.status == 303 and r.chunks_read == 0
        assert r.headers["location"] == f"{login}?next={path}"


def test_an_authenticated_upload_over_the_file_limit_is_refused_while_streaming(app, session) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw = login_token(session, actor, "api")
    session.commit()
    headers = {"content-type": "multipart/form-data; boundary=x", "authorization": f"Bearer {raw}"}
    declared = drive(app, "/api/v1/files", headers=headers, total=50 * MB)
    assert declared.status == 413 and declared.chunks_read == 0
    streamed = drive(app, "/api/v1/files", headers=headers, total=50 * MB, declare_length=False)
    assert streamed.status == 413 and streamed.bytes_read <= 21 * MB
    assert streamed.json()["error"]["code"] == "too_large"


def test_an_authenticated_upload_within_the_limit_is_accepted(client, session) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw = login_token(session, actor, "api")
    session.commit()
    pdf = b"%PDF-1.4\n" + b"0" * 1000 + b"\n%%EOF\n"
    r = client.post("/api/v1/files", files={"file": ("a.pdf", io.BytesIO(pdf), "application/pdf")},
                    headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 201, r.text


def test_a_form_post_is_limited_with_a_chinese_page(app, small_limits) -> None:  # type: ignore[no-untyped-def]
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = drive(app, "/login", headers={"content-type": content_type}, total=10 * MB)
        assert r.status == 413 and r.chunks_read == 0
        assert r.headers["content-type"].startswith("text/html") and "请求内容超过 64 KB 的上限" in r.text
        streamed = drive(app, "/login", headers={"content-type": content_type}, total=10 * MB, declare_length=False)
        assert streamed.status == 413 and streamed.bytes_read <= 128 * 1024
        assert "请求内容超过 64 KB 的上限" in streamed.text


def test_a_multipart_body_on_a_route_without_uploads_gets_the_form_limit(app) -> None:  # type: ignore[no-untyped-def]
    # /login takes form fields only: a 30 MB multipart is refused by the form limit, not the upload limits
    r = drive(app, "/api/v1/auth/login", headers={"content-type": "multipart/form-data; boundary=x"}, total=30 * MB)
    assert r.status == 413 and r.chunks_read == 0


def test_an_invalid_content_length_is_a_bad_request(app) -> None:  # type: ignore[no-untyped-def]
    r = drive(app, "/api/v1/auth/login", headers={"content-type": "application/json", "content-length": "-5"},
              total=10, declare_length=False)
    assert r.status == 400 and r.json()["error"]["code"] == "bad_length"


def test_every_upload_form_in_the_pages_posts_to_an_upload_route() -> None:
    """A form that sends files must post to a route the guard knows as an upload route (with its login check and
    upload limit); otherwise its files would meet the 1 MB form limit."""
    import re
    from pathlib import Path

    from yiwang.api.guard import rule_for

    templates = Path(__file__).resolve().parents[2] / "yiwang" / "web" / "templates"
    found = []
    for path in templates.rglob("*.html"):
        for form in re.finditer(r"<form\b[^>]*>", path.read_text(encoding="utf-8")):
            tag = form.group(0)
            if "multipart/form-data" not in tag:
                continue
            action = re.search(r'action="([^"]+)"', tag)
            assert action, (path.name, tag)
            url = re.sub(r"\{\{[^}]*\}\}", "X1", action.group(1))
            url = "/my/cases/X1" + url.removeprefix("X1") if url.startswith("X1/") else url
            found.append(url)
            assert rule_for("POST", url, "multipart/form-data; boundary=x").kind in ("file", "multipart", "verify"), \
                (path.name, url)
    assert len(found) >= 8
