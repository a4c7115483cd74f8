"""Issue 13, point 2: blocking quality rules vs warnings, the real Guangdong catalog published, the quality
report (service, CLI, page) with formula-safe spreadsheets."""

from __future__ import annotations

import csv
import io
from importlib import resources

from click.testing import CliRunner
from openpyxl import load_workbook

from tests import factories as f
from tests.catalog import factories as cf
from tests.web.helpers import staff_login
from yiwang.catalog import quality_report, service, transfer
from yiwang.catalog.schemas import ItemIn
from yiwang.core import spreadsheet
from yiwang.core.permissions import SYSTEM


def test_real_guangdong_catalog_is_published(session) -> None:  # type: ignore[no-untyped-def]
    base = resources.files("yiwang.catalog") / "seed_data"
    with resources.as_file(base / "guangdong.jsonl.gz") as path:
        report = transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))
    assert report.total == 2262
    assert report.published >= 2200, report.summary_lines()
    # the services people look for most are no longer hidden for their phone numbers
    total, _ = service.search_items(session, q="护照", limit=5)
    assert total > 0
    blocked = service.quality_report(session, SYSTEM, severity="blocking")
    assert len({r.code for r in blocked}) == len(report.drafts) <= 62
    assert {r.rule for r in blocked} <= {"materials_missing", "limit_exceeds_legal", "limit_invalid", "name_missing",
                                         "item_type_invalid", "no_channel", "department_missing"}
    warned = service.quality_report(session, SYSTEM, severity="warning")
    assert sum(1 for r in warned if r.rule == "phones_identical") >= 150
    assert all(r.status == "published" for r in warned if r.code not in {b.code for b in blocked})


def test_formula_cells_are_written_as_text() -> None:
    assert spreadsheet.safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert [spreadsheet.safe_cell(v) for v in ("+1", "-1", "@SUM(A1)", "普通")] == ["'+1", "'-1", "'@SUM(A1)", "普通"]
    row = service.QualityRow("C1", "=cmd|' /C calc'!A0", "@局", "published", 1, "warning", "r", "name", "-msg")
    ws = load_workbook(io.BytesIO(quality_report.to_xlsx([row]))).active
    assert ws is not None
    values = [c.value for c in ws[2]]
    assert values[2] == "'=cmd|' /C calc'!A0" and values[3] == "'@局" and values[8] == "'-msg"
    assert all(c.data_type != "f" for c in ws[2])
    text = quality_report.to_csv([row]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][2].startswith("'=")


def _import(session, **over):  # type: ignore[no-untyped-def]
    rec = cf.record(**over)
    service.import_record(session, SYSTEM, ItemIn.model_validate(rec), publish=True)
    return rec["code"]


def test_quality_page_is_scoped_and_downloads(session, client) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    mine = _import(session, complaint_phone=None)  # 区市场监督管理局: a warning
    other = _import(session, department="区卫生健康局", consult_phone="020-1", complaint_phone="020-1")
    f.staff(session, "cat", ["handler"], "区市场监督管理局")  # edits the catalog of its department
    f.staff(session, "hd", ["checker"], "区卫生健康局")
    session.commit()
    assert client.get("/admin/catalog/quality", follow_redirects=False).status_code in (302, 303, 401)
    staff_login(client, "cat")
    page = client.get("/admin/catalog/quality")
    assert page.status_code == 200
    assert mine in page.text and "缺少监督投诉电话" in page.text
    assert other not in page.text
    blocking = client.get("/admin/catalog/quality?severity=blocking")
    assert mine not in blocking.text and "没有质量问题" in blocking.text
    xlsx = client.get("/admin/catalog/quality.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    codes = {row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert codes == {mine}
    got = client.get("/admin/catalog/quality.csv?severity=warning")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv") and mine in got.text
    client.cookies.clear()
    staff_login(client, "hd")
    assert client.get("/admin/catalog/quality").status_code == 403


def test_quality_cli(engine, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from yiwang.cli import main
    from yiwang.core.db import session_scope

    with session_scope(engine) as s:
        f.region(s, "440104")
        warned = _import(s, consult_phone="020-1", complaint_phone="020-1")
        blocked = _import(s, promised_limit={"value": 99, "unit": "working_day"})
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    from yiwang.core.config import reset_settings

    reset_settings()
    try:
        runner = CliRunner()
        table = runner.invoke(main, ["catalog", "quality"])
        assert table.exit_code == 0, table.output
        lines = table.output.splitlines()
        assert blocked in lines[1] and "阻止发布" in lines[1]  # blocking first
        assert warned in table.output and "监督投诉电话不得与咨询电话相同" in table.output
        only = runner.invoke(main, ["catalog", "quality", "--severity", "blocking", "--format", "csv"])
        assert only.exit_code == 0 and blocked in only.output and warned not in only.output
        out = tmp_path / "q.xlsx"
        got = runner.invoke(main, ["catalog", "quality", "--format", "xlsx", "--output", str(out)])
        assert got.exit_code == 0, got.output
        ws = load_workbook(out).active
        assert ws is not None and ws.max_row >= 3
        assert runner.invoke(main, ["catalog", "quality", "--format", "xlsx"]).exit_code == 1
    finally:
        monkeypatch.delenv("YIWANG_DATABASE_URL")
        reset_settings()
