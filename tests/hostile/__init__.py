"""Hostile-input and access tests: fuzzing the API against its OpenAPI schema, the permission matrix, uploads,
path traversal, script injection and CSRF. ``build_world`` seeds what they share: two departments in two
districts, each with a case and an issued license, and in the "own" department a pending case, a bad review
with its rectification and a requested appeal, two supervision orders, an open card, a message and a published
blank form; the owner, a stranger, own-department staff and one staff member of every role in the other one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from tests.licenses import factories as lf
from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import clock, storage
from yiwang.core.db import Base
from yiwang.core.permissions import SYSTEM, Actor, Role
from yiwang.evaluation import service as evaluation
from yiwang.identity import service as identity
from yiwang.licenses import jobs as license_jobs
from yiwang.licenses import service as licenses
from yiwang.notify import service as notify
from yiwang.org import service as org_service
from yiwang.portal import service as portal
from yiwang.supervision import service as supervision

OWN_REGION = "440104"  # 越秀区, home of cw.DEPT
OTHER_DEPT, OTHER_REGION = "天河区市场监督管理局", "440106"  # another district: region-wide roles do not reach
CENTRE = "区政务服务数据管理局"  # the own district's service centre (window clerk, supervisor)
RATED_AT = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)  # a week after the approval, within the rating window
ROLES = tuple(r.value for r in Role)


@dataclass
class World:
    item_code: str
    owner: Actor  # applicant A: owns every "own" object
    owner_login: str
    stranger: Actor  # applicant B: owns the other department's case and license
    stranger_login: str
    own: dict[str, Actor]  # handler, checker, approver of the own department; clerk, super of the own district
    other: dict[str, Actor]  # the other department's staff, one per role, by role name; "all": every role
    sibling: Actor  # handler + checker + approver of another department in the own district
    case_no: str  # approved, license issued, rated 5 (rectification open, appeal requested)
    pending_no: str  # submitted, waiting for acceptance
    file_id: str  # a material of the pending case
    license_id: str
    evaluation_id: int
    rectification_id: int
    order_no: str  # issued, waiting for the department's reply
    replied_order_no: str  # replied, waiting to be closed
    alert_id: int  # an open red card on the pending case
    message_id: int  # an unread message to A
    catalog_file_id: str  # the blank form of the own item's first material (published)
    own_department_id: int
    other_department_id: int
    other_case_no: str
    other_license_id: str
    announcement_id: int = 0  # a published notice (通知公告) of the own district
    pledged_no: str = ""  # 告知承诺: approved on a pledge, its post-check task open (with an evidence file)
    pledge_check_id: int = 0
    bundle_code: str = ""  # 一件事 of the own item and a second own item
    bundle_no: str = ""  # A's application for it: two cases of the own department, waiting for acceptance
    hall_code: str = ""  # the own district's hall: window HH-01 staffed by the own clerk, HH-02 by nobody
    window_code: str = ""
    ticket_no: str = ""  # A's phone ticket of today, waiting
    appointment_no: str = ""  # A's appointment at the hall
    hotline_no: str = ""  # A's 12345 request filed on the web, dispatched to the own department, waiting to be signed
    knowledge_code: str = ""  # a knowledge base answer of the own department (not public)
    board_post_id: int = 0  # A's message board post, waiting for moderation

    def secrets(self) -> dict[str, str]:
        """Identifiers of the own objects: none of them may appear in what a stranger is shown."""
        return {"case_no": self.case_no, "pending_no": self.pending_no, "license_id": self.license_id,
                "order_no": self.order_no, "replied_order_no": self.replied_order_no, "file_id": self.file_id,
                "owner_login": self.owner_login, "pledged_no": self.pledged_no, "bundle_no": self.bundle_no,
                "appointment_no": self.appointment_no, "hotline_no": self.hotline_no}

    def other_secrets(self) -> dict[str, str]:
        """Identifiers of the other department's objects: none may appear in what own actors are shown."""
        return {"other_case_no": self.other_case_no, "other_license_id": self.other_license_id,
                "stranger_login": self.stranger_login}


def _through_review(session: Session, no: str, handler: Actor, checker: Actor, approver: Actor) -> None:
    with clock.frozen(lf.MONDAY):
        cases.apply(session, handler, case_no=no, action="accept")
        cases.apply(session, handler, case_no=no, action="review")
        cases.apply(session, checker, case_no=no, action="review")
        cases.apply(session, approver, case_no=no, action="approve")
    with clock.frozen(lf.MONDAY + dt.timedelta(minutes=5)):
        ids = license_jobs.issue_for_case(session, no)
    assert len(ids) == 1


def _other_department(session: Session, stranger: Actor) -> tuple[int, dict[str, Actor], str]:
    """The other district's department, its staff, and B's case there, approved with its license issued. Its item
    yields the same license type as the own one: two districts' regulators issue the same kind of license."""
    f.region(session, OTHER_REGION, "天河区")
    dept = org_service.ensure_department(session, SYSTEM, name=OTHER_DEPT, region_code=OTHER_REGION,
                                         uscc=f.uscc_code(OTHER_REGION))
    other = {role: f.staff(session, f"o_{role}", [role], OTHER_DEPT, OTHER_REGION) for role in ROLES}
    other["all"] = f.staff(session, "o_all", list(ROLES), OTHER_DEPT, OTHER_REGION)
    code = cf.published(session, department=OTHER_DEPT, region_code=OTHER_REGION,
                        result={"name": lf.TYPE, "license_type": lf.TYPE})
    materials = [cases.MaterialIn("申请书", cw.upload(session, stranger)),
                 cases.MaterialIn("身份证明", cw.upload(session, stranger, "id.pdf"))]
    with clock.frozen(lf.MONDAY):
        no = cases.submit(session, stranger, item_code=code, form={"contact_name": "李四", "contact_phone":
                                                                   "13900139000", "description": "申请办理"},
                          materials=materials).case_no
    _through_review(session, no, other["handler"], other["checker"], other["approver"])
    return dept.id, other, no


def build_world(session: Session) -> World:
    """Seed the world and commit it (the app's requests use their own sessions)."""
    w = lf.world(session, pledge_allowed=True)
    owner_login, stranger_actor, stranger_login = w.applicant_id, *f.person(session, "李四")
    case_no, license_id = lf.issued(session, w)
    pending_no = cw.submit(session, w)
    file_id = next(m.file_id for m in cases.case_materials(session, cases.get_case(session, SYSTEM, pending_no))
                   if m.file_id)
    supervisor = f.staff(session, "super", ["supervisor"], CENTRE)

    with clock.frozen(RATED_AT):
        rated = evaluation.rate(session, w.applicant, case_no=case_no, level=5, reasons=["slow"], comment="太慢了")
        rectification_id = evaluation.list_rectifications(session, w.handler)[1][0].id
        evaluation.request_appeal(session, w.handler, evaluation_id=rated.id, reason="申请人所述与事实不符")

    own_department_id = cases.get_case(session, SYSTEM, case_no).department_id
    order = supervision.issue_order(session, supervisor, department_id=own_department_id, subject="督办超期办件",
                                    content="请说明原因", reply_days=3, case_no=pending_no)
    replied = supervision.issue_order(session, supervisor, department_id=own_department_id, subject="督办答复",
                                      content="请答复", reply_days=3, case_no=pending_no)
    supervision.reply_order(session, w.handler, replied.order_no, reply="已处理")
    alert = supervision.raise_card(session, case_no=pending_no, rule="beyond_guide", content="要求指南以外的材料",
                                   detail={})
    assert alert is not None
    message = notify.send(session, recipient=w.applicant.label, topic="case.accepted", title="您的办件已受理",
                          body="请留意办理进度", link=f"/my/cases/{case_no}", event_key=f"hostile:{case_no}",
                          channels=())
    assert message is not None

    blank = storage.store(session, data=cw.PDF + b"blank form", filename="空白表格.pdf",
                          declared_type="application/pdf", owner="catalog")
    catalog.open_draft(session, SYSTEM, code=w.code)
    seq = catalog.newest_version(session, SYSTEM, code=w.code)[1][0].seq
    catalog.attach_material_file(session, SYSTEM, code=w.code, material_seq=seq, kind="blank_form",
                                 file_id=blank.id)
    catalog.publish(session, SYSTEM, code=w.code)

    other_department_id, other, other_no = _other_department(session, stranger_actor)
    other_license_id = _license_of(session, other_no)
    world = World(
        item_code=w.code, owner=w.applicant, owner_login=owner_login, stranger=stranger_actor,
        stranger_login=stranger_login,
        own={"handler": w.handler, "checker": w.checker, "approver": w.approver, "clerk": w.clerk,
             "super": supervisor},
        other=other, sibling=w.other_handler, case_no=case_no, pending_no=pending_no, file_id=file_id,
        license_id=license_id, evaluation_id=rated.id, rectification_id=rectification_id, order_no=order.order_no,
        replied_order_no=replied.order_no, alert_id=alert.id, message_id=message.id, catalog_file_id=blank.id,
        own_department_id=own_department_id, other_department_id=other_department_id,
        other_case_no=other_no, other_license_id=other_license_id)
    world.pledged_no, world.pledge_check_id = _pledged(session, w, file_id)
    world.bundle_code, world.bundle_no = _bundle(session, w)
    world.hall_code, world.window_code, world.ticket_no, world.appointment_no = _hall(session, w)
    world.hotline_no, world.knowledge_code = _hotline(session, w, own_department_id)
    world.board_post_id = _board_post(session, w)
    world.announcement_id = portal.create_announcement(session, SYSTEM, title="越秀区通知", body="正文",
                                                       region_code=OWN_REGION, publish=True).id
    session.commit()
    return world


def _bundle(session: Session, w: cw.World) -> tuple[str, str]:
    """一件事 of the own item and a second item of the own department (same two materials), and A's application."""
    from yiwang.bundles import service as bundles
    from yiwang.catalog import bundles as bundle_catalog

    second = cf.published(session, department=cw.DEPT, name="第二个事项")
    bundle_catalog.import_bundle(session, SYSTEM, bundle_catalog.BundleIn.model_validate(
        {"kind": "bundle", "code": "YJS-HOSTILE", "name": "测试一件事", "items": [w.code, second],
         "audience": "person"}))
    given = [bundles.MaterialGiven("申请书", cw.upload(session, w.applicant, "b1.pdf")),
             bundles.MaterialGiven("身份证明", cw.upload(session, w.applicant, "b2.pdf"))]
    with clock.frozen(lf.MONDAY):
        app = bundles.submit(session, w.applicant, bundle_code="YJS-HOSTILE", materials=given,
                             form={"contact_name": "张三", "contact_phone": "13800138000", "description": "一件事"})
    return "YJS-HOSTILE", app.application_no


def _hall(session: Session, w: cw.World) -> tuple[str, str, str, str]:
    """The own district's hall (its window staffed by the own clerk), A's phone ticket of today and A's appointment
    (booked on a Monday of 2026 for the Tuesday: the matrix reads and cancels it, whatever today is)."""
    from yiwang.hall import service as hall

    line = {"code": "HH", "name": "越秀区政务服务中心", "region_code": OWN_REGION, "windows": [
        {"code": "HH-01", "type": "综合", "staff": ["clerk"]}, {"code": "HH-02", "type": "综合"}]}
    report = hall.import_halls(session, SYSTEM, [("第 1 行", line)])
    assert not report.errors, report.errors
    ticket = hall.take_ticket(session, w.applicant, "HH", source="phone")
    with clock.frozen(lf.MONDAY):
        appointment = hall.book(session, w.applicant, hall_code="HH", day=dt.date(2026, 3, 3), start="10:00")
    return "HH", "HH-01", ticket.ticket_no, appointment.appointment_no


def _hotline(session: Session, w: cw.World, department_id: int) -> tuple[str, str]:
    """The own department as the district's hotline unit for market matters, A's web request dispatched to it and
    an internal answer it keeps in the knowledge base."""
    from yiwang.hotline import knowledge
    from yiwang.hotline import service as hotline
    from yiwang.hotline.schemas import ActionIn, KnowledgeIn, TicketIn

    dept = org_service.get_department(session, department_id)
    assert hotline.import_units(session, SYSTEM, [("市场监督管理", dept.name, dept.region_code, "食品安全、消费纠纷")]) == []
    with clock.frozen(lf.MONDAY):
        ticket = hotline.create_ticket(session, w.applicant, TicketIn(
            channel="web", kind="complaint", content="超市卖过期食品，要求退货被拒绝", contact_phone="13800138000",
            region_code=OWN_REGION, dispatch=False))
        hotline.act(session, SYSTEM, ticket.ticket_no, ActionIn(action="dispatch", department_id=department_id))
    entry = knowledge.save(session, SYSTEM, KnowledgeIn(title="过期食品投诉口径", topic="食品安全", public=False,
                                                        answer="经核实后依法处理并答复。", department_id=department_id))
    return ticket.ticket_no, entry.code


def _board_post(session: Session, w: cw.World) -> int:
    """A's post on the message board (a work order of its own), not yet moderated."""
    from yiwang.hotline import board
    from yiwang.hotline.schemas import BoardPostIn

    with clock.frozen(lf.MONDAY):
        row = board.post(session, w.applicant, BoardPostIn(title="超市出售过期食品", content="超市卖过期食品，要求退货被拒绝，请处理",
                                                          contact_phone="13800138000", region_code=OWN_REGION))
    return int(row.post.id)


def _pledged(session: Session, w: cw.World, evidence: str) -> tuple[str, int]:
    """A case approved on a pledge and its post-check task, opened from the approval event as the worker would."""
    from sqlalchemy import select

    from yiwang.core.outbox import OutboxEvent
    from yiwang.pledges import service as pledges

    no = cw.submit(session, w, pledge=True, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant,
                                                                                           "pledge.pdf"))])
    _through_review(session, no, w.handler, w.checker, w.approver)
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.subject == f"case:{no}",
                                                      OutboxEvent.topic == "case.approve")).one()
    task = pledges.open_for_approval(session, event.payload)
    assert task is not None
    task.evidence_file_id = evidence  # some file to download from the task page
    return no, task.id


def _license_of(session: Session, case_no: str) -> str:
    found = licenses.for_case(session, case_no)
    assert len(found) == 1, found
    return str(found[0]["license_id"])


def login_token(session: Session, actor: Actor, kind: str = "api") -> str:
    """A bearer token (``api``) or a page session (``web``) for ``actor``, without the password round trip."""
    raw, _ = identity.issue_token(session, actor, kind)
    return raw


def routes(app: Any) -> list[tuple[str, str, Any]]:
    """Every (method, path template, route) the app answers, with the prefixes of included routers applied.
    FastAPI keeps included routers nested (``original_router``) in recent versions and flat in older ones."""

    def walk(items: Any, prefix: str) -> Any:
        for route in items:
            nested = getattr(route, "original_router", None)
            if nested is not None:
                yield from walk(nested.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                for method in sorted(route.methods or ()):
                    yield method, prefix + route.path, route

    return list(walk(app.routes, ""))


# What a refusal may still leave behind: tokens, login failures, verification logs, the search index's state,
# and the audit trail of reading (a page shown again after a refused action records that it was viewed).
UNTRACKED = {"auth_token", "login_failure", "license_verification", "catalog_index_state", "supervision_run",
             "audit_head", "alembic_version"}
READ_AUDITS = ("case.viewed", "case.material_viewed", "license.view", "license.download")


def fingerprint(engine: Engine) -> dict[str, str]:
    """A digest of each table a write could change."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in UNTRACKED:
                continue
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            where = "WHERE action NOT IN :reads" if table.name == "audit_record" else ""
            stmt = text(f'SELECT * FROM "{table.name}" {where} ORDER BY {order}')
            if where:
                stmt = stmt.bindparams(bindparam("reads", expanding=True))
            rows = conn.execute(stmt, {"reads": list(READ_AUDITS)} if where else {}).all()
            out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before if before[t] != after.get(t))
