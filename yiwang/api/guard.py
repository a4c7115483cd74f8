"""The request-size guard: pure ASGI middleware in front of every body parser.

Each request with a body falls into a route class with its own limit (``YIWANG_MAX_*_BYTES``): JSON and
other bodies, plain forms, license verification uploads, single-file uploads and multipart forms carrying
several files. A declared ``Content-Length`` above the limit is answered 413 before a byte of the body is
read; a body without one (chunked) is counted as it streams and cut off with 413 once it passes the limit.
Upload routes that need a login check the bearer token (API) or the page session (pages) here too, so an
anonymous upload is refused before its body is read or spooled to disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yiwang.core.config import get_settings

MULTIPART_FRAMING = 64 * 1024  # boundaries, part headers and the small fields beside a file

# (pattern, class, who may post): "api" = a valid bearer token, "web" = a valid page session, None = anyone
UPLOAD_ROUTES: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(p), kind, auth) for p, kind, auth in (
        (r"/api/v1/files", "file", "api"),
        (r"/api/v1/catalog/import", "multipart", "api"),
        (r"/api/v1/licenses/verify", "verify", None),
        (r"/verify", "verify", None),
        (r"/apply/[^/]+", "multipart", "web"),
        (r"/bundles/[^/]+/apply", "multipart", "web"),  # 一件事: one form, each material once
        (r"/workbench/bundles/intake/[^/]+", "multipart", "web"),
        (r"/my/cases/[^/]+/resubmit", "multipart", "web"),
        (r"/my/cases/[^/]+/supplement", "multipart", "web"),
        (r"/workbench/intake", "multipart", "web"),
        (r"/workbench/cases/[^/]+/actions", "multipart", "web"),
        (r"/workbench/pledge-checks/[^/]+/result", "file", "web"),  # 告知承诺核查: an evidence file
        (r"/admin/catalog/import", "multipart", "web"),
        (r"/admin/catalog/[^/]+/materials/[^/]+/file", "file", "web"),
        (r"/admin/calendar", "file", "web"),
        (r"/admin/halls/import", "file", "web"),  # 服务大厅: one JSON lines file
    ))


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit; the app's handler answers 413."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(413, f"请求内容超过 {_size(rule.limit)} 的上限")
        self.rule = rule


@dataclass(frozen=True)
class Rule:
    kind: str  # json | form | verify | file | multipart
    limit: int
    auth: str | None = None


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def rule_for(method: str, path: str, content_type: str) -> Rule:
    """The route class of a request and its body limit."""
    settings = get_settings()
    media = content_type.split(";", 1)[0].strip().lower()
    if method == "POST":
        for pattern, kind, auth in UPLOAD_ROUTES:
            if pattern.fullmatch(path):
                if kind == "verify":
                    return Rule(kind, settings.max_verify_bytes, auth)
                if media != "multipart/form-data":
                    return Rule("form", settings.max_form_bytes, auth)
                if kind == "file":
                    return Rule(kind, settings.max_upload_bytes + MULTIPART_FRAMING, auth)
                return Rule(kind, max(settings.max_multipart_bytes, settings.max_upload_bytes + MULTIPART_FRAMING),
                            auth)
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return Rule("form", settings.max_form_bytes)
    return Rule("json", settings.max_json_bytes)


def _credentials_valid(app: Any, kind: str, raw: str) -> bool:
    from yiwang.identity import service as identity

    make = app.state.session_factory
    with make() as session:
        return identity.resolve_actor(session, raw, kind) is not None


def _raw_credentials(request: Request, kind: str) -> str:
    if kind == "api":
        scheme, _, raw = request.headers.get("authorization", "").partition(" ")
        return raw.strip() if scheme.lower() == "bearer" else ""
    from yiwang.web.setup import session_cookie

    return session_cookie(request)  # under its https name (``__Host-``) when the pages use that


def _too_large(request: Request, rule: Rule) -> Response:
    from yiwang.api.errors import error_response

    field = "file" if rule.kind in ("file", "verify", "multipart") else None
    return error_response(request, 413, {"code": "too_large", "field": field,
                                         "message": f"请求内容超过 {_size(rule.limit)} 的上限"},
                          {"Connection": "close"})


def _unauthenticated(request: Request, path: str) -> Response:
    from yiwang.api.errors import error_response

    if path.startswith("/api/"):
        return error_response(request, 401, {"code": "unauthenticated", "field": None, "message": "请先登录"},
                              {"WWW-Authenticate": "Bearer", "Connection": "close"})
    target = "/staff/login" if path.startswith(("/workbench", "/admin")) else "/login"
    return RedirectResponse(f"{target}?next={path}", status_code=303, headers={"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = scope["path"]
        rule = rule_for(scope["method"], path, request.headers.get("content-type", ""))
        # an upload that needs a login is refused before anything else, its body unread
        if rule.auth is not None:
            raw = _raw_credentials(request, rule.auth)
            valid = bool(raw) and await anyio.to_thread.run_sync(_credentials_valid, scope["app"], rule.auth, raw)
            if not valid:
                await _unauthenticated(request, path)(scope, receive, send)
                return
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                from yiwang.api.errors import error_response

                response = error_response(request, 400, {"code": "bad_length", "field": None,
                                                         "message": "请求头 Content-Length 无效"})
                await response(scope, receive, send)
                return
            if int(declared) > rule.limit:
                await _too_large(request, rule)(scope, receive, send)
                return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > rule.limit:
                    raise BodyTooLarge(rule)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # the app did not turn it into a response (a parser swallowed the context): answer here
            if started:
                raise
            await _too_large(request, rule)(scope, receive, send)


def install(app: Any) -> None:
    async def too_large(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BodyTooLarge)
        return _too_large(request, exc.rule)

    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_middleware(BodyLimitMiddleware)
