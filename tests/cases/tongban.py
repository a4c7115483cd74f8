"""通办 and 转报 test setup: region B (越秀, the item's) with its market regulator and window, region A (荔湾) with a
window and a market regulator, an unrelated region C (南山) with both, the city market regulator above B, and two
applicants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from yiwang.cases import service as cases
from yiwang.core.permissions import Actor

B_MARKET = cw.DEPT  # 区市场监督管理局, 440104
A_WINDOW, A_MARKET = "荔湾区政务服务数据管理局", "荔湾区市场监督管理局"
C_WINDOW, C_MARKET = "南山区政务服务数据管理局", "南山区市场监督管理局"
CITY_MARKET = "广州市市场监督管理局"


@dataclass
class Tongban:
    code: str  # 省内通办, decided by B_MARKET
    local_code: str  # not 通办
    applicant: Actor
    applicant_id: str
    other_applicant: Actor
    b_handler: Actor
    b_approver: Actor
    b_clerk: Actor
    a_clerk: Actor
    a_handler: Actor
    c_clerk: Actor
    c_handler: Actor
    city_handler: Actor
    city_approver: Actor


def world(session: Session, *, cross_region: str = "省内通办", **item: Any) -> Tongban:
    f.region(session, "440103", "荔湾区")
    f.region(session, "440305", "南山区")
    steps = item.pop("review_steps", ["handle", "approve"])
    code = cf.published(session, department=B_MARKET, cross_region=cross_region, review_steps=steps, **item)
    local = cf.published(session, department=B_MARKET, review_steps=steps)
    applicant, applicant_id = f.person(session)
    other, _ = f.person(session, "李四")
    return Tongban(
        code=code, local_code=local, applicant=applicant, applicant_id=applicant_id, other_applicant=other,
        b_handler=f.staff(session, "b_handler", ["handler"], B_MARKET),
        b_approver=f.staff(session, "b_approver", ["approver"], B_MARKET),
        b_clerk=f.staff(session, "b_clerk", ["window_clerk"], "区政务服务数据管理局"),
        a_clerk=f.staff(session, "a_clerk", ["window_clerk"], A_WINDOW, "440103"),
        a_handler=f.staff(session, "a_handler", ["handler", "approver"], A_MARKET, "440103"),
        c_clerk=f.staff(session, "c_clerk", ["window_clerk"], C_WINDOW, "440305"),
        c_handler=f.staff(session, "c_handler", ["handler", "approver"], C_MARKET, "440305"),
        city_handler=f.staff(session, "city_handler", ["handler"], CITY_MARKET, "440100"),
        city_approver=f.staff(session, "city_approver", ["approver"], CITY_MARKET, "440100"))


def take_in(session: Session, t: Tongban, *, clerk: Actor | None = None, code: str | None = None,
            deliver_at_intake: bool = True) -> str:
    """A's window files the item for the applicant (通办代收)."""
    clerk = clerk or t.a_clerk
    materials = [cases.MaterialIn("申请书", cw.upload(session, clerk)),
                 cases.MaterialIn("身份证明", cw.upload(session, clerk, "id.pdf"))]
    case = cases.submit(session, clerk, item_code=code or t.code, applicant_code=t.applicant_id,
                        form={"contact_name": "张三", "contact_phone": "13800138000", "description": "通办代收"},
                        materials=materials, deliver_at_intake=deliver_at_intake)
    return case.case_no


def department_id(session: Session, name: str, region: str) -> int:
    return f.department(session, name, region)
