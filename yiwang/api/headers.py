"""Security headers on every response (pure ASGI middleware), and the API documentation switch.

Pages get a Content-Security-Policy they satisfy (no inline script or style anywhere), framing is refused,
MIME sniffing is off, referrers stay on this site, browser features are switched off, HSTS is sent when
``YIWANG_HSTS_SECONDS`` > 0, and anything personal (a signed-in caller, a personal or staff page) is marked
``Cache-Control: no-store``. ``/api/docs`` and the OpenAPI document answer only when ``YIWANG_API_DOCS`` is on.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yiwang.core.config import get_settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
# the interactive API documentation (off in production) is Swagger UI: its page carries an inline start-up
# script and loads its bundle from a CDN, so it alone gets a wider policy
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
                      "browsing-topics=()")
DOCS_PATHS = frozenset({"/api/docs", "/api/docs/oauth2-redirect", "/api/v1/openapi.json"})
# pages that are about one person or for staff only
PRIVATE_PREFIXES = ("/my", "/workbench", "/console", "/admin", "/apply", "/login", "/staff/login", "/register",
                    "/progress", "/api/v1/auth")


def _session_cookies() -> tuple[str, str]:
    """The session cookie's names: plain, and with the ``__Host-`` prefix it has over https."""
    from yiwang.web.setup import SESSION_COOKIE

    return SESSION_COOKIE, f"__Host-{SESSION_COOKIE}"


def _private(request: Request, path: str) -> bool:
    if path.startswith("/static/"):
        return False
    return (path.startswith(PRIVATE_PREFIXES) or any(name in request.cookies for name in _session_cookies())
            or bool(request.headers.get("authorization")))


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        path = scope["path"]
        request = Request(scope)
        if path in DOCS_PATHS and not settings.api_docs:
            from yiwang.api.errors import error_response

            response = error_response(request, 404, {"code": "http_404", "field": None,
                                                     "message": "页面或资源不存在"})
            await response(scope, receive, self._send(send, path, private=False))
            return
        await self.app(scope, receive, self._send(send, path, private=_private(request, path)))

    def _send(self, send: Send, path: str, *, private: bool) -> Send:
        hsts = get_settings().hsts_seconds
        docs_page = path == "/api/docs" and get_settings().api_docs
        session_cookies = tuple(f"{name}=" for name in _session_cookies())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", DOCS_CSP if docs_page else CSP)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if hsts > 0:
                    headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
                if private or any(v.startswith(session_cookies) for v in headers.getlist("set-cookie")):
                    cache = headers.get("cache-control", "")
                    if "no-store" not in cache:
                        headers["Cache-Control"] = "no-store"
            await send(message)

        return send_with_headers


def install(app: Any) -> None:
    app.add_middleware(SecurityHeadersMiddleware)
