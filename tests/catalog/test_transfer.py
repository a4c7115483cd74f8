"""Import and export: JSON lines, the Excel template, bad lines, round trips, the real seed catalogs."""

from __future__ import annotations

import gzip
import io
import json
from importlib import resources
from pathlib import Path

from openpyxl import load_workbook

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.catalog import excel, transfer
from yiwang.core.permissions import SYSTEM


def _lines(path: Path, records: list) -> Path:  # type: ignore[type-arg]
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records),
                    encoding="utf-8")
    return path


def test_bad_lines_are_reported_and_good_ones_imported(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    good = cf.record()
    path = _lines(tmp_path / "items.jsonl", [
        good,
        "{not json",
        {"name": "缺编码", "department": "局", "item_type": "01"},
        cf.record(item_type="未知类型"),
        dict(good),  # the same code twice in one file
        "[1, 2]",
        cf.record(promised_limit={"value": 30, "unit": "working_day"}),  # imported, kept as a draft
    ])
    report = transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))
    assert report.total == 7 and report.created == 2 and report.published == 1
    reasons = dict(report.errors)
    assert set(reasons) == {"第 2 行", "第 3 行", "第 4 行", "第 5 行", "第 6 行"}
    assert "JSON" in reasons["第 2 行"] and "code" in reasons["第 3 行"] and "事项类型" in reasons["第 4 行"]
    assert "重复" in reasons["第 5 行"]
    assert report.drafts[0][0] == "第 7 行"
    again = transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))
    assert again.unchanged == 2 and again.created == 0


def test_export_then_reimport_changes_nothing(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cf.published(session, form_schema={"type": "object", "properties": {"a": {"type": "string"}}})
    cf.published(session, promised_limit="immediate", fees=[{"item": "工本费", "standard": "10元"}])
    session.commit()
    out = tmp_path / "export.jsonl.gz"
    assert transfer.write_jsonl(transfer.export_records(session), out) == 2
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        assert all(json.loads(line)["code"] for line in fh)
    report = transfer.import_records(session, SYSTEM, transfer.read_jsonl(out))
    assert report.unchanged == 2 and not report.errors


def test_excel_template_round_trip(session) -> None:  # type: ignore[no-untyped-def]
    cf.published(session, name="测试事项甲", materials=[{"name": "申请表", "required": True,
                                                           "deficiency_allowed": False, "copies": 2}])
    session.commit()
    records = list(transfer.export_records(session))
    data = excel.write_workbook(records)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["事项", "申请材料", "填写说明"]
    parsed = list(excel.read_workbook(data))
    assert len(parsed) == 1 and parsed[0][1]["materials"][0]["copies"] == 2
    report = transfer.import_records(session, SYSTEM, iter(parsed))
    assert report.unchanged == 1 and not report.errors


def test_excel_bad_cells_name_row_and_column(session) -> None:  # type: ignore[no-untyped-def]
    data = excel.write_workbook([cf.record()])
    wb = load_workbook(io.BytesIO(data))
    column = [k for k, _, _ in excel.ITEM_COLUMNS].index("visits") + 1
    wb["事项"].cell(row=2, column=column, value="三次")  # 到现场次数 must be an integer
    buf = io.BytesIO()
    wb.save(buf)
    rows = list(excel.read_workbook(buf.getvalue()))
    assert rows[0][0] == "事项!第 2 行" and "到现场次数" in rows[0][1]


def test_real_seed_catalogs_import(session) -> None:  # type: ignore[no-untyped-def]
    base = resources.files("yiwang.catalog") / "seed_data"
    with resources.as_file(base / "sichuan-guangan.jsonl.gz") as path:
        report = transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))
    # the list has no phones or limits: everything is kept as drafts, nothing is lost
    assert report.total == 1135 and report.created == 1135 and not report.errors
    assert len(report.drafts) == 1135
    assert any("31 位" in w for w in report.warnings)


def test_import_lines_cannot_attach_stored_files(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from yiwang.catalog import service
    from yiwang.core import storage

    f.region(session, "440104")
    secret = storage.store(session, data=b"%PDF-1.4 private", filename="id.pdf", declared_type=None,
                           owner="person:1")
    rec = cf.record(materials=[{"name": "申请书", "required": True, "deficiency_allowed": False,
                                "blank_form_file_id": secret.id}])
    report = transfer.import_records(session, SYSTEM, transfer.read_jsonl(_lines(tmp_path / "x.jsonl", [rec])))
    assert report.created == 1
    guide = service.get_guide(session, rec["code"])
    assert guide.materials[0].blank_form_url is None


def test_unreadable_lines_are_reported(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps(cf.record(), ensure_ascii=False).encode() + b"\n\xff\xfe{\n")
    f.region(session, "440104")
    report = transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))
    assert report.created == 1 and report.errors == [("第 2 行", "不是 UTF-8 编码的文本")]
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    import pytest

    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        transfer.import_records(session, SYSTEM, transfer.read_jsonl(broken))
