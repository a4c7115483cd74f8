"""Public portal: home, login and registration for persons and enterprises."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from yiwang.catalog import service as catalog
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.core.requests import client_address, get_session
from yiwang.identity import service as identity
from yiwang.identity.errors import BadCredentials
from yiwang.web.pagekit import current_actor, redirect
from yiwang.web.setup import (
    SESSION_COOKIE,
    check_csrf,
    cookie_secure,
    delete_cookie,
    form_error,
    render,
    session_cookie,
    set_cookie,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, default: str) -> str:
    # only local paths: never redirect to another site
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def start_session(request: Request, session: Session, actor: Actor, target: str):  # type: ignore[no-untyped-def]
    """A new session at every login: a session (and its CSRF token) the browser had before — perhaps one an
    attacker planted — ends here."""
    old = session_cookie(request)
    if old:
        identity.revoke_token(session, old)
    raw, _ = identity.issue_token(session, actor, "web")
    response = redirect(target)
    set_cookie(request, response, SESSION_COOKIE, raw, max_age=get_settings().session_hours * 3600)
    return response


@router.get("/")
def home(request: Request, session: Session = Depends(get_session, scope="function"),
         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    from yiwang.portal import service as portal
    from yiwang.portal.themes import AUDIENCE_NAMES, ENTERPRISE, PERSON

    _, notices = portal.latest_announcements(session, limit=5)
    return render(request, "portal/home.html", {
        "theme_groups": [(kind, AUDIENCE_NAMES[kind], portal.theme_counts(session, kind))
                         for kind in (PERSON, ENTERPRISE)],
        "popular": portal.popular_items(session, limit=8), "popular_queries": portal.popular_queries(session, 8),
        "announcements": notices, "bundles": catalog.search_bundles(session)})


@router.get("/login")
def login_form(request: Request, next: str | None = None, actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]  # noqa: A002
    return render(request, "portal/login.html", {"next": next or "", "staff": False})


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                 next: str = Form(""), csrf_token: str = Form(""),  # noqa: A002
                 session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    check_csrf(request, csrf_token)
    try:
        if not username or not password:
            raise BadCredentials("请输入用户名和密码", field="username")
        who = identity.authenticate(session, username, password, staff=False)
    except DomainError as exc:
        session.commit()  # keep the failure counter
        return render(request, "portal/login.html", {"next": next, "error": form_error(exc), "username": username,
                                                     "staff": False}, status=exc.status)
    return start_session(request, session, who, _safe_next(next, "/"))


@router.get("/register")
def register_form(request: Request, kind: str = "person", actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return render(request, "portal/register.html", {"kind": "enterprise" if kind == "enterprise" else "person",
                                                    "values": {}})


@router.post("/register")
def register_submit(request: Request, kind: str = Form("person"), name: str = Form(""),
                    id_number: str = Form(""), uscc: str = Form(""), legal_person: str = Form(""),
                    phone: str = Form(""), password: str = Form(""), password2: str = Form(""),
                    csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                    actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    check_csrf(request, csrf_token)
    values = {"name": name, "id_number": id_number, "uscc": uscc, "legal_person": legal_person, "phone": phone}
    try:
        identity.check_register_rate(session, client_address(request))
        if password != password2:
            raise ValidationFailed("两次输入的密码不一致", field="password2")
        if kind == "enterprise":
            ent = identity.register_enterprise(session, name=name, uscc=uscc, legal_person=legal_person,
                                               phone=phone, password=password)
            who = identity.actor_for_enterprise(ent)
        else:
            person = identity.register_person(session, name=name, id_number=id_number, phone=phone,
                                              password=password)
            who = identity.actor_for_person(person)
    except DomainError as exc:
        session.rollback()
        return render(request, "portal/register.html", {"kind": kind, "values": values, "error": form_error(exc)},
                      status=exc.status)
    return start_session(request, session, who, "/")


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function")):  # type: ignore[no-untyped-def]
    check_csrf(request, csrf_token)
    raw = session_cookie(request)
    if raw:
        identity.revoke_token(session, raw)
    response = redirect("/")
    delete_cookie(request, response, SESSION_COOKIE)
    return response


@router.post("/elder-mode")
def elder_mode(request: Request, on: str = Form("1"), back: str = Form("/"), csrf_token: str = Form("")):  # type: ignore[no-untyped-def]
    check_csrf(request, csrf_token)
    response = redirect(_safe_next(back, "/"))
    response.set_cookie("yw_elder", "1" if on == "1" else "0", max_age=365 * 86400, samesite="lax", path="/",
                        secure=cookie_secure(request))
    return response
