"""Supervision orders (督办): a supervisor orders a department to act and reply within working days; the
department replies (again, to amend, until the order is closed); the supervisor closes it. Replies and closing
go through the lifecycle engine (the table is in states.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.core import audit, clock, lifecycle, outbox
from yiwang.core.calendar import get_calendar
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.org import service as org_service
from yiwang.supervision import events, repository
from yiwang.supervision.errors import AlertNotFound, OrderNotFound
from yiwang.supervision.models import SupervisionOrder
from yiwang.supervision.states import ORDER_STATUS_LABELS, ORDER_TRANSITIONS, OrderAction


def _order_no(session: Session, today: dt.date) -> str:
    prefix = f"DB{today:%Y%m%d}"
    n = repository.orders_numbered(session, prefix)
    return f"{prefix}{n + 1:04d}"


def issue_order(session: Session, actor: Actor, *, department_id: int, subject: str, content: str,
                reply_days: int = 3, case_no: str | None = None, alert_id: int | None = None) -> SupervisionOrder:
    """A supervisor orders a department (within their region) to act and reply within working days."""
    actor.require(Perm.SUPERVISION_ORDER)
    dept = org_service.get_department(session, department_id)
    if actor.region_code and not dept.region_code.startswith(region_prefix(actor.region_code)):
        raise NotFound("部门不存在", field="department_id")
    subject, content = (subject or "").strip(), (content or "").strip()
    if not subject or len(subject) > 200:
        raise ValidationFailed("请填写督办事由（200 字以内）", field="subject")
    if not content:
        raise ValidationFailed("请填写督办内容", field="content")
    if not isinstance(reply_days, int) or not 1 <= reply_days <= 30:
        raise ValidationFailed("答复期限应为 1–30 个工作日", field="reply_days")
    if case_no:
        case = cases.get_case(session, actor, case_no)
        if not cases.involves_department(session, case, dept.id):
            raise ValidationFailed("该办件不属于所选部门", field="case_no")
    if alert_id is not None and not repository.alert_of_department(session, actor, alert_id, dept.id):
        raise AlertNotFound("预警不存在", field="alert_id")
    now = clock.now()
    order = SupervisionOrder(order_no=_order_no(session, clock.today()), department_id=dept.id,
                             region_code=dept.region_code, case_no=case_no or None, alert_id=alert_id,
                             subject=subject, content=content[:5000],
                             reply_due=get_calendar(session).add_working_days(clock.today(), reply_days),
                             status="issued", issued_by=actor.label, issued_at=now)
    session.add(order)
    session.flush()
    audit.record(session, actor, "supervision.order_issue", "supervision_order", order.order_no,
                 {"department_id": dept.id, "case_no": case_no, "reply_due": order.reply_due.isoformat()})
    outbox.emit(session, events.ORDER_ISSUED, events.OrderIssued(
        order_no=order.order_no, department_id=dept.id, subject=subject, reply_due=order.reply_due
    ).model_dump(mode="json"))
    return order


def _visible_order(session: Session, actor: Actor, order_no: str) -> SupervisionOrder:
    if not (actor.can(Perm.SUPERVISION_READ) or actor.can(Perm.SUPERVISION_REPLY)):
        raise OrderNotFound("督办单不存在", field="order_no")
    order = repository.order_in_scope(session, actor, order_no)
    if order is None:
        raise OrderNotFound("督办单不存在", field="order_no")
    return order


def list_orders(session: Session, actor: Actor, *, status: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[int, list[SupervisionOrder]]:
    if not (actor.can(Perm.SUPERVISION_READ) or actor.can(Perm.SUPERVISION_REPLY)):
        raise PermissionDenied("您没有查看督办单的权限", code="forbidden")
    return repository.orders_page(session, actor, status=status, limit=limit, offset=offset)


def get_order(session: Session, actor: Actor, order_no: str) -> SupervisionOrder:
    return _visible_order(session, actor, order_no)


def _order_holds(actor: Actor, order: SupervisionOrder, transition: lifecycle.Transition, action: str) -> bool:
    if not (actor.is_staff and isinstance(transition.who, Perm) and actor.can(transition.who)):
        return False
    return action != OrderAction.REPLY or actor.department_id == order.department_id  # only the ordered replies


def _replied_event(order: SupervisionOrder, ctx: lifecycle.Context) -> events.OrderReplied:
    return events.OrderReplied(order_no=order.order_no, issued_by=order.issued_by)


MACHINE: lifecycle.Machine[SupervisionOrder] = lifecycle.Machine(
    name="supervision_order", transitions=ORDER_TRANSITIONS, subject=lambda order: order.order_no,
    topic=lambda action: events.ORDER_REPLIED if action == OrderAction.REPLY else None, event=_replied_event,
    holds=_order_holds, labels=ORDER_STATUS_LABELS, audit_action=lambda action: f"supervision.order_{action}")


def reply_order(session: Session, actor: Actor, order_no: str, *, reply: str,
                expected_version: int | None = None) -> SupervisionOrder:
    """The ordered department replies (what it did); replying again before closure amends the reply. With
    ``expected_version`` (the version the caller was shown) a change made meanwhile is a StaleVersion."""
    actor.require(Perm.SUPERVISION_REPLY)
    order = _visible_order(session, actor, order_no)
    if actor.department_id != order.department_id:
        raise PermissionDenied("只有被督办部门可以答复", code="forbidden")
    lifecycle.check_version(MACHINE, order, expected_version)
    if MACHINE.rule(order.status, OrderAction.REPLY) is None:
        raise ValidationFailed("督办单已办结", field="order_no", code="order_closed")
    if not (reply or "").strip():
        raise ValidationFailed("请填写答复内容", field="reply", code="reason_required")
    text = reply.strip()[:5000]

    def answered(session: Session, ctx: lifecycle.Context, order: SupervisionOrder) -> None:
        order.reply, order.replied_by, order.replied_at = text, ctx.actor.label, ctx.now

    now = clock.now()
    lifecycle.apply(session, MACHINE, order,
                    lifecycle.Context(actor=actor, action=OrderAction.REPLY.value, now=now, comment=text,
                                      data={"on_time": clock.to_local(now).date() <= order.reply_due}),
                    effect=answered, expected_version=expected_version)
    return order


def close_order(session: Session, actor: Actor, order_no: str, *, note: str,
                expected_version: int | None = None) -> SupervisionOrder:
    actor.require(Perm.SUPERVISION_ORDER)
    order = _visible_order(session, actor, order_no)
    lifecycle.check_version(MACHINE, order, expected_version)
    if MACHINE.rule(order.status, OrderAction.CLOSE) is None:
        raise ValidationFailed("督办单尚未答复，不能办结", field="order_no", code="not_replied")
    close_note = (note or "").strip()[:2000] or None

    def closed(session: Session, ctx: lifecycle.Context, order: SupervisionOrder) -> None:
        order.closed_at, order.close_note = ctx.now, close_note

    lifecycle.apply(session, MACHINE, order,
                    lifecycle.Context(actor=actor, action=OrderAction.CLOSE.value, comment=close_note,
                                      data={"note": close_note}),
                    effect=closed, expected_version=expected_version)
    return order


def order_out(session: Session, order: SupervisionOrder) -> dict[str, Any]:
    return {"order_no": order.order_no, "department_id": order.department_id,
            "department": org_service.department_name(session, order.department_id), "case_no": order.case_no,
            "subject": order.subject, "content": order.content, "reply_due": order.reply_due.isoformat(),
            "status": order.status, "issued_at": order.issued_at.isoformat(), "reply": order.reply,
            "replied_at": order.replied_at.isoformat() if order.replied_at else None,
            "overdue": order.status == "issued" and clock.today() > order.reply_due,
            "close_note": order.close_note, "version": order.version}
