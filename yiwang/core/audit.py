"""Append-only, hash-chained audit trail (全程留痕).

Services call ``record()`` inside their transaction. Records are held on the session and chained
just before commit, so the chain head is locked only for the last moment of a transaction: the
head row is updated first (which takes the row lock on PostgreSQL and the write lock on SQLite),
then the records are inserted with their hashes. ``verify()`` recomputes every chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint, event, insert, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from yiwang.core import clock
from yiwang.core.config import get_settings
from yiwang.core.db import Base
from yiwang.core.permissions import Actor

GENESIS = "0" * 64
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditRecord(Base):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chain: Mapped[int] = mapped_column(Integer, default=0)
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        # one record per position in a chain
        UniqueConstraint("chain", "seq", name="uq_audit_record_chain_seq"),
        Index("ix_audit_record_object", "object_type", "object_id"),
    )


class AuditHead(Base):
    __tablename__ = "audit_head"

    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


@dataclass
class _Pending:
    chain: int
    at: dt.datetime
    actor: str
    actor_name: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]


def _chain_for(object_type: str, object_id: str) -> int:
    n = get_settings().audit_chains
    if n <= 1:
        return 0
    digest = hashlib.sha256(f"{object_type}:{object_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % n


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: Any,
           detail: dict[str, Any] | None = None) -> None:
    """Queue an audit record; it is chained and written when the session commits."""
    if not session.in_transaction():
        session.begin()  # so that a rollback of this unit of work also drops the record
    pending: list[_Pending] = session.info.setdefault("audit_pending", [])
    pending.append(_Pending(
        chain=_chain_for(object_type, str(object_id)), at=clock.now(), actor=actor.label,
        actor_name=actor.name, action=action, object_type=object_type, object_id=str(object_id),
        detail=_jsonable(detail or {}),
    ))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def compute_hash(prev_hash: str, chain: int, seq: int, at: dt.datetime, actor: str, action: str,
                 object_type: str, object_id: str, detail: dict[str, Any]) -> str:
    body = json.dumps(
        [prev_hash, chain, seq, clock.as_utc(at).isoformat(timespec="microseconds"), actor, action,
         object_type, object_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def ensure_chains(session: Session) -> None:
    existing = set(session.scalars(select(AuditHead.chain)))
    for chain in range(max(1, get_settings().audit_chains)):
        if chain not in existing:
            session.add(AuditHead(chain=chain, seq=0, hash=GENESIS))
    session.flush()


def _write_pending(session: Session) -> None:
    session.info.pop("audit_marks", None)
    pending: list[_Pending] = session.info.pop("audit_pending", [])
    if not pending:
        return
    by_chain: dict[int, list[_Pending]] = {}
    for p in pending:
        by_chain.setdefault(p.chain, []).append(p)
    for chain in sorted(by_chain):  # fixed lock order across chains
        items = by_chain[chain]
        row = session.execute(
            text("UPDATE audit_head SET seq = seq + :n WHERE chain = :c RETURNING seq, hash"),
            {"n": len(items), "c": chain},
        ).first()
        if row is None:
            session.add(AuditHead(chain=chain, seq=0, hash=GENESIS))
            session.flush()
            row = session.execute(
                text("UPDATE audit_head SET seq = seq + :n WHERE chain = :c RETURNING seq, hash"),
                {"n": len(items), "c": chain},
            ).one()
        last_seq, prev = int(row[0]), row[1]
        seq = last_seq - len(items)
        rows = []
        for p in items:
            seq += 1
            digest = compute_hash(prev, chain, seq, p.at, p.actor, p.action, p.object_type, p.object_id,
                                  p.detail)
            rows.append(dict(chain=chain, seq=seq, at=p.at, actor=p.actor, actor_name=p.actor_name,
                             action=p.action, object_type=p.object_type, object_id=p.object_id,
                             detail=p.detail, prev_hash=prev, hash=digest))
            prev = digest
        session.execute(insert(AuditRecord), rows)
        session.execute(text("UPDATE audit_head SET hash = :h WHERE chain = :c"), {"h": prev, "c": chain})


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write_pending(session)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: Any) -> None:
    # remember how many records were queued when a savepoint began: rolling it back drops the ones after
    if transaction.nested:
        session.info.setdefault("audit_marks", {})[id(transaction)] = len(session.info.get("audit_pending", []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # a rolled-back unit of work leaves no trail; a rolled-back savepoint drops only what it queued
    if previous_transaction.parent is None:
        session.info.pop("audit_pending", None)
        session.info.pop("audit_marks", None)
    elif previous_transaction.nested:
        mark = session.info.get("audit_marks", {}).pop(id(previous_transaction), None)
        pending = session.info.get("audit_pending")
        if mark is not None and pending is not None:
            del pending[mark:]


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    broken_chain: int | None = None
    broken_seq: int | None = None
    reason: str = ""


def iter_records(session: Session, chain: int) -> Iterator[AuditRecord]:
    stmt = select(AuditRecord).where(AuditRecord.chain == chain).order_by(AuditRecord.seq)
    yield from session.scalars(stmt.execution_options(yield_per=2000))


def verify(session: Session) -> VerifyResult:
    """Recompute every chain; report the first record that does not fit."""
    checked = 0
    heads = {h.chain: h for h in session.scalars(select(AuditHead))}
    chains = set(heads) | set(session.scalars(select(AuditRecord.chain).distinct()))
    for chain in sorted(chains):
        prev, expected_seq = GENESIS, 1
        for rec in iter_records(session, chain):
            checked += 1
            if rec.seq != expected_seq:
                return VerifyResult(False, checked, rec.id, chain, rec.seq,
                                    f"序号不连续：期望 {expected_seq}，实际 {rec.seq}")
            if rec.prev_hash != prev:
                return VerifyResult(False, checked, rec.id, chain, rec.seq, "前序哈希不匹配")
            digest = compute_hash(rec.prev_hash, rec.chain, rec.seq, rec.at, rec.actor, rec.action,
                                  rec.object_type, rec.object_id, rec.detail)
            if digest != rec.hash:
                return VerifyResult(False, checked, rec.id, chain, rec.seq, "记录内容与哈希不符")
            prev, expected_seq = rec.hash, expected_seq + 1
        head = heads.get(chain)
        if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
            return VerifyResult(False, checked, None, chain, head.seq, "链头与最后一条记录不符（记录被删除？）")
    return VerifyResult(True, checked)
