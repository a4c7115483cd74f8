"""Every query on the portal's tables. Staff lists of announcements are narrowed by the actor's region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, scope_clause
from yiwang.portal.models import Announcement, SearchCount
from yiwang.portal.states import AnnouncementStatus


def add_search(session: Session, day: dt.date, query: str, n: int = 1) -> None:
    """Count ``n`` searches of ``query`` on ``day``: an UPDATE, or an INSERT when the row is new (a
    concurrent INSERT of the same row loses the unique constraint and falls back to the UPDATE)."""
    stmt = (update(SearchCount).where(SearchCount.day == day, SearchCount.query == query)
            .values(count=SearchCount.count + n))
    if session.execute(stmt).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(SearchCount(day=day, query=query, count=n))
    except IntegrityError:
        session.execute(stmt)


def top_queries(session: Session, since: dt.date, limit: int) -> list[tuple[str, int]]:
    total = func.sum(SearchCount.count).label("total")
    rows = session.execute(select(SearchCount.query, total).where(SearchCount.day >= since)
                           .group_by(SearchCount.query).order_by(total.desc(), SearchCount.query).limit(limit)).all()
    return [(str(q), int(n)) for q, n in rows]


def announcement(session: Session, announcement_id: int) -> Announcement | None:
    return session.get(Announcement, announcement_id)


def published_announcements(session: Session, *, limit: int, offset: int = 0) -> tuple[int, Sequence[Announcement]]:
    where = Announcement.status == AnnouncementStatus.PUBLISHED.value
    total = session.scalar(select(func.count()).select_from(Announcement).where(where)) or 0
    rows = session.scalars(select(Announcement).where(where)
                           .order_by(Announcement.published_at.desc(), Announcement.id.desc())
                           .limit(limit).offset(offset)).all()
    return total, rows


def staff_announcements(session: Session, actor: Actor, *, limit: int = 100) -> Sequence[Announcement]:
    """Announcements of the actor's region subtree, newest first."""
    stmt = (select(Announcement).where(scope_clause(actor, region_col=Announcement.region_code))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit))
    return session.scalars(stmt).all()
