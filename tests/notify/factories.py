"""Notify test helpers: run the worker, switch backends, read what was sent."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from yiwang.core import clock, outbox
from yiwang.core.config import reset_settings
from yiwang.jobs import register_all
from yiwang.notify.models import Delivery, Message

MONDAY = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Guangzhou


@contextlib.contextmanager
def settings(**values: str) -> Iterator[None]:
    """Run with some YIWANG_* settings changed (names without the prefix, lower case)."""
    keys = {f"YIWANG_{k.upper()}": v for k, v in values.items()}
    before = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    reset_settings()
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings()


def drain(engine: Engine, at: dt.datetime | None = None) -> None:
    """Run the worker until nothing is due (at a given moment)."""
    register_all()
    with clock.frozen(at or clock.now()):
        while outbox.run_once(engine):
            pass


def messages(session: Session, recipient: str | None = None) -> list[Message]:
    session.expire_all()
    stmt = select(Message).order_by(Message.id)
    if recipient is not None:
        stmt = stmt.where(Message.recipient == recipient)
    return list(session.scalars(stmt))


def deliveries(session: Session) -> list[Delivery]:
    session.expire_all()
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
