"""Append-only, keyed hash-chained audit trail (全程留痕).

Services call ``record()`` inside their transaction. Records are held on the session and chained
just before commit, so the chain head is locked only for the last moment of a transaction: the
head row is updated first (which takes the row lock on PostgreSQL and the write lock on SQLite),
then the records are inserted with their hashes. ``verify()`` recomputes every chain.

Each record's hash is an HMAC-SHA256 under the audit key, which lives outside the database
(``YIWANG_AUDIT_KEY`` or the generated ``var/audit_key``), and each chain head carries an HMAC
signature of (chain, seq, hash): someone who can write to the database but does not hold the key
can neither recompute a chain nor move its head. Records written before keying carry the legacy
scheme (plain SHA-256); they are accepted only as the start of a chain, before its first keyed
record. ``checkpoint()`` writes signed copies of the heads to files outside the database, and
``verify(checkpoints=…)`` proves no record at or before a checkpoint changed, which holds even
against someone who holds the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint, event, insert, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from yiwang.core import clock
from yiwang.core.config import get_settings
from yiwang.core.db import Base, run_pipeline
from yiwang.core.permissions import Actor

GENESIS = "0" * 64
LEGACY = "sha256"  # records written before the chain was keyed
KEYED = "hmac-sha256"
CHECKPOINT_KIND = "yiwang-audit-checkpoint"
CHECKPOINT_TOPIC = "audit.checkpoint"  # the outbox event a checkpoint writes (a copy of the signed heads)
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
    hash_scheme: Mapped[str] = mapped_column(String(16), default=KEYED, server_default=LEGACY)

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
    # HMAC of (chain, seq, hash) under the audit key; empty only on a chain that has no record yet
    signature: Mapped[str | None] = mapped_column(String(64), nullable=True)


_keys: dict[tuple[str, str], bytes] = {}


def audit_key() -> bytes:
    """The HMAC key of the chain (read once per configuration; never stored in the database)."""
    settings = get_settings()
    ident = (settings.audit_key, str(settings.var_dir))
    key = _keys.get(ident)
    if key is None:
        key = _keys[ident] = settings.resolved_audit_key()
    return key


def sign_head(chain: int, seq: int, head_hash: str, key: bytes | None = None) -> str:
    message = f"yiwang-audit-head|{chain}|{seq}|{head_hash}".encode()
    return hmac.new(key if key is not None else audit_key(), message, hashlib.sha256).hexdigest()


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
                 object_type: str, object_id: str, detail: dict[str, Any], *, scheme: str = KEYED,
                 key: bytes | None = None) -> str:
    body = json.dumps(
        [prev_hash, chain, seq, clock.as_utc(at).isoformat(timespec="microseconds"), actor, action,
         object_type, object_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    ).encode()
    if scheme == LEGACY:
        return hashlib.sha256(body).hexdigest()
    if scheme != KEYED:
        raise ValueError(f"unknown audit hash scheme {scheme!r}")
    return hmac.new(key if key is not None else audit_key(), body, hashlib.sha256).hexdigest()


def ensure_chains(session: Session) -> None:
    existing = set(session.scalars(select(AuditHead.chain)))
    for chain in range(max(1, get_settings().audit_chains)):
        if chain not in existing:
            session.add(AuditHead(chain=chain, seq=0, hash=GENESIS, signature=sign_head(chain, 0, GENESIS)))
    session.flush()


def _write_pending(session: Session) -> None:
    session.info.pop("audit_marks", None)
    pending: list[_Pending] = session.info.pop("audit_pending", [])
    if not pending:
        return
    by_chain: dict[int, list[_Pending]] = {}
    for p in pending:
        by_chain.setdefault(p.chain, []).append(p)
    if session.get_bind().dialect.name == "postgresql":
        _write_pending_pg(session, by_chain)
        return
    for chain in sorted(by_chain):  # fixed lock order across chains
        items = by_chain[chain]
        row = session.execute(
            text("UPDATE audit_head SET seq = seq + :n WHERE chain = :c RETURNING seq, hash"),
            {"n": len(items), "c": chain},
        ).first()
        if row is None:
            session.add(AuditHead(chain=chain, seq=0, hash=GENESIS, signature=sign_head(chain, 0, GENESIS)))
            session.flush()
            row = session.execute(
                text("UPDATE audit_head SET seq = seq + :n WHERE chain = :c RETURNING seq, hash"),
                {"n": len(items), "c": chain},
            ).one()
        last_seq, prev = int(row[0]), row[1]
        seq = last_seq - len(items)
        key = audit_key()
        rows = []
        for p in items:
            seq += 1
            digest = compute_hash(prev, chain, seq, p.at, p.actor, p.action, p.object_type, p.object_id,
                                  p.detail, scheme=KEYED, key=key)
            rows.append(dict(chain=chain, seq=seq, at=p.at, actor=p.actor, actor_name=p.actor_name,
                             action=p.action, object_type=p.object_type, object_id=p.object_id,
                             detail=p.detail, prev_hash=prev, hash=digest, hash_scheme=KEYED))
            prev = digest
        session.execute(insert(AuditRecord), rows)
        session.execute(text("UPDATE audit_head SET hash = :h, signature = :s WHERE chain = :c"),
                        {"h": prev, "s": sign_head(chain, last_seq, prev, key), "c": chain})


_INSERT_PG = ("INSERT INTO audit_record (chain, seq, at, actor, actor_name, action, object_type, object_id, detail, "
              "prev_hash, hash, hash_scheme) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")


def _write_pending_pg(session: Session, by_chain: dict[int, list[_Pending]]) -> None:
    """PostgreSQL: each head is read and locked last (SELECT … FOR UPDATE, after everything else the
    transaction wrote), then its records and its one head update go out together in one pipeline, with the
    transaction's COMMIT when this is the outermost commit: two round trips per chain including the commit,
    and the head stays locked only from that read to the commit. (SQLAlchemy's own commit that follows finds
    the connection idle and sends nothing; this is the only before-commit hook, and it flushes first.)"""
    from psycopg.types.json import Json

    session.flush()
    commit = not session.in_nested_transaction()
    key = audit_key()
    for chain in sorted(by_chain):  # fixed lock order across chains
        items = by_chain[chain]
        row = session.execute(text("SELECT seq, hash FROM audit_head WHERE chain = :c FOR UPDATE"),
                              {"c": chain}).first()
        seq, prev = (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)
        if row is None:
            session.add(AuditHead(chain=chain, seq=0, hash=GENESIS, signature=sign_head(chain, 0, GENESIS)))
            session.flush()
        rows = []
        for p in items:
            seq += 1
            digest = compute_hash(prev, chain, seq, p.at, p.actor, p.action, p.object_type, p.object_id,
                                  p.detail, scheme=KEYED, key=key)
            rows.append((chain, seq, clock.as_utc(p.at), p.actor, p.actor_name, p.action, p.object_type,
                         p.object_id, Json(p.detail), prev, digest, KEYED))
            prev = digest
        last = chain == max(by_chain)
        run_pipeline(session, [(_INSERT_PG, rows),
                               ("UPDATE audit_head SET seq = %s, hash = %s, signature = %s WHERE chain = %s",
                                (seq, prev, sign_head(chain, seq, prev, key), chain))],
                     many=frozenset({0}), commit=last and commit)


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
    checkpoints: int = 0


@dataclass
class Checkpoint:
    """A signed copy of the chain heads, kept outside the database."""

    name: str
    created_at: str
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)  # chain -> (seq, hash)


class CheckpointInvalid(ValueError):
    pass


def iter_records(session: Session, chain: int) -> Iterator[AuditRecord]:
    stmt = select(AuditRecord).where(AuditRecord.chain == chain).order_by(AuditRecord.seq)
    yield from session.scalars(stmt.execution_options(yield_per=2000, populate_existing=True))


def _head_signed(head: AuditHead, key: bytes) -> bool:
    if not head.signature:
        return head.seq == 0 and head.hash == GENESIS  # a chain that has not recorded anything yet
    return hmac.compare_digest(head.signature, sign_head(head.chain, head.seq, head.hash, key))


def verify(session: Session, checkpoints: Iterable[Checkpoint] = (), *, chains: Iterable[int] | None = None,
           require_signed_heads: bool = True) -> VerifyResult:
    """Recompute every chain (the keyed records with the audit key), check each head's signature, and
    compare the chain with every checkpoint; report the first record that does not fit."""
    key = audit_key()
    marks: dict[int, dict[int, list[tuple[str, str]]]] = {}  # chain -> seq -> [(checkpoint, hash)]
    cps = list(checkpoints)
    for cp in cps:
        for chain, (seq, digest) in cp.heads.items():
            marks.setdefault(chain, {}).setdefault(seq, []).append((cp.name, digest))
    checked = 0
    heads = {h.chain: h for h in session.scalars(select(AuditHead).execution_options(populate_existing=True))}
    every = set(heads) | set(session.scalars(select(AuditRecord.chain).distinct())) | set(marks)
    for chain in sorted(every if chains is None else set(chains)):
        prev, expected_seq, keyed, last_good_mark = GENESIS, 1, False, 0
        chain_marks = marks.get(chain, {})
        for rec in iter_records(session, chain):
            checked += 1
            if rec.seq != expected_seq:
                return VerifyResult(False, checked, rec.id, chain, rec.seq,
                                    f"序号不连续：期望 {expected_seq}，实际 {rec.seq}")
            if rec.prev_hash != prev:
                return VerifyResult(False, checked, rec.id, chain, rec.seq, "前序哈希不匹配")
            if rec.hash_scheme == KEYED:
                keyed = True
            elif rec.hash_scheme != LEGACY:
                return VerifyResult(False, checked, rec.id, chain, rec.seq, f"未知的哈希方案 {rec.hash_scheme!r}")
            elif keyed:
                return VerifyResult(False, checked, rec.id, chain, rec.seq,
                                    "无密钥的旧式记录出现在带密钥的记录之后（记录被伪造？）")
            digest = compute_hash(rec.prev_hash, rec.chain, rec.seq, rec.at, rec.actor, rec.action,
                                  rec.object_type, rec.object_id, rec.detail, scheme=rec.hash_scheme, key=key)
            if not hmac.compare_digest(digest, rec.hash):
                return VerifyResult(False, checked, rec.id, chain, rec.seq, "记录内容与哈希不符")
            for name, expected in chain_marks.get(rec.seq, ()):
                if not hmac.compare_digest(expected, rec.hash):
                    return VerifyResult(False, checked, rec.id, chain, rec.seq,
                                        f"与检查点 {name} 不符：第 {last_good_mark + 1}–{rec.seq} 条记录中有记录被改写")
            if rec.seq in chain_marks:
                last_good_mark = rec.seq
            prev, expected_seq = rec.hash, expected_seq + 1
        last = expected_seq - 1
        beyond = [(seq, name) for seq, found in chain_marks.items() if seq > last for name, _ in found]
        if beyond:
            seq, name = min(beyond)
            return VerifyResult(False, checked, None, chain, last + 1,
                                f"检查点 {name} 记录到第 {seq} 条，链中只剩 {last} 条（记录被删除）")
        head = heads.get(chain)
        if head is not None and (head.seq != last or head.hash != prev):
            return VerifyResult(False, checked, None, chain, head.seq, "链头与最后一条记录不符（记录被删除？）")
        if head is not None and require_signed_heads and not _head_signed(head, key):
            return VerifyResult(False, checked, None, chain, head.seq,
                                "链头签名无效（链头被改写，或审计密钥不是写入时的密钥）")
    return VerifyResult(True, checked, checkpoints=len(cps))


def sign_unsigned_heads(session: Session) -> list[int]:
    """Sign the heads of chains written before keying, each after its whole chain verified; returns them.
    Run by ``yiwang db upgrade`` right after the migration that introduced keying."""
    key = audit_key()
    signed = []
    for head in session.scalars(select(AuditHead).where(AuditHead.signature.is_(None))).all():
        if verify(session, chains=[head.chain], require_signed_heads=False).ok:
            head.signature = sign_head(head.chain, head.seq, head.hash, key)
            signed.append(head.chain)
    session.flush()
    return signed


# --- checkpoints -------------------------------------------------------------------------------

def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sign_checkpoint(body: dict[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return hmac.new(key, b"yiwang-audit-checkpoint|" + _canonical(unsigned), hashlib.sha256).hexdigest()


def checkpoint(session: Session, directory: Path) -> tuple[Path, dict[str, Any]]:
    """Write a signed checkpoint of every chain head to a new file in ``directory`` (0600) and emit it
    to the outbox (topic ``audit.checkpoint``) so it can be shipped further. Refuses a head whose
    signature does not hold: a checkpoint must never bless a forged head."""
    from yiwang.core import outbox

    key = audit_key()
    # populate_existing: a head already loaded in this session must not stand in for the committed one
    heads = list(session.scalars(select(AuditHead).order_by(AuditHead.chain)
                                 .execution_options(populate_existing=True)))
    for head in heads:
        if not _head_signed(head, key):
            raise CheckpointInvalid(f"第 {head.chain} 条链的链头签名无效，拒绝写入检查点；请先运行 yiwang audit verify")
    now = clock.now()
    body: dict[str, Any] = {
        "kind": CHECKPOINT_KIND, "version": 1, "created_at": clock.as_utc(now).isoformat(timespec="seconds"),
        "chains": [{"chain": h.chain, "seq": h.seq, "hash": h.hash} for h in heads]}
    body["signature"] = _sign_checkpoint(body, key)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    seqs = "-".join(str(h.seq) for h in heads) or "0"
    path = directory / f"audit-checkpoint-{clock.as_utc(now):%Y%m%dT%H%M%S%fZ}-{seqs}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    outbox.emit(session, CHECKPOINT_TOPIC, body | {"file": path.name})
    return path, body


def load_checkpoint(path: Path) -> Checkpoint:
    """Read and check one checkpoint file; raises CheckpointInvalid if it was not signed with the audit key."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("kind") != CHECKPOINT_KIND:
            raise CheckpointInvalid(f"{path.name} 不是审计检查点文件")
        signature = str(body.get("signature", ""))
        if not hmac.compare_digest(signature, _sign_checkpoint(body, audit_key())):
            raise CheckpointInvalid(f"检查点 {path.name} 的签名无效（文件被改动，或不是用本部署的审计密钥签发）")
        heads = {int(c["chain"]): (int(c["seq"]), str(c["hash"])) for c in body["chains"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, CheckpointInvalid):
            raise
        raise CheckpointInvalid(f"无法读取检查点 {path.name}：{exc}") from exc
    return Checkpoint(name=path.name, created_at=str(body.get("created_at", "")), heads=heads)


def load_checkpoints(directory: Path) -> list[Checkpoint]:
    if not directory.is_dir():
        raise CheckpointInvalid(f"检查点目录 {directory} 不存在")
    return [load_checkpoint(p) for p in sorted(directory.glob("*.json"))]
