"""The one source of time. Store UTC, show Asia/Shanghai; tests may freeze the clock."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

UTC = dt.UTC
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(UTC)


def local_now() -> dt.datetime:
    return now().astimezone(LOCAL_TZ)


def today() -> dt.date:
    """Today's date in the service centre's time zone."""
    return local_now().date()


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # values read back from SQLite lose their zone; they are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def as_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze now() at a given aware datetime (tests, `--as-of` commands)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous
