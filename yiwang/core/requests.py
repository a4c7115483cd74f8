"""Request-scoped dependencies shared by the JSON API and the pages: the request's unit of work and who is
asking (for rate limits). Both ``yiwang.api`` and ``yiwang.web`` take them from here, so that pages never
import the API."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from yiwang.core.db import session_factory, unit_of_work


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work. Routes take it with ``scope="function"``: the commit happens when the
    handler returns and before the response leaves, so a client that follows a redirect always sees what
    the request wrote."""
    make = request.app.state.session_factory if hasattr(request.app.state, "session_factory") else session_factory()
    with unit_of_work(make) as session:
        yield session


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
