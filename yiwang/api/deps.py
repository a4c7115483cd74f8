"""Request-scoped dependencies: the database session (committed when the request succeeds) and the
calling actor (bearer token for the API, session cookie for pages)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from yiwang.core.db import session_factory
from yiwang.core.errors import Unauthenticated
from yiwang.core.permissions import ANONYMOUS, Actor
from yiwang.identity import service as identity


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work. Routes take it with ``scope="function"``: the commit happens when the
    handler returns and before the response leaves, so a client that follows a redirect always sees what
    the request wrote."""
    make = request.app.state.session_factory if hasattr(request.app.state, "session_factory") else session_factory()
    session = make()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def bearer_actor(request: Request, session: Session) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return ANONYMOUS
    resolved = identity.resolve_token(session, raw.strip(), "api")
    if resolved is None:
        raise Unauthenticated("登录已失效，请重新登录", code="invalid_token")
    return resolved[0]


def client_address(request: Request) -> str:
    """Who is asking, for rate limits: the connecting address, or the client a trusted reverse proxy names
    (``YIWANG_TRUSTED_PROXIES``; the app's proxy-headers middleware has already replaced it then). An IPv6
    client counts as its /64 (one subscriber's prefix: rotating addresses inside it gains nothing); an
    IPv4-mapped address as the IPv4 address."""
    import ipaddress

    host = (request.client.host if request.client else "") or "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


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
