"""The per-item post-check period rides in the item version's extra: import (as a top-level key or inside
``extra``), export and re-import keep it; the application spec reads it; a nonsense value falls back to the default."""

from __future__ import annotations

import json
from pathlib import Path

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.catalog import service as catalog
from yiwang.catalog import transfer
from yiwang.core.permissions import SYSTEM


def _import(session, tmp_path: Path, records: list[dict]) -> transfer.ImportReport:  # type: ignore[no-untyped-def,type-arg]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))


def test_pledge_check_days_round_trips(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    top = cf.record(pledge_allowed=True, pledge_check_days=10)
    inside = cf.record(pledge_allowed=True, extra={"pledge_check_days": 30})
    odd = cf.record(pledge_allowed=True, extra={"pledge_check_days": "很多"})
    report = _import(session, tmp_path, [top, inside, odd])
    assert not report.errors and report.published == 3
    session.commit()
    assert catalog.application_spec(session, top["code"]).pledge_check_days == 10
    assert catalog.application_spec(session, inside["code"]).pledge_check_days == 30
    assert catalog.application_spec(session, odd["code"]).pledge_check_days is None  # the default applies
    exported = {r["code"]: r for r in transfer.export_records(session)}
    assert exported[top["code"]]["extra"]["pledge_check_days"] == 10
    out = tmp_path / "export.jsonl"
    transfer.write_jsonl(exported.values(), out)
    again = transfer.import_records(session, SYSTEM, transfer.read_jsonl(out))
    assert again.unchanged == 3 and not again.errors
    assert catalog.application_spec(session, inside["code"]).pledge_check_days == 30
