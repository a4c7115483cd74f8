"""The licences' counters for the indicators (:mod:`yiwang.metrics`), per the issuing department and its region."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from yiwang.licenses.models import License

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)


def counts(session: Session, start: dt.datetime, end: dt.datetime) -> list[Row]:
    """Licences issued in [start, end): ``licenses.issued``, ``licenses.sealed`` (bearing an electronic seal's
    signature) and ``licenses.collected`` (the cases they were issued for, each counted once)."""
    sealed = and_(License.seal_code != "", License.seal_signature.is_not(None))
    stmt = (select(License.region_code, License.department_id, func.count(),
                   func.coalesce(func.sum(case((sealed, 1), else_=0)), 0), func.count(func.distinct(License.case_no)))
            .where(License.issued_at >= start, License.issued_at < end)
            .group_by(License.region_code, License.department_id))
    out: list[Row] = []
    for region, dept, issued, n_sealed, collected in session.execute(stmt):
        out += [("licenses.issued", region, dept, int(issued)), ("licenses.sealed", region, dept, int(n_sealed)),
                ("licenses.collected", region, dept, int(collected))]
    return [row for row in out if row[3]]


def held(session: Session, end: dt.datetime) -> list[Row]:
    """``licenses.held``: licences issued before ``end`` and not revoked by then."""
    revoked = and_(License.status == "revoked", License.status_changed_at < end)
    stmt = (select(License.region_code, License.department_id, func.count())
            .where(License.issued_at < end, or_(~revoked, License.status_changed_at.is_(None)))
            .group_by(License.region_code, License.department_id))
    return [("licenses.held", region, dept, int(n)) for region, dept, n in session.execute(stmt)]
