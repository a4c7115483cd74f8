"""The accounts' counters for the indicators (:mod:`yiwang.metrics`). A person belongs to the region of the first
six digits of their ID number (where the number was issued), an enterprise to the region of its registration
authority (characters 3–8 of the 统一社会信用代码): neither account records a region of its own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from yiwang.identity.models import AuthToken, Enterprise, Person

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts(session: Session, start: dt.datetime, end: dt.datetime) -> list[Row]:
    """As of ``end``: ``users.persons`` and ``users.persons_complete`` (phone verified), ``users.enterprises`` and
    ``users.enterprises_complete`` (legal representative given, phone verified), ``users.total``; and
    ``users.active``: the persons and enterprises who signed in during [start, end)."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    p_region = func.substr(Person.id_number, 1, 6)
    p_done = and_(Person.phone_verified_at.is_not(None), Person.phone_verified_at < end)
    for region, n, done in session.execute(select(p_region, func.count(), _sum(p_done))
                                           .where(Person.created_at < end).group_by(p_region)):
        out[("users.persons", region)] += int(n)
        out[("users.persons_complete", region)] += int(done)
        out[("users.total", region)] += int(n)
    e_region = func.substr(Enterprise.uscc, 3, 6)
    e_done = and_(Enterprise.legal_person != "", Enterprise.phone_verified_at.is_not(None),
                  Enterprise.phone_verified_at < end)
    for region, n, done in session.execute(select(e_region, func.count(), _sum(e_done))
                                           .where(Enterprise.created_at < end).group_by(e_region)):
        out[("users.enterprises", region)] += int(n)
        out[("users.enterprises_complete", region)] += int(done)
        out[("users.total", region)] += int(n)
    signed_in = and_(AuthToken.created_at >= start, AuthToken.created_at < end)
    for model, region_of, prefix in ((Person, p_region, "person:"), (Enterprise, e_region, "enterprise:")):
        principal = literal(prefix) + cast(model.id, String)
        stmt = (select(region_of, func.count(func.distinct(model.id)))
                .join(AuthToken, AuthToken.principal == principal).where(signed_in).group_by(region_of))
        for region, n in session.execute(stmt):
            out[("users.active", region)] += int(n)
    return [(key, region, 0, n) for (key, region), n in out.items() if n]
