"""Small helpers shared by page routers: the per-request actor, login guards, redirects."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.web.setup import page_actor


class LoginRequired(Exception):
    def __init__(self, staff: bool) -> None:
        self.staff = staff


def current_actor(request: Request, session: Session = Depends(get_session, scope="function")) -> Actor:
    actor = page_actor(request, session)
    request.state.actor = actor
    return actor


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def require_staff(actor: Actor, perm: Perm | None = None) -> Actor:
    if not actor.is_staff:
        raise LoginRequired(staff=True)
    if perm is not None:
        actor.require(perm)
    return actor


def require_applicant(actor: Actor) -> Actor:
    if not actor.is_applicant:
        raise LoginRequired(staff=False)
    return actor


def login_redirect(request: Request, exc: LoginRequired) -> Any:
    target = "/staff/login" if exc.staff else "/login"
    return redirect(f"{target}?next={request.url.path}")


def shown_version(posted: str | None) -> int | None:
    """The record version a page showed (its hidden ``version`` field), to send as ``expected_version``; None
    when the form carried none (an older page, a hand-made post): then no version is checked."""
    text = (posted or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None
