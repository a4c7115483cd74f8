from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, text

from yiwang.core import audit
from yiwang.core.audit import AuditRecord
from yiwang.core.permissions import SYSTEM


def _write(session, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        audit.record(session, SYSTEM, "test.action", "thing", i, {"i": i, "名称": "测试"})
    session.commit()


def test_records_are_chained_and_verify(session) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    _write(session, 2)
    rows = session.scalars(select(AuditRecord).where(AuditRecord.action == "test.action")
                           .order_by(AuditRecord.seq)).all()
    assert len(rows) == 5
    for prev, cur in zip(rows, rows[1:], strict=False):
        assert cur.prev_hash == prev.hash and cur.seq == prev.seq + 1
    result = audit.verify(session)
    assert result.ok, result.reason


def test_rolled_back_records_are_not_written(session) -> None:  # type: ignore[no-untyped-def]
    audit.record(session, SYSTEM, "test.rollback", "thing", 1)
    session.rollback()
    _write(session, 1)
    assert session.scalar(select(AuditRecord).where(AuditRecord.action == "test.rollback")) is None
    assert audit.verify(session).ok


def test_tampering_is_detected(session) -> None:  # type: ignore[no-untyped-def]
    _write(session, 4)
    target = session.scalars(select(AuditRecord).where(AuditRecord.action == "test.action")
                             .order_by(AuditRecord.seq).offset(1).limit(1)).one()
    session.execute(text("UPDATE audit_record SET action = 'test.forged' WHERE id = :id"), {"id": target.id})
    session.commit()
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok
    assert result.broken_id == target.id


def test_deleting_the_last_record_is_detected(session) -> None:  # type: ignore[no-untyped-def]
    _write(session, 3)
    last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).one()
    session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": last.id})
    session.commit()
    assert not audit.verify(session).ok


def test_cli_verify_exit_codes(session, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang.cli import main
    from yiwang.core.config import reset_settings

    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    try:
        _write(session, 2)
        ok = CliRunner().invoke(main, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "intact" in ok.output
        first = session.scalars(select(AuditRecord).order_by(AuditRecord.seq).limit(1)).one()
        session.execute(text("UPDATE audit_record SET object_id = 'x' WHERE id = :id"), {"id": first.id})
        session.commit()
        bad = CliRunner().invoke(main, ["audit", "verify"])
        assert bad.exit_code == 1
        assert f"id={first.id}" in bad.output
    finally:
        monkeypatch.delenv("YIWANG_DATABASE_URL")
        reset_settings()
