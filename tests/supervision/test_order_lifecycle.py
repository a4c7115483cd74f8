"""A supervision order's status changes go through the lifecycle engine: every (status, action) pair of the
table (replying again while replied amends), who may take each, the version a stale page or call carries, and
what each change leaves behind (timeline, audit record, event)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests import factories as f
from tests.cases import factories as cw
from tests.web.helpers import csrf_of, staff_login
from yiwang.core import lifecycle
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.outbox import OutboxEvent
from yiwang.supervision import orders
from yiwang.supervision import service as supervision
from yiwang.supervision.models import SupervisionOrder
from yiwang.supervision.states import OrderAction, OrderStatus

ISSUED, REPLIED, CLOSED = OrderStatus.ISSUED.value, OrderStatus.REPLIED.value, OrderStatus.CLOSED.value
TABLE = {(ISSUED, "reply"): REPLIED, (ISSUED, "close"): None, (REPLIED, "reply"): REPLIED, (REPLIED, "close"): CLOSED, (CLOSED, "reply"): None,
         (CLOSED, "close"): None}


def _order(session):  # type: ignore[no-untyped-def]
    w = cw.world(session)
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    order = supervision.issue_order(session, supervisor, department_id=w.handler.department_id,
                                    subject="超期办件督办", content="请说明超期原因")
    return w, supervisor, order


def _at(session, order_no: str, status: str) -> SupervisionOrder:  # type: ignore[no-untyped-def]
    session.execute(update(SupervisionOrder).where(SupervisionOrder.order_no == order_no).values(status=status))
    session.expire_all()
    return session.scalars(select(SupervisionOrder).where(SupervisionOrder.order_no == order_no)).one()


def test_the_table_covers_every_status_and_action() -> None:
    assert {(s.value, a.value) for s in OrderStatus for a in OrderAction} == set(TABLE)
    for (status, action), target in TABLE.items():
        rule = orders.MACHINE.rule(status, action)
        assert (rule.target if rule else None) == target, (status, action)


@pytest.mark.db
@pytest.mark.parametrize(("status", "action"), sorted(TABLE))
def test_every_transition_through_the_engine_and_the_service(session, status: str, action: str) -> None:  # type: ignore[no-untyped-def]
    w, supervisor, order = _order(session)
    actor = w.handler if action == "reply" else supervisor
    order = _at(session, order.order_no, status)
    target = TABLE[(status, action)]
    ctx = lifecycle.Context(actor=actor, action=action)

    def act() -> SupervisionOrder:
        if action == "reply":
            return supervision.reply_order(session, actor, order.order_no, reply="已处理")
        return supervision.close_order(session, actor, order.order_no, note="同意")

    if target is None:
        with pytest.raises(lifecycle.IllegalTransition):
            lifecycle.apply(session, orders.MACHINE, order, ctx)
        with pytest.raises(ValidationFailed) as refused:  # the service's own words for it
            act()
        assert refused.value.code == ("order_closed" if action == "reply" else "not_replied")
        return
    lifecycle.apply(session, orders.MACHINE, order, ctx)
    assert order.status == target
    order = _at(session, order.order_no, status)
    assert act().status == target
    order = _at(session, order.order_no, status)
    for wrong in (w.other_handler, w.checker, supervisor if action == "reply" else w.handler):
        with pytest.raises(PermissionDenied):
            lifecycle.apply(session, orders.MACHINE, order, lifecycle.Context(actor=wrong, action=action))


@pytest.mark.db
def test_each_action_leaves_a_timeline_entry_an_audit_record_and_its_event(session) -> None:  # type: ignore[no-untyped-def]
    w, supervisor, order = _order(session)
    supervision.reply_order(session, w.handler, order.order_no, reply="已办结")
    supervision.reply_order(session, w.handler, order.order_no, reply="已办结，补充说明原因")  # amends
    supervision.close_order(session, supervisor, order.order_no, note="同意办结")
    session.commit()
    entries = lifecycle.timeline_of(session, "supervision_order", order.order_no)
    assert [(e.action, e.from_status, e.to_status) for e in entries] == [("reply", ISSUED, REPLIED), ("reply", REPLIED, REPLIED),
                                                                         ("close", REPLIED, CLOSED)]
    assert entries[1].comment == "已办结，补充说明原因" and entries[2].actor == supervisor.label
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "supervision_order")
                              .order_by(AuditRecord.id)).all()
    assert list(actions) == ["supervision.order_issue", "supervision.order_reply", "supervision.order_reply",
                             "supervision.order_close"]
    replied = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "supervision.order_replied")
                              .order_by(OutboxEvent.id)).all()
    assert [e.payload for e in replied] == [{"order_no": order.order_no, "issued_by": supervisor.label}] * 2
    issued = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "supervision.order_issued")).one()
    assert set(issued.payload) == {"order_no", "department_id", "subject", "reply_due"}
    assert order.reply == "已办结，补充说明原因" and order.close_note == "同意办结" and order.closed_at is not None


@pytest.mark.db
def test_a_stale_version_is_refused_with_409(client, session) -> None:  # type: ignore[no-untyped-def]
    w, supervisor, order = _order(session)
    session.commit()
    handler = f.api_login(client, "handler")
    url = f"/api/v1/supervision/orders/{order.order_no}"
    version = order.version
    first = client.post(url + "/reply", json={"reply": "已处理", "expected_version": version}, headers=handler)
    assert first.status_code == 200 and first.json()["version"] == version + 1
    stale = client.post(url + "/reply", json={"reply": "补充", "expected_version": version}, headers=handler)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    jiancha = f.api_login(client, "jiancha")
    stale = client.post(url + "/close", json={"note": "同意", "expected_version": version}, headers=jiancha)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"

    staff_login(client, "jiancha")  # the page sends the version it showed
    page = client.get(f"/console/orders/{order.order_no}")
    assert f'name="version" value="{version + 1}"' in page.text
    client.post(url + "/reply", json={"reply": "再补充"}, headers=handler)  # the department amends, meanwhile
    r = client.post(f"/console/orders/{order.order_no}/close",
                    data={"note": "同意", "version": str(version + 1), "csrf_token": csrf_of(page.text)})
    assert r.status_code == 409 and "已被其他人处理" in r.text
    done = client.post(url + "/close", json={"note": "同意", "expected_version": version + 2}, headers=jiancha)
    assert done.status_code == 200 and done.json()["status"] == CLOSED
