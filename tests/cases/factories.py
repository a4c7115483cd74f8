"""Case test setup: a published item, its department's staff, an applicant with uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.cases import service as cases
from yiwang.core import storage
from yiwang.core.permissions import Actor

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEPT = "区市场监督管理局"


@dataclass
class World:
    code: str
    applicant: Actor
    applicant_id: str
    clerk: Actor
    handler: Actor
    checker: Actor
    approver: Actor
    other_handler: Actor


def world(session: Session, **item: Any) -> World:
    code = cf.published(session, department=DEPT, **item)
    applicant, id_number = f.person(session)
    return World(code=code, applicant=applicant, applicant_id=id_number,
                 clerk=f.staff(session, "clerk", ["window_clerk"], "区政务服务数据管理局"),
                 handler=f.staff(session, "handler", ["handler"], DEPT),
                 checker=f.staff(session, "checker", ["checker"], DEPT),
                 approver=f.staff(session, "approver", ["approver"], DEPT),
                 other_handler=f.staff(session, "other", ["handler", "checker", "approver"], "区卫生健康局"))


def upload(session: Session, actor: Actor, name: str = "申请书.pdf") -> str:
    return storage.store(session, data=PDF + name.encode(), filename=name, declared_type="application/pdf",
                         owner=actor.label).id


def submit(session: Session, w: World, **over: Any) -> str:
    materials = over.pop("materials", None)
    if materials is None:
        materials = [cases.MaterialIn("申请书", upload(session, w.applicant)),
                     cases.MaterialIn("身份证明", upload(session, w.applicant, "id.pdf"))]
    case = cases.submit(session, over.pop("actor", w.applicant), item_code=w.code, form=over.pop("form", {
        "contact_name": "张三", "contact_phone": "13800138000", "description": "申请办理"}),
        materials=materials, **over)
    return case.case_no


def let_window_decide(session: Session, w: World) -> None:
    """The owning department lets windows decide its immediate item on the spot."""
    from yiwang.catalog import service as catalog

    catalog.set_window_may_decide(session, w.handler, code=w.code, allowed=True)
