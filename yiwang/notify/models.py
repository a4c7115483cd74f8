from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class Message(Base):
    """An in-app message to a person, an enterprise or a staff member (站内消息)."""

    __tablename__ = "notify_message"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(64))  # actor label
    topic: Mapped[str] = mapped_column(String(60))  # the event it tells about, e.g. case.accept
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    # the outbox event and recipient it came from: a redelivered event never makes a second message
    event_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime]
    read_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_notify_message_recipient", "recipient", "created_at"),)


class Delivery(Base):
    """One message sent through one outside channel (SMS, e-mail), tracked and retried."""

    __tablename__ = "notify_delivery"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("notify_message.id"))
    channel: Mapped[str] = mapped_column(String(10))  # sms | email
    address: Mapped[str] = mapped_column(String(200))
    backend: Mapped[str] = mapped_column(String(20))  # console | file | smtp | ...
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_notify_delivery_message", "message_id"),)
