"""A small fixed data set for the indicators, with every figure worked out by hand in the tests.

One county (440104) with two townships (T1 洪桥街道 440104001000, T2 北京街道 440104002000); a county department
and one service centre per township. Four items published on 1 February 2026; March 2026 is the month counted
(the clock stands at 10 April 2026). Records are written as rows (the counters read rows, whatever made them).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.cases.models import Case
from yiwang.catalog import service as catalog
from yiwang.core import clock
from yiwang.evaluation.models import Evaluation, Rectification
from yiwang.hotline.models import HotlineTicket
from yiwang.identity.models import AuthToken, Enterprise, Person
from yiwang.org import service as org

COUNTY, T1, T2 = "440104", "440104001000", "440104002000"
NOW = dt.datetime(2026, 4, 10, 10, tzinfo=clock.LOCAL_TZ)
PERIOD = "2026-03"
_seq = itertools.count(1)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=clock.LOCAL_TZ)


@dataclass
class Data:
    county_dept: int
    t1_dept: int
    t2_dept: int
    items: dict[str, str]  # I1..I4 -> code
    versions: dict[str, int]


def regions(session: Session) -> None:
    f.region(session, COUNTY)
    from yiwang.core.permissions import SYSTEM

    org.ensure_region(session, SYSTEM, code=T1, name="洪桥街道", parent_code=COUNTY)
    org.ensure_region(session, SYSTEM, code=T2, name="北京街道", parent_code=COUNTY)


def build(session: Session) -> Data:
    regions(session)
    county = f.department(session, "区市场监督管理局", COUNTY)
    t1 = f.department(session, "洪桥街道便民服务中心", T1)
    t2 = f.department(session, "北京街道便民服务中心", T2)
    items: dict[str, str] = {}
    with clock.frozen(at("2026-02-01")):
        # I1 county: fully online, 20 → 5 working days, in the hall, with an e-form
        items["I1"] = cf.published(session, department="区市场监督管理局", region_code=COUNTY, online_depth=4,
                                   legal_limit={"value": 20, "unit": "working_day"},
                                   promised_limit={"value": 5, "unit": "working_day"}, in_hall=True,
                                   form_schema={"type": "object", "properties": {"x": {"type": "string"}}},
                                   process="网上申请、受理、审查、决定、送达，全程在线办理，结果以电子证照送达申请人")
        # I2 township 1: applied online (depth 3), 10 → 10 working days, not in the hall
        items["I2"] = cf.published(session, department="洪桥街道便民服务中心", region_code=T1, online_depth=3,
                                   legal_limit={"value": 10, "unit": "working_day"},
                                   promised_limit={"value": 10, "unit": "working_day"}, in_hall=False)
        # I3 township 2: depth 2, 15 → 3 working days, in the hall
        items["I3"] = cf.published(session, department="北京街道便民服务中心", region_code=T2, online_depth=2,
                                   legal_limit={"value": 15, "unit": "working_day"},
                                   promised_limit={"value": 3, "unit": "working_day"}, in_hall=True)
        # I4 county: depth 1, limits in different units (not counted in the compression), in the hall, no cases
        items["I4"] = cf.published(session, department="区市场监督管理局", region_code=COUNTY, online_depth=1,
                                   legal_limit={"value": 20, "unit": "working_day"},
                                   promised_limit={"value": 10, "unit": "natural_day"}, in_hall=True)
    versions = {k: catalog.get_published_version(session, code).id for k, code in items.items()}
    return Data(county, t1, t2, items, versions)


def case(session: Session, d: Data, item: str, *, submitted: dt.datetime, accepted: dt.datetime | None = None,
         concluded: dt.datetime | None = None, on_time: bool | None = None, outcome: str | None = None,
         channel: str = "online", bundle: int | None = None) -> Case:
    dept, region = {"I1": (d.county_dept, COUNTY), "I2": (d.t1_dept, T1), "I3": (d.t2_dept, T2),
                    "I4": (d.county_dept, COUNTY)}[item]
    n = next(_seq)
    row = Case(case_no=f"T{n:08d}", item_code=d.items[item], item_version_id=d.versions[item], item_name=item,
               department_id=dept, region_code=region, applicant=f"person:{n}", applicant_name="申请人",
               applicant_code="440104199001011234", applicant_phone="13800138000", channel=channel,
               status="concluded" if concluded else ("accepted" if accepted else "submitted"), outcome=outcome,
               review_steps=[], form={}, case_type="promised", limit_value=5, limit_unit="working_day",
               submitted_at=submitted, accepted_at=accepted, concluded_at=concluded, last_action_at=submitted,
               on_time=on_time, bundle_application_id=bundle)
    session.add(row)
    session.flush()
    return row


def rating(session: Session, d: Data, c: Case, *, when: dt.datetime, level: int,
           rectified: dt.datetime | None = None, deadline: str | None = None, excluded: bool = False) -> Evaluation:
    e = Evaluation(case_no=c.case_no, applicant=c.applicant, item_code=c.item_code, department_id=c.department_id,
                   region_code=c.region_code, level=level, reasons=["slow"] if level >= 4 else [], channel="pc",
                   created_at=when, updated_at=when, excluded=excluded)
    session.add(e)
    session.flush()
    if level >= 4:
        due = dt.date.fromisoformat(deadline or "2026-03-20")
        session.add(Rectification(evaluation_id=e.id, case_no=c.case_no, department_id=c.department_id,
                                  region_code=c.region_code, level=level, deadline=due,
                                  status="replied" if rectified else "open", replied_at=rectified,
                                  on_time=None if rectified is None else clock.to_local(rectified).date() <= due,
                                  created_at=when))
        session.flush()
    return e


def ticket(session: Session, *, region: str, department_id: int | None, channel: str = "phone",
           created: dt.datetime, answered: dt.datetime | None = None, on_time: bool | None = None,
           closed: dt.datetime | None = None, satisfaction: str | None = None, status: str | None = None) -> None:
    n = next(_seq)
    session.add(HotlineTicket(
        ticket_no=f"H{n:010d}", channel=channel, kind="complaint", title="诉求", content="诉求",
        contact_phone="13800138000", region_code=region, created_by="staff:1", department_id=department_id,
        status=status or ("closed" if closed else "answered" if answered else "dispatched"), routing={},
        overridden=False, limit_days=5, max_days=15, extended_days=0, paused_working_days=0, returned_count=0,
        redispatch_count=0, answered_at=answered, on_time=on_time, closed_at=closed, satisfaction=satisfaction,
        dispatched_at=created, created_at=created, updated_at=created))
    session.flush()


def person(session: Session, area: str, *, created: dt.datetime, verified: bool, signed_in: dt.datetime | None = None,
           birth: str = "19900101") -> None:
    p = Person(name="张三", id_number=f.id_number(birth, area), phone=f.phone(), password_hash="x",
               phone_verified_at=created if verified else None, created_at=created)
    session.add(p)
    session.flush()
    if signed_in is not None:
        session.add(AuthToken(token_hash=f"{next(_seq):064d}", principal=f"person:{p.id}", kind="web",
                              created_at=signed_in, expires_at=signed_in + dt.timedelta(hours=8)))
        session.flush()


def enterprise(session: Session, area: str, *, created: dt.datetime, complete: bool) -> None:
    session.add(Enterprise(name=f"企业{next(_seq)}", uscc=f.uscc_code(area), legal_person="李四" if complete else "",
                           phone=f.phone(), phone_verified_at=created if complete else None, password_hash="x",
                           created_at=created))
    session.flush()
