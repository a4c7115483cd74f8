"""一件事 test setup: a bundle of three items of three departments, imported through the catalog contract, whose
items share a form field and two materials (one an e-licence type), and an enterprise to apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.catalog import transfer
from yiwang.core import storage
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.identity import service as identity
from yiwang.org import service as org_service

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MARKET, HEALTH, TAX = "区市场监督管理局", "区卫生健康局", "区税务局"
BUNDLE = "YJS-TEST-QYKB"
LICENCE = {"name": "营业执照", "required": True, "source": "government", "license_type": "营业执照"}


def _form(extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    props = {"enterprise_name": {"type": "string", "title": "企业名称", "maxLength": 100},
             "contact_phone": {"type": "string", "title": "联系电话", "maxLength": 20}} | extra
    return {"type": "object", "title": "申请表", "properties": props, "required": ["enterprise_name", *required]}


@dataclass
class BundleWorld:
    codes: list[str]  # market, health, tax item codes
    applicant: Actor
    uscc: str
    market: Actor  # handler+checker+approver of each department (one person holds every step)
    health: Actor
    tax: Actor
    clerk: Actor
    stranger: Actor


def bundle_lines(codes: list[str], **over: Any) -> dict[str, Any]:
    return {"kind": "bundle", "code": BUNDLE, "name": "企业开办", "items": codes, "audience": "enterprise",
            "themes": ["开办企业"], "description": "一表申请、一套材料、一次办结"} | over


def item_records() -> list[dict[str, Any]]:
    return [
        cf.record(department=MARKET, name="食品经营许可", audience=["2"],
                  materials=[{"name": "食品经营许可申请书", "required": True}, LICENCE,
                             {"name": "经营场所使用证明", "required": True}],
                  form_schema=_form({"premises": {"type": "string", "title": "经营场所", "maxLength": 200},
                                     "area": {"type": "number", "title": "面积", "maximum": 10000}}, ["premises"])),
        cf.record(department=HEALTH, name="公共场所卫生许可", audience=["2"],
                  materials=[{"name": "卫生许可申请表", "required": True}, LICENCE,
                             {"name": "经营场所使用证明", "required": True},
                             {"name": "卫生检测报告", "required": True, "deficiency_allowed": True}],
                  form_schema=_form({"premises": {"type": "string", "title": "经营场所", "maxLength": 200},
                                     "area": {"type": "number", "title": "面积", "maximum": 500}}, [])),
        cf.record(department=TAX, name="新办纳税人套餐", audience=["2"],
                  materials=[{"name": "税务事项申请表", "required": True}, LICENCE],
                  form_schema=_form({"invoice_kind": {"type": "string", "title": "发票种类",
                                                      "enum": ["普通发票", "专用发票"]}}, ["invoice_kind"])),
    ]


def world(session: Session, *, bundle_first: bool = True) -> BundleWorld:
    f.region(session, "440104")
    for name in (MARKET, HEALTH, TAX):
        # one officer takes every review step here (一人多岗), so a test walks a case with one account
        org_service.set_combined_duties(session, SYSTEM, department_id=f.department(session, name), combined=True,
                                        reason="测试：一人多岗")
    items = item_records()
    codes = [r["code"] for r in items]
    lines = [bundle_lines(codes)] + items if bundle_first else items + [bundle_lines(codes)]
    report = transfer.import_records(session, SYSTEM, [(f"第 {i} 行", r) for i, r in enumerate(lines, 1)])
    assert not report.errors and not report.drafts, (report.errors, report.drafts)
    uscc = f.uscc_code()
    ent = identity.register_enterprise(session, name="示范餐饮有限公司", uscc=uscc, legal_person="李四",
                                       phone=f.phone(), password=f.PASSWORD)
    return BundleWorld(codes=codes, applicant=identity.actor_for_enterprise(ent), uscc=uscc,
                       market=f.staff(session, "mkt", ["handler", "checker", "approver"], MARKET),
                       health=f.staff(session, "hlth", ["handler", "checker", "approver"], HEALTH),
                       tax=f.staff(session, "tax", ["handler", "checker", "approver"], TAX),
                       clerk=f.staff(session, "clerk", ["window_clerk"], "区政务服务数据管理局"),
                       stranger=f.staff(session, "edu", ["handler"], "区教育局"))


def upload(session: Session, actor: Actor, name: str) -> str:
    return storage.store(session, data=PDF + name.encode(), filename=f"{name}.pdf",
                         declared_type="application/pdf", owner=actor.label).id


FORM = {"enterprise_name": "示范餐饮有限公司", "contact_phone": "13900139000", "premises": "中山五路 219 号",
        "area": 120, "invoice_kind": "普通发票"}
NAMES = ["食品经营许可申请书", "营业执照", "经营场所使用证明", "卫生许可申请表", "税务事项申请表"]


def materials(session: Session, actor: Actor, names: list[str] | None = None) -> list[dict[str, str]]:
    return [{"name": n, "file_id": upload(session, actor, n)} for n in (names or NAMES)]


def conclude(session: Session, officer: Actor, case_no: str, outcome: str = "approve") -> None:
    """Accept and walk a case through its review steps to a decision, by its department's one officer."""
    from yiwang.cases import service as cases

    cases.apply(session, officer, case_no=case_no, action="accept")
    while True:
        case = cases.get_case(session, officer, case_no)
        if case.review_step == case.review_steps[-1]:
            break
        cases.apply(session, officer, case_no=case_no, action="review")
    cases.apply(session, officer, case_no=case_no, action=outcome,
                comment=None if outcome == "approve" else "经审查不符合条件")
