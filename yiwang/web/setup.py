"""Templates, the page session (cookie) and CSRF protection shared by every page router."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.codes import mask_id_number, mask_name
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, PermissionDenied
from yiwang.core.permissions import ANONYMOUS, Actor, Perm
from yiwang.identity import service as identity

SESSION_COOKIE = "yw_session"
CSRF_COOKIE = "yw_csrf"
TEMPLATES_DIR = Path(__file__).parent / "templates"


def _local(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the deployment's time zone (Asia/Shanghai); accepts datetimes and ISO 8601 strings."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if not isinstance(value, dt.datetime):
            return str(value)
    return clock.to_local(value).strftime(fmt)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["local"] = _local
    env.filters["mask_id"] = mask_id_number
    env.filters["mask_name"] = mask_name
    env.globals["Perm"] = Perm
    # capabilities whose pages exist in this build (links to missing pages are not shown)
    env.globals["features"] = {"apply": True}
    env.globals["api_docs"] = lambda: get_settings().api_docs
    return templates


class PageSecurityError(PermissionDenied):
    code = "csrf"


# --- cookies ---------------------------------------------------------------------------------------------

def cookie_secure(request: Request) -> bool:
    """Whether cookies get ``Secure`` and the ``__Host-`` prefix: YIWANG_COOKIE_SECURE true / false, or (auto)
    when this request came over https (directly, or as a trusted proxy says: YIWANG_TRUSTED_PROXIES)."""
    mode = str(get_settings().cookie_secure).strip().lower()
    if mode in ("true", "1", "yes", "on"):
        return True
    if mode in ("false", "0", "no", "off"):
        return False
    return request.url.scheme == "https"


def cookie_name(request: Request, base: str) -> str:
    """``__Host-`` cookies are Secure, host-only and path=/: a sibling subdomain cannot plant them."""
    return f"__Host-{base}" if cookie_secure(request) else base


def set_cookie(request: Request, response: Any, base: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(cookie_name(request, base), value, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=cookie_secure(request))


def delete_cookie(request: Request, response: Any, base: str) -> None:
    response.delete_cookie(cookie_name(request, base), path="/", httponly=True, samesite="lax",
                           secure=cookie_secure(request))


def session_cookie(request: Request) -> str:
    return request.cookies.get(cookie_name(request, SESSION_COOKIE), "")


# --- CSRF ------------------------------------------------------------------------------------------------
# With a page session, the token is an HMAC of the session secret under the secret key: bound to that session,
# it changes at every login (a login always starts a new session) and cannot be made without the session.
# Without one (the login and registration forms), it is a double-submit of a random nonce signed with the
# secret key and kept in an HttpOnly cookie, so it can be neither read by scripts nor planted.

def _mac(purpose: str, value: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"{purpose}|{value}".encode(), "sha256").hexdigest()[:32]


def _session_token(raw_session: str) -> str:
    return "s." + _mac("csrf-session", raw_session)


def csrf_token(request: Request) -> str:
    """The visitor's CSRF token for the forms of this page."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    raw = session_cookie(request)
    if raw:
        token = _session_token(raw)
    else:
        cookie = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
        if _valid_csrf_cookie(cookie):
            token = cookie
        else:
            nonce = secrets.token_urlsafe(18)
            token = f"{nonce}.{_sign(nonce)}"
            request.state.set_csrf_cookie = token
    request.state.csrf_token = token
    return token


def _sign(nonce: str) -> str:
    return _mac("csrf-nonce", nonce)


def _valid_csrf_cookie(value: str) -> bool:
    nonce, _, sig = value.partition(".")
    return bool(nonce) and hmac.compare_digest(sig, _sign(nonce))


def check_csrf(request: Request, submitted: str | None) -> None:
    raw = session_cookie(request)
    if raw:
        ok = bool(submitted) and hmac.compare_digest(str(submitted), _session_token(raw))
    else:
        cookie = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
        ok = bool(submitted) and _valid_csrf_cookie(cookie) and hmac.compare_digest(str(submitted), cookie)
    if not ok:
        raise PageSecurityError("页面已过期或来源不明，请刷新页面后重新提交", field="csrf_token")


def page_actor(request: Request, session: Session) -> Actor:
    raw = session_cookie(request)
    if not raw:
        return ANONYMOUS
    return identity.resolve_actor(session, raw, "web") or ANONYMOUS


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
           actor: Actor | None = None) -> Any:
    ctx: dict[str, Any] = {"actor": actor or getattr(request.state, "actor", ANONYMOUS),
                           "csrf_token": csrf_token(request), "elder": request.cookies.get("yw_elder") == "1"}
    ctx.update(context or {})
    response = request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status)
    set_csrf_cookie(request, response)
    return response


def set_csrf_cookie(request: Request, response: Any) -> None:
    token = getattr(request.state, "set_csrf_cookie", None)
    if token:
        set_cookie(request, response, CSRF_COOKIE, token)


def form_error(exc: DomainError) -> dict[str, Any]:
    return {"message": exc.message, "field": exc.field}


def render_error(request: Request, status: int, body: dict[str, Any]) -> Any:
    return render(request, "error.html", {"status": status, "error": body}, status=status)


def install(app: FastAPI) -> None:
    from yiwang.web.admin import announcements as admin_announcements
    from yiwang.web.admin import catalog as admin_catalog
    from yiwang.web.admin import pages as admin_pages
    from yiwang.web.console import hall_report as console_hall_report
    from yiwang.web.console import hotline_report as console_hotline_report
    from yiwang.web.console import indicators as console_indicators
    from yiwang.web.console import supervision as console_supervision
    from yiwang.web.pagekit import LoginRequired, login_redirect
    from yiwang.web.portal import applications as portal_applications
    from yiwang.web.portal import browse as portal_browse
    from yiwang.web.portal import bundles as portal_bundles
    from yiwang.web.portal import evaluation as portal_evaluation
    from yiwang.web.portal import guide as portal_guide
    from yiwang.web.portal import licenses as portal_licenses
    from yiwang.web.portal import messages as portal_messages
    from yiwang.web.portal import pages as portal_pages
    from yiwang.web.screen import pages as screen_pages
    from yiwang.web.workbench import bundles as workbench_bundles
    from yiwang.web.workbench import cases as workbench_cases
    from yiwang.web.workbench import licenses as workbench_licenses
    from yiwang.web.workbench import pages as workbench_pages
    from yiwang.web.workbench import rectifications as workbench_rectifications
    from yiwang.web.workbench import tongban as workbench_tongban

    app.state.templates = make_templates()
    app.state.render_error = render_error
    app.add_exception_handler(LoginRequired, login_redirect)  # type: ignore[arg-type]
    app.include_router(portal_pages.router)
    app.include_router(portal_guide.router)
    app.include_router(portal_browse.router)
    app.include_router(portal_applications.router)
    app.include_router(portal_bundles.router)
    app.include_router(portal_licenses.router)
    app.include_router(portal_evaluation.router)
    app.include_router(portal_messages.router)
    app.include_router(workbench_pages.router)
    app.include_router(workbench_cases.router)
    app.include_router(workbench_bundles.router)
    app.include_router(workbench_licenses.router)
    app.include_router(workbench_rectifications.router)
    app.include_router(workbench_tongban.router)
    app.include_router(console_supervision.router)
    app.include_router(console_hall_report.router)
    app.include_router(console_hotline_report.router)  # 12345热线办理情况通报
    app.include_router(console_indicators.router)  # 指标、每月专报
    app.include_router(screen_pages.router)  # 运行大屏 /screen
    app.include_router(admin_pages.router)
    app.include_router(admin_catalog.router)
    from yiwang.web.portal import account as portal_account

    app.include_router(portal_account.router)
    app.include_router(admin_announcements.router)
    from yiwang.web.admin import outbox as admin_outbox  # failed background tasks

    app.include_router(admin_outbox.router)
    from yiwang.web.portal import pledges as portal_pledges  # 告知承诺公示
    from yiwang.web.workbench import pledges as workbench_pledges  # 告知承诺核查

    app.include_router(portal_pledges.router)
    app.include_router(workbench_pledges.router)
    # 服务大厅: the citizen's pages (手机取号, 预约, the rating tablet), the calling screen and the kiosk, the window and
    # the front desk (窗口叫号, 前台取号), and the halls' administration
    from yiwang.web.admin import halls as admin_halls
    from yiwang.web.portal import hall as portal_hall
    from yiwang.web.portal import hall_screen as portal_hall_screen
    from yiwang.web.portal import kiosk as portal_kiosk
    from yiwang.web.workbench import hall as workbench_hall

    for router in (portal_hall.router, portal_hall_screen.router, portal_kiosk.router, workbench_hall.router,
                   admin_halls.router):
        app.include_router(router)
    # 12345 热线: the citizen's pages and the public knowledge base, the message board (留言板, 曝光纠错); the hotline
    # console (its knowledge base, rules and the board's moderation queue come before the work order pages, whose
    # /workbench/hotline/{ticket_no} would take their paths)
    from yiwang.web.portal import hotline as portal_hotline
    from yiwang.web.portal import hotline_board as portal_hotline_board
    from yiwang.web.workbench import hotline as workbench_hotline
    from yiwang.web.workbench import hotline_board as workbench_hotline_board
    from yiwang.web.workbench import hotline_knowledge as workbench_hotline_knowledge
    from yiwang.web.workbench import hotline_rules as workbench_hotline_rules

    for router in (portal_hotline.router, portal_hotline_board.router, workbench_hotline_knowledge.router,
                   workbench_hotline_rules.router, workbench_hotline_board.router, workbench_hotline.router):
        app.include_router(router)
