"""Request-scoped dependencies of the JSON API: the calling actor (bearer token) and paging. The database
session and the client address come from ``yiwang.core.requests`` (shared with the pages) and are re-exported."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from yiwang.core.errors import Unauthenticated
from yiwang.core.permissions import ANONYMOUS, Actor
from yiwang.core.requests import client_address, get_session
from yiwang.identity import service as identity

__all__ = ["bearer_actor", "client_address", "get_session", "page_params", "require_login"]


def bearer_actor(request: Request, session: Session) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return ANONYMOUS
    actor = identity.resolve_actor(session, raw.strip(), "api")
    if actor is None:
        raise Unauthenticated("登录已失效，请重新登录", code="invalid_token")
    return actor


def require_login(actor: Actor) -> Actor:
    if not (actor.is_staff or actor.is_applicant):
        raise Unauthenticated("请先登录")
    return actor


def page_params(limit: str | None, offset: str | None, *, default: int = 20, most: int = 100) -> tuple[int, int]:
    """limit/offset from the query string; empty means the default, anything else must be a number in range."""
    from yiwang.core.errors import ValidationFailed

    def number(raw: str | None, name: str, fallback: int, lo: int, hi: int) -> int:
        if raw is None or raw.strip() == "":
            return fallback
        if not raw.strip().isascii() or not raw.strip().isdigit() or not lo <= int(raw) <= hi:
            raise ValidationFailed(f"{name} 应为 {lo}–{hi} 的整数", field=name)
        return int(raw)

    return number(limit, "limit", default, 1, most), number(offset, "offset", 0, 0, 10_000_000)
