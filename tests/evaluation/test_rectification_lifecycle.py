"""A rectification's status changes go through the lifecycle engine: every (status, action) pair of the table,
who may take each, the version a stale page or call carries, and what each change leaves behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests import factories as f
from tests.evaluation import factories as ef
from tests.web.helpers import csrf_of, staff_login
from yiwang.core import clock, lifecycle
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import Conflict, PermissionDenied
from yiwang.core.outbox import OutboxEvent
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.models import Rectification
from yiwang.evaluation.states import RectAction, RectStatus

OPEN, REPLIED, CLOSED = RectStatus.OPEN.value, RectStatus.REPLIED.value, RectStatus.CLOSED.value
TABLE = {
    (OPEN, "reply"): REPLIED, (OPEN, "settle"): None, (OPEN, "supersede"): None, (OPEN, "exclude"): CLOSED,
    (REPLIED, "reply"): None, (REPLIED, "settle"): CLOSED, (REPLIED, "supersede"): CLOSED, (REPLIED, "exclude"): CLOSED,
    (CLOSED, "reply"): None, (CLOSED, "settle"): None, (CLOSED, "supersede"): None, (CLOSED, "exclude"): None,
}


def _task(session):  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    ev = ef.rate(session, w, no, ef.at("2026-03-09"), 4)
    task = session.scalars(select(Rectification).where(Rectification.evaluation_id == ev.id)).one()
    return w, no, task


def _at(session, task_id: int, status: str) -> Rectification:  # type: ignore[no-untyped-def]
    session.execute(update(Rectification).where(Rectification.id == task_id).values(status=status))
    session.expire_all()
    return session.get(Rectification, task_id)


def test_the_table_covers_every_status_and_action() -> None:
    assert {(s.value, a.value) for s in RectStatus for a in RectAction} == set(TABLE)
    for (status, action), target in TABLE.items():
        rule = evaluation.RECT_MACHINE.rule(status, action)
        assert (rule.target if rule else None) == target, (status, action)


@pytest.mark.parametrize(("status", "action"), sorted(TABLE))
def test_every_transition_through_the_engine(session, status: str, action: str) -> None:  # type: ignore[no-untyped-def]
    w, _, task = _task(session)
    actor = {"reply": w.handler, "exclude": w.supervisor}.get(action, w.applicant)
    task = _at(session, task.id, status)
    ctx = evaluation.RectContext(actor=actor, action=action, applicant=w.applicant.label)
    target = TABLE[(status, action)]
    if target is None:
        with pytest.raises(lifecycle.IllegalTransition):
            lifecycle.apply(session, evaluation.RECT_MACHINE, task, ctx)
        return
    lifecycle.apply(session, evaluation.RECT_MACHINE, task, ctx)
    assert task.status == target
    wrong = w.applicant if actor is not w.applicant else w.handler  # each action has its one kind of actor
    task = _at(session, task.id, status)
    with pytest.raises(PermissionDenied):
        lifecycle.apply(session, evaluation.RECT_MACHINE, task, evaluation.RectContext(actor=wrong, action=action))


def test_the_service_refuses_a_second_reply_in_its_own_words(session) -> None:  # type: ignore[no-untyped-def]
    w, _, task = _task(session)
    evaluation.reply(session, w.handler, rectification_id=task.id, text="已整改", callback_note="已回访")
    with pytest.raises(Conflict) as refused:
        evaluation.reply(session, w.handler, rectification_id=task.id, text="再答复")
    assert refused.value.code == "rectification_not_open"


def test_each_action_leaves_a_timeline_entry_an_audit_record_and_its_event(session) -> None:  # type: ignore[no-untyped-def]
    w, no, task = _task(session)
    with clock.frozen(ef.at("2026-03-10")):
        evaluation.reply(session, w.handler, rectification_id=task.id, text="已修订指南", callback_note="已回访")
    ef.rate(session, w, no, ef.at("2026-03-11"), 2)  # satisfied with the answer: settled
    session.commit()
    entries = lifecycle.timeline_of(session, "rectification", str(task.id))
    assert [(e.action, e.from_status, e.to_status) for e in entries] == [("reply", OPEN, REPLIED), ("settle", REPLIED, CLOSED)]
    assert entries[0].comment == "已修订指南" and entries[0].data["on_time"] is True
    assert entries[0].actor == w.handler.label and entries[1].actor == w.applicant.label
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "rectification",
                                                               AuditRecord.object_id == str(task.id))
                              .order_by(AuditRecord.id)).all()
    assert list(actions) == ["evaluation.reply", "evaluation.settle"]
    reply = session.scalars(select(AuditRecord).where(AuditRecord.action == "evaluation.reply")).one()
    assert reply.detail["case_no"] == no and reply.detail["on_time"] is True
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "evaluation.rectification_replied")).one()
    assert event.payload == {"case_no": no, "applicant": w.applicant.label, "rectification_id": task.id,
                             "department_id": task.department_id, "on_time": True}
    assert task.closed_at is not None


def test_exclusion_by_an_upheld_appeal_is_on_the_timeline(session) -> None:  # type: ignore[no-untyped-def]
    w, _, task = _task(session)
    evaluation.request_appeal(session, w.handler, evaluation_id=task.evaluation_id, reason="恶意差评")
    evaluation.decide_appeal(session, w.supervisor, evaluation_id=task.evaluation_id, uphold=True, reason="核实")
    session.commit()
    [entry] = lifecycle.timeline_of(session, "rectification", str(task.id))
    assert (entry.action, entry.to_status, entry.actor) == ("exclude", CLOSED, w.supervisor.label)
    assert session.scalars(select(AuditRecord).where(AuditRecord.action == "evaluation.exclude")).one()


def test_a_stale_version_is_refused_with_409(client, session) -> None:  # type: ignore[no-untyped-def]
    w, _, task = _task(session)
    session.commit()
    handler = f.api_login(client, "handler")
    with clock.frozen(ef.at("2026-03-10")):
        url = f"/api/v1/rectifications/{task.id}"
        version = client.get(url, headers=handler).json()["version"]
        noted = client.post(url + "/callback", json={"note": "已回访"}, headers=handler).json()
        assert noted["version"] == version + 1
        stale = client.post(url + "/reply", json={"text": "已整改", "expected_version": version}, headers=handler)
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
        assert client.get(url, headers=handler).json()["status"] == OPEN

        staff_login(client, "handler")  # the page sends the version it showed
        page = client.get(f"/workbench/rectifications/{task.id}")
        assert f'name="version" value="{version + 1}"' in page.text
        client.post(url + "/callback", json={"note": "再次回访"}, headers=handler)  # someone else, meanwhile
        r = client.post(f"/workbench/rectifications/{task.id}/reply",
                        data={"text": "已整改", "version": str(version + 1), "csrf_token": csrf_of(page.text)})
        assert r.status_code == 409 and "已被其他人处理" in r.text
        done = client.post(url + "/reply", json={"text": "已整改", "expected_version": version + 2}, headers=handler)
        assert done.status_code == 200 and done.json()["status"] == REPLIED and done.json()["version"] == version + 3
