"""Who a bearer token or page session names, remembered for a few seconds per process.

Every request starts by resolving its credentials; on PostgreSQL that was two or three round trips
(the token, then the person, enterprise or staff member and their roles) on every call. The cache keeps
the answer for ``auth_cache_seconds`` (default 10 s), keyed by the token's digest, and never past the
token's own expiry.

Revocation is honoured at once: whatever ends or changes a credential (a logout, a staff member
switched off) marks its session; when that session commits, this process forgets every cached answer
and replaces a stamp file in the var directory, which every other worker of the same installation looks
at (one ``stat``) before it trusts its cache. Workers on other hosts sharing the database learn of the
change within ``auth_cache_seconds``.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from yiwang.core.config import get_settings
from yiwang.core.permissions import Actor


@dataclass(frozen=True)
class Entry:
    actor: Actor
    expires_at: dt.datetime  # the token's own expiry
    until: float  # monotonic time this entry is trusted to
    profile: Any = None  # the applicant's registered details (identity.ApplicantProfile), when it is one


_lock = threading.Lock()
_entries: dict[tuple[str, str], Entry] = {}
_profiles: dict[str, tuple[Any, float]] = {}  # applicant label -> (profile, trusted until)
_stamp_seen: tuple[int, int] | None = None
STAMP_NAME = "auth-changed"


def _stamp_path() -> Path:
    return Path(get_settings().var_dir) / STAMP_NAME


def _stamp() -> tuple[int, int]:
    """The stamp file's identity: each change replaces the file, so its inode moves even where two changes
    fall within one tick of a coarse file clock."""
    try:
        found = os.stat(_stamp_path())
    except OSError:
        return (0, 0)
    return (found.st_ino, found.st_mtime_ns)


def _current() -> bool:
    """False (and the cache emptied) when another worker changed a credential since this one last looked.
    Call with the lock held."""
    global _stamp_seen
    stamp = _stamp()
    if stamp == _stamp_seen:
        return True
    _entries.clear()
    _profiles.clear()
    _stamp_seen = stamp
    return False


def get(digest: str, kind: str) -> Entry | None:
    """The cached answer for a token, if it is still to be trusted."""
    if get_settings().auth_cache_seconds <= 0:
        return None
    with _lock:
        entry = _entries.get((digest, kind)) if _current() else None
    if entry is None or entry.until < time.monotonic():
        return None
    return entry


def put(digest: str, kind: str, actor: Actor, expires_at: dt.datetime, profile: Any = None) -> None:
    ttl = get_settings().auth_cache_seconds
    if ttl <= 0:
        return
    with _lock:
        if len(_entries) > 50_000:  # a bound on memory; the next requests fill it again
            _entries.clear()
            _profiles.clear()
        until = time.monotonic() + ttl
        _entries[(digest, kind)] = Entry(actor, expires_at, until, profile)
        if profile is not None:
            _profiles[actor.label] = (profile, until)


def profile_of(label: str) -> Any:
    """The applicant details cached beside any live entry for ``label`` (saves a lookup on filing)."""
    if get_settings().auth_cache_seconds <= 0:
        return None
    with _lock:
        found = _profiles.get(label) if _current() else None
    return found[0] if found is not None and found[1] >= time.monotonic() else None


def forget() -> None:
    """Forget every cached answer in this process and tell the other workers to do the same."""
    global _stamp_seen
    with _lock:
        _entries.clear()
        _profiles.clear()
        path = _stamp_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = path.with_name(f"{STAMP_NAME}.{os.getpid()}.{threading.get_ident()}")
            fresh.write_bytes(os.urandom(8))
            os.replace(fresh, path)  # a new file: a new inode
            _stamp_seen = _stamp()
        except OSError:
            _stamp_seen = None


def reset() -> None:
    """Forget everything in this process only (tests, after the database was wiped)."""
    with _lock:
        _entries.clear()
        _profiles.clear()


def changed(session: Session) -> None:
    """A credential changes in this unit of work: forget now, and again once it commits (a request that
    resolved the old state in between must not keep it)."""
    forget()
    session.info["auth_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("auth_changed", False):
        forget()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("auth_changed", None)
