"""Row 6: the audit trail could be rewritten undetected by anyone with database write access (delete rows,
recompute plain SHA-256 hashes, update the stored head). Now the chain is keyed (HMAC with a key outside the
database), its heads are signed, and signed checkpoints outside the database catch even a rewrite by someone
who holds the key, for every record at or before the checkpoint."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from yiwang.cli import main
from yiwang.core import audit, migrate
from yiwang.core.audit import AuditHead, AuditRecord
from yiwang.core.config import get_settings, reset_settings
from yiwang.core.db import get_engine, session_factory
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM


def _head_seq(session: Session) -> int:
    session.expire_all()
    head = session.get(AuditHead, 0)
    return head.seq if head else 0


def _write(session: Session, n: int, action: str = "test.action") -> None:
    for i in range(n):
        audit.record(session, SYSTEM, action, "thing", i, {"i": i, "名称": "测试"})
    session.commit()


def _records(session: Session) -> list[AuditRecord]:
    session.expire_all()
    return list(session.scalars(select(AuditRecord).where(AuditRecord.chain == 0).order_by(AuditRecord.seq)))


def _plain_sha256(r: AuditRecord, prev: str, seq: int) -> str:
    """The old, unkeyed hash: what an attacker recomputes."""
    return audit.compute_hash(prev, r.chain, seq, r.at, r.actor, r.action, r.object_type, r.object_id, r.detail,
                              scheme=audit.LEGACY)


def _rewrite(session: Session, *, delete_seqs: set[int], scheme: str, key: bytes | None = None,
             sign_head: bool = False) -> None:
    """The attack: delete records, renumber and rehash the rest, and move the stored head to the new end."""
    records = _records(session)
    for r in records:
        if r.seq in delete_seqs:
            session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": r.id})
    prev, seq = audit.GENESIS, 0
    for r in records:
        if r.seq in delete_seqs:
            continue
        seq += 1
        digest = (_plain_sha256(r, prev, seq) if scheme == audit.LEGACY else
                  audit.compute_hash(prev, r.chain, seq, r.at, r.actor, r.action, r.object_type, r.object_id,
                                     r.detail, scheme=audit.KEYED, key=key))
        session.execute(text("UPDATE audit_record SET seq = :s, prev_hash = :p, hash = :h, hash_scheme = :k "
                             "WHERE id = :id"), {"s": -seq, "p": prev, "h": digest, "k": scheme, "id": r.id})
        prev = digest
    session.execute(text("UPDATE audit_record SET seq = -seq WHERE seq < 0"))
    signature = audit.sign_head(0, seq, prev, key) if sign_head and key else None
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h, signature = COALESCE(:sig, signature) "
                         "WHERE chain = 0"), {"s": seq, "h": prev, "sig": signature})
    session.commit()
    session.expire_all()


@pytest.fixture()
def cli_env(engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_new_records_are_keyed_and_heads_signed(session) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    records = _records(session)
    assert records and {r.hash_scheme for r in records} == {audit.KEYED}
    session.expire_all()
    head = session.get(AuditHead, 0)
    assert head is not None and head.signature == audit.sign_head(0, head.seq, head.hash)
    # the hash is not the plain SHA-256 anyone could recompute
    r = records[0]
    assert r.hash != _plain_sha256(r, r.prev_hash, r.seq)
    assert audit.verify(session).ok


@pytest.mark.parametrize("scheme", [audit.LEGACY, audit.KEYED])
def test_the_reported_rewrite_is_detected(session, scheme) -> None:  # type: ignore[no-untyped-def]
    """Delete rows, recompute the hashes (plain SHA-256: the attacker has no key), update the stored head."""
    _write(session, 6)
    assert audit.verify(session).ok
    _rewrite(session, delete_seqs={3, 4}, scheme=scheme, key=b"a guess at the key")
    result = audit.verify(session)
    assert not result.ok
    assert result.broken_chain == 0
    assert result.reason in ("记录内容与哈希不符", "链头签名无效（链头被改写，或审计密钥不是写入时的密钥）")


def test_an_unsigned_head_over_a_recomputed_chain_is_detected(session) -> None:  # type: ignore[no-untyped-def]
    _write(session, 4)
    _rewrite(session, delete_seqs={2}, scheme=audit.LEGACY)
    session.execute(text("UPDATE audit_head SET signature = NULL"))
    session.commit()
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and "链头签名无效" in result.reason


def test_legacy_records_may_only_start_a_chain(session) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    last = _records(session)[-1]
    session.execute(text("UPDATE audit_record SET hash_scheme = 'sha256', hash = :h WHERE id = :id"),
                    {"h": _plain_sha256(last, last.prev_hash, last.seq), "id": last.id})
    session.commit()
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.broken_seq == last.seq and "旧式记录" in result.reason


def test_a_different_key_does_not_verify(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _write(session, 2)
    monkeypatch.setenv("YIWANG_AUDIT_KEY", "someone-elses-key")
    reset_settings()
    try:
        assert not audit.verify(session).ok
    finally:
        monkeypatch.undo()
        reset_settings()
    assert audit.verify(session).ok


def test_the_key_lives_outside_the_database(session, engine) -> None:  # type: ignore[no-untyped-def]
    _write(session, 2)
    key_file = get_settings().var_dir / "audit_key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert audit.audit_key() == key.encode()
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert key not in repr(tuple(row)), table


def test_legacy_chains_still_verify_after_the_upgrade(tmp_path: Path) -> None:
    """A deployment at 0009 with plain SHA-256 records upgrades: its records are marked legacy, the heads are
    signed once each chain verifies, and new keyed records continue the same chain."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(migrate.alembic_config(url), "0009")
    engine = get_engine(url)
    old = sa.Table("audit_record", sa.MetaData(),
                   *[sa.Column(c.name, c.type, primary_key=c.primary_key) for c in AuditRecord.__table__.c
                     if c.name != "hash_scheme"])
    prev = audit.GENESIS
    from yiwang.core import clock
    with engine.begin() as conn:
        for seq in range(1, 4):
            at = clock.now()
            digest = hashlib.sha256(json.dumps(
                [prev, 0, seq, clock.as_utc(at).isoformat(timespec="microseconds"), "system", "old.action",
                 "thing", str(seq), {"n": seq}], ensure_ascii=False, sort_keys=True, separators=(",", ":"),
            ).encode()).hexdigest()
            conn.execute(old.insert().values(chain=0, seq=seq, at=at, actor="system", actor_name="", action="old.action",
                                             object_type="thing", object_id=str(seq), detail={"n": seq},
                                             prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(text("INSERT INTO audit_head (chain, seq, hash) VALUES (0, 3, :h)"), {"h": prev})
    migrate.upgrade(url)  # what `yiwang db upgrade` does
    with session_factory(engine)() as session:
        # the upgrade's own reference data (the bundled calendar) is recorded after the legacy records
        records = _records(session)
        assert [r.hash_scheme for r in records[:3]] == [audit.LEGACY] * 3
        assert {r.hash_scheme for r in records[3:]} <= {audit.KEYED} and records[3].prev_hash == prev
        head = session.get(AuditHead, 0)
        assert head is not None and head.signature == audit.sign_head(0, head.seq, head.hash)
        assert audit.verify(session).ok
        _write(session, 2)
        after = _records(session)
        assert len(after) == len(records) + 2 and after[-1].hash_scheme == audit.KEYED
        assert audit.verify(session).ok
        # and the legacy part cannot be rewritten: the first keyed record is bound to it
        session.execute(text("UPDATE audit_record SET detail = :d WHERE seq = 2"), {"d": json.dumps({"n": 99})})
        session.commit()
        session.expire_all()
        assert not audit.verify(session).ok
    engine.dispose()


# --- checkpoints ---------------------------------------------------------------------------------------------

def test_checkpoint_writes_a_signed_private_file_and_an_outbox_event(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    path, body = audit.checkpoint(session, tmp_path / "cp")
    session.commit()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    head = session.get(AuditHead, 0)
    assert head is not None
    assert stored["chains"] == [{"chain": 0, "seq": head.seq, "hash": head.hash}]
    assert stored["created_at"] and len(stored["signature"]) == 64
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "audit.checkpoint")).one()
    assert event.payload["signature"] == stored["signature"] and event.payload["file"] == path.name
    assert audit.load_checkpoint(path).heads == {0: (head.seq, head.hash)}


def test_a_checkpoint_catches_a_rewrite_by_someone_who_holds_the_key(session, engine, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _write(session, 5)
    at = _head_seq(session)
    cps = tmp_path / "cp"
    runner = CliRunner()
    written = runner.invoke(main, ["audit", "checkpoint", "--dir", str(cps)])
    assert written.exit_code == 0, written.output
    _write(session, 3, action="test.after")
    ok = runner.invoke(main, ["audit", "verify", "--checkpoints", str(cps)])
    assert ok.exit_code == 0 and "consistent with 1 checkpoint(s)" in ok.output, ok.output
    # the insider holds the key: drops record 2 and recomputes everything, head signed and all
    _rewrite(session, delete_seqs={at - 3}, scheme=audit.KEYED, key=audit.audit_key(), sign_head=True)
    assert audit.verify(session).ok  # without an outside anchor the rewrite is perfect...
    bad = runner.invoke(main, ["audit", "verify", "--checkpoints", str(cps)])
    assert bad.exit_code == 1  # ...the checkpoint names where it happened
    assert f"chain 0, seq {at})" in bad.output and f"第 1–{at} 条记录中有记录被改写" in bad.output, bad.output


def test_with_the_key_only_records_after_the_last_checkpoint_can_be_rewritten(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _write(session, 4)
    first = audit.checkpoint(session, tmp_path / "cp")[1]["chains"][0]["seq"]
    session.commit()
    _write(session, 4, action="test.after")
    second = audit.checkpoint(session, tmp_path / "cp")[1]["chains"][0]["seq"]
    session.commit()
    _write(session, 4, action="test.later")
    checkpoints = audit.load_checkpoints(tmp_path / "cp")
    assert len(checkpoints) == 2
    _rewrite(session, delete_seqs={second + 2}, scheme=audit.KEYED, key=audit.audit_key(), sign_head=True)
    assert audit.verify(session, checkpoints).ok  # the documented limit: after the last checkpoint
    _rewrite(session, delete_seqs={first + 2}, scheme=audit.KEYED, key=audit.audit_key(), sign_head=True)
    result = audit.verify(session, checkpoints)
    # the first checkpoint still holds, the second does not: the rewrite lies between them
    assert not result.ok and result.broken_seq == second
    assert f"第 {first + 1}–{second} 条记录中有记录被改写" in result.reason


def test_rolling_back_to_an_older_signed_head_is_caught_by_a_later_checkpoint(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    session.expire_all()
    head = session.get(AuditHead, 0)
    assert head is not None
    saved = (head.seq, head.hash, head.signature)
    _write(session, 3, action="test.after")
    audit.checkpoint(session, tmp_path / "cp")
    session.commit()
    # copy back the old head row and delete everything after it: internally consistent and signed
    session.execute(text("DELETE FROM audit_record WHERE seq > :s"), {"s": saved[0]})
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h, signature = :g WHERE chain = 0"),
                    {"s": saved[0], "h": saved[1], "g": saved[2]})
    session.commit()
    session.expire_all()
    assert audit.verify(session).ok
    result = audit.verify(session, audit.load_checkpoints(tmp_path / "cp"))
    assert not result.ok and result.broken_seq == saved[0] + 1 and "记录被删除" in result.reason


def test_a_forged_or_edited_checkpoint_is_refused(session, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _write(session, 2)
    path, body = audit.checkpoint(session, tmp_path / "cp")
    session.commit()
    body["chains"][0]["seq"] = 1
    path.write_text(json.dumps(body))
    result = CliRunner().invoke(main, ["audit", "verify", "--checkpoints", str(tmp_path / "cp")])
    assert result.exit_code == 1 and "签名无效" in result.output
    empty = tmp_path / "none"
    empty.mkdir()
    assert CliRunner().invoke(main, ["audit", "verify", "--checkpoints", str(empty)]).exit_code == 1


def test_a_checkpoint_never_blesses_a_forged_head(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    _rewrite(session, delete_seqs={1}, scheme=audit.LEGACY)
    with pytest.raises(audit.CheckpointInvalid):
        audit.checkpoint(session, tmp_path / "cp")
    assert not (tmp_path / "cp").exists() or not any((tmp_path / "cp").iterdir())


def test_the_worker_writes_checkpoints_on_its_schedule(engine, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core import outbox
    from yiwang.jobs import register_all

    monkeypatch.setenv("YIWANG_AUDIT_CHECKPOINT_DIR", str(tmp_path / "daily"))
    reset_settings()
    try:
        register_all()
        monkeypatch.setattr(outbox, "_last_run", {})
        assert "audit.checkpoint" in outbox.run_scheduled(engine, now=1_000_000.0)
        assert len(os.listdir(tmp_path / "daily")) == 1
        assert "audit.checkpoint" not in outbox.run_scheduled(engine, now=1_000_000.0 + 3600)
        assert "audit.checkpoint" in outbox.run_scheduled(engine, now=1_000_000.0 + 24 * 3600)
    finally:
        monkeypatch.undo()
        reset_settings()
