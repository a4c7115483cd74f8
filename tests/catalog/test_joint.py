"""Joint approval (并联审批) on the catalog side: import, validation, export round trips, the application spec."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.catalog import excel, transfer
from yiwang.catalog import service as catalog
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import SYSTEM

LEAD, FIRE, ECO = "区市场监督管理局", "区消防救援大队", "区生态环境分局"


def joint(**over: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"lead": LEAD, "branches": [
        {"department": FIRE, "limit": {"value": 5, "unit": "working_day"}, "on_timeout": "escalate"},
        {"department": ECO, "limit": {"value": 3, "unit": "working_day"}, "on_timeout": "consent",
         "materials": ["申请书"]}]}
    value.update(over)
    return value


@pytest.fixture
def departments(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    ids = {name: f.department(session, name) for name in (LEAD, FIRE, ECO)}
    session.commit()
    return ids


def _import(session, tmp_path: Path, records: list[dict[str, Any]]) -> transfer.ImportReport:  # type: ignore[no-untyped-def]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return transfer.import_records(session, SYSTEM, transfer.read_jsonl(path))


def test_import_stores_joint_by_department_id_and_export_round_trips(session, tmp_path, departments) -> None:  # type: ignore[no-untyped-def]
    rec = cf.record(joint=joint())
    report = _import(session, tmp_path, [rec, cf.record()])
    assert not report.errors and report.published == 2
    session.commit()
    stored = session.query(ItemVersion).filter_by(name=rec["name"]).one().joint
    assert stored == {"lead_department_id": departments[LEAD], "branches": [
        {"department_id": departments[FIRE], "limit": {"value": 5, "unit": "working_day"}, "on_timeout": "escalate"},
        {"department_id": departments[ECO], "limit": {"value": 3, "unit": "working_day"}, "on_timeout": "consent",
         "materials": ["申请书"]}]}
    exported = {r["code"]: r for r in transfer.export_records(session)}
    assert exported[rec["code"]]["joint"] == joint()
    assert "joint" not in next(r for c, r in exported.items() if c != rec["code"])  # ordinary items as before
    out = tmp_path / "export.jsonl"
    transfer.write_jsonl(exported.values(), out)
    again = transfer.import_records(session, SYSTEM, transfer.read_jsonl(out))
    assert again.unchanged == 2 and not again.errors


def test_changing_joint_makes_a_new_version_and_dropping_it_another(session, tmp_path, departments) -> None:  # type: ignore[no-untyped-def]
    rec = cf.record(joint=joint())
    _import(session, tmp_path, [rec])
    changed = dict(rec, joint=joint(branches=[{"department": FIRE, "limit": {"value": 7},
                                                "on_timeout": "consent"}]))
    assert _import(session, tmp_path, [changed]).new_version == 1
    spec = catalog.application_spec(session, rec["code"])
    assert spec.joint is not None and [(b.department, b.limit_value, b.on_timeout) for b in spec.joint.branches] \
        == [(FIRE, 7, "consent")]
    plain = {k: v for k, v in rec.items() if k != "joint"}
    assert _import(session, tmp_path, [plain]).new_version == 1
    assert catalog.application_spec(session, rec["code"]).joint is None


def test_ordinary_item_digest_is_unchanged_by_the_joint_column(session, departments) -> None:  # type: ignore[no-untyped-def]
    values = {"name": "x", "department_id": 1}
    assert catalog.content_hash(values, []) == catalog.content_hash({**values, "joint": None}, [])
    assert catalog.content_hash(values, []) != catalog.content_hash({**values, "joint": {"a": 1}}, [])


BAD = [
    # (joint value, field, words in the message)
    ("不是对象", "joint", "应为一个对象"),
    (joint(lead="不存在的局"), "joint.lead", "不存在"),
    (joint(lead=FIRE), "joint.lead", "牵头部门应为事项的实施主体"),
    (joint(branches=[]), "joint.branches", "至少需要一个并联部门"),
    (joint(branches=[{"department": LEAD, "limit": {"value": 5}, "on_timeout": "consent"}]),
     "joint.branches.0.department", "并联部门不能是牵头部门"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 5}, "on_timeout": "consent"},
                     {"department": FIRE, "limit": {"value": 3}, "on_timeout": "escalate"}]),
     "joint.branches.1.department", "重复"),
    (joint(branches=[{"department": "不存在的队", "limit": {"value": 5}, "on_timeout": "consent"}]),
     "joint.branches.0.department", "不存在"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 0}, "on_timeout": "consent"}]),
     "joint.branches.0.limit.value", "1–60 之间的整数"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 61}, "on_timeout": "consent"}]),
     "joint.branches.0.limit.value", "1–60 之间的整数"),
    (joint(branches=[{"department": FIRE, "limit": {"value": "5"}, "on_timeout": "consent"}]),
     "joint.branches.0.limit.value", "1–60 之间的整数"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 5, "unit": "natural_day"}, "on_timeout": "consent"}]),
     "joint.branches.0.limit.unit", "working_day"),
    (joint(branches=[{"department": FIRE, "on_timeout": "consent"}]), "joint.branches.0.limit", "办理时限"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 5}, "on_timeout": "ignore"}]),
     "joint.branches.0.on_timeout", "consent（超时默认同意）或 escalate（提交监察）"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 5}, "on_timeout": "consent",
                      "materials": ["房产证"]}]),
     "joint.branches.0.materials", "材料“房产证”不在本事项的申请材料中"),
    (joint(branches=[{"department": FIRE, "limit": {"value": 5}, "on_timeout": "consent", "deadline": 3}]),
     "joint.branches.0.deadline", "不认识的字段"),
]


@pytest.mark.parametrize(("value", "field", "words"), BAD, ids=[f"{b[1]}:{b[2]}" for b in BAD])
def test_each_bad_joint_is_refused_naming_line_and_field(session, tmp_path, departments, value, field, words) -> None:  # type: ignore[no-untyped-def]
    report = _import(session, tmp_path, [cf.record(), cf.record(joint=value)])
    assert report.created == 1
    [(line, reason)] = report.errors
    assert line == "第 2 行" and field in reason and words in reason
    with pytest.raises(ValidationFailed) as exc:
        catalog.import_record(session, SYSTEM, catalog.ItemIn.model_validate(cf.record(joint=value)))
    assert exc.value.field == field and words in exc.value.message


def test_spec_carries_the_resolved_joint_also_when_cached(session, departments) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session, joint=joint())
    ordinary = cf.published(session)
    session.commit()
    for spec in (catalog.application_spec(session, code, max_age=60),
                 catalog.application_spec(session, code, max_age=60)):
        assert spec.joint is not None
        assert (spec.joint.lead_department_id, spec.joint.lead) == (departments[LEAD], LEAD)
        fire, eco = spec.joint.branches
        assert (fire.department_id, fire.department, fire.limit_value, fire.limit_unit, fire.on_timeout,
                fire.materials) == (departments[FIRE], FIRE, 5, "working_day", "escalate", None)
        assert (eco.department_id, eco.on_timeout, eco.materials) == (departments[ECO], "consent", ["申请书"])
    by_version = catalog.application_spec_of_version(session, code, spec.version_id)
    assert by_version.joint == spec.joint
    assert catalog.application_spec(session, ordinary, max_age=60).joint is None


def test_a_draft_copies_joint_and_refuses_removing_a_material_a_branch_sees(session, departments) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session, joint=joint())
    session.commit()
    draft = catalog.update_draft(session, SYSTEM, code=code, changes={"name": "改名"})
    session.commit()
    assert draft.joint is not None and draft.joint["branches"][1]["materials"] == ["申请书"]
    with pytest.raises(ValidationFailed) as exc:
        catalog.update_draft(session, SYSTEM, code=code, changes={},
                             materials=[{"name": "身份证明", "required": True}])
    assert exc.value.field == "joint.branches.1.materials"
    session.rollback()
    draft = catalog.update_draft(session, SYSTEM, code=code, changes={"joint": None})
    assert draft.joint is None


def test_excel_round_trip_carries_joint(session, departments) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session, joint=joint())
    cf.published(session)
    session.commit()
    records = list(transfer.export_records(session))
    data = excel.write_workbook(records)
    sheet = load_workbook(io.BytesIO(data))["事项"]
    headers = [c.value for c in sheet[1]]
    column = headers.index(excel.JOINT_HEADER) + 1
    cells = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=column).value for r in (2, 3)}
    assert cells[code] == f"{FIRE}|5|提交监察\n{ECO}|3|超时默认同意|申请书"
    assert sheet.cell(row=1, column=column).comment is not None
    parsed = dict((rec["code"], rec) for _, rec in excel.read_workbook(data))  # type: ignore[index]
    assert parsed[code]["joint"] == joint()
    report = transfer.import_records(session, SYSTEM, excel.read_workbook(data))
    assert report.unchanged == 2 and not report.errors


def test_excel_joint_cell_a_clerk_writes(session, departments) -> None:  # type: ignore[no-untyped-def]
    data = excel.write_workbook([cf.record()])
    wb = load_workbook(io.BytesIO(data))
    column = [h for _, h, _ in excel.ITEM_COLUMNS].index(excel.JOINT_HEADER) + 1
    wb["事项"].cell(row=2, column=column, value=f" {FIRE}｜5 工作日｜escalate \n\n{ECO}|3|同意")
    buf = io.BytesIO()
    wb.save(buf)
    [(_, rec)] = list(excel.read_workbook(buf.getvalue()))
    assert isinstance(rec, dict) and rec["joint"] == {"lead": LEAD, "branches": [
        {"department": FIRE, "limit": {"value": 5, "unit": "working_day"}, "on_timeout": "escalate"},
        {"department": ECO, "limit": {"value": 3, "unit": "working_day"}, "on_timeout": "consent"}]}
    wb["事项"].cell(row=2, column=column, value=f"{FIRE}|5")
    buf = io.BytesIO()
    wb.save(buf)
    [(label, reason)] = list(excel.read_workbook(buf.getvalue()))
    assert label == "事项!第 2 行" and isinstance(reason, str) and excel.JOINT_HEADER in reason


def test_quality_report_warns_of_a_branch_department_without_staff(session, departments) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session, joint=joint())
    f.staff(session, "fire1", ["handler"], FIRE)
    session.commit()
    rows = [r for r in catalog.quality_report(session, SYSTEM) if r.code == code and r.rule == "joint_branch_unstaffed"]
    assert [(r.severity, r.field, r.message) for r in rows] == [
        ("warning", "joint", f"并联部门“{ECO}”没有承办或审批人员，并联意见将无人办理")]


def test_an_immediate_item_cannot_be_joint(session, departments) -> None:  # type: ignore[no-untyped-def]
    from yiwang.catalog.schemas import ItemIn

    rec = cf.record(joint=joint(), promised_limit="immediate")
    with pytest.raises(ValidationFailed) as refused:
        catalog.import_record(session, SYSTEM, ItemIn.model_validate(rec), publish=True)
    assert refused.value.code == "joint_immediate_item" and refused.value.field == "joint"
