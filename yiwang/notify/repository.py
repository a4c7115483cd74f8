"""Queries on messages and deliveries. A recipient's inbox is narrowed by their actor label; nobody reads
another's messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from yiwang.notify.models import Delivery, Message


def message_by_key(session: Session, event_key: str) -> Message | None:
    return session.scalars(select(Message).where(Message.event_key == event_key)).first()


def own_message(session: Session, recipient: str, message_id: int) -> Message | None:
    return session.scalars(select(Message).where(Message.id == message_id, Message.recipient == recipient)).first()


def inbox(session: Session, recipient: str, *, unread_only: bool, limit: int, offset: int
          ) -> tuple[int, Sequence[Message]]:
    where = [Message.recipient == recipient]
    if unread_only:
        where.append(Message.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Message).where(*where)) or 0
    rows = session.scalars(select(Message).where(*where).order_by(Message.created_at.desc(), Message.id.desc())
                           .limit(limit).offset(offset)).all()
    return total, rows


def unread_count(session: Session, recipient: str) -> int:
    stmt = select(func.count()).select_from(Message).where(Message.recipient == recipient,
                                                            Message.read_at.is_(None))
    return session.scalar(stmt) or 0


def mark_all_read(session: Session, recipient: str, at: dt.datetime) -> int:
    stmt = (update(Message).where(Message.recipient == recipient, Message.read_at.is_(None))
            .values(read_at=at).execution_options(synchronize_session="fetch"))
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


def delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def message(session: Session, message_id: int) -> Message | None:
    return session.get(Message, message_id)


def deliveries_of(session: Session, message_id: int) -> Sequence[Delivery]:
    return session.scalars(select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id)).all()
