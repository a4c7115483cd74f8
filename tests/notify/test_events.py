"""Events become messages: case progress to the applicant, licenses to the holder, rectifications and
supervision alerts to the department's handlers and approvers — each exactly once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests import factories as f
from tests.cases import factories as cw
from tests.notify import factories as nf
from yiwang.cases import service as cases
from yiwang.core import clock, outbox
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM
from yiwang.identity import service as identity
from yiwang.notify import service as notify
from yiwang.notify import templates
from yiwang.notify.models import Message

pytestmark = pytest.mark.db

CASE_TOPICS = {"case.accept", "case.suspend", "case.resume", "case.extend", "case.approve", "case.deliver",
               "case.request_correction", "case.reject", "case.deny"}


@pytest.fixture()
def sms_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    with nf.settings(sms_backend="file", email_backend="file", notify_dir=str(tmp_path)):
        yield tmp_path / "sms.jsonl"


def test_case_progress_reaches_the_applicant(session, engine, sms_file) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit={"value": 10, "unit": "working_day"})
    with clock.frozen(nf.MONDAY):
        full = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=full, action="accept")
        cases.apply(session, w.handler, case_no=full, action="suspend", kind="expert_review", days=5)
    with clock.frozen(nf.MONDAY + dt.timedelta(days=7)):
        cases.apply(session, w.handler, case_no=full, action="resume")
        cases.apply(session, w.approver, case_no=full, action="extend", days=3, comment="需补充核查")
        cases.apply(session, w.handler, case_no=full, action="review")
        cases.apply(session, w.checker, case_no=full, action="review")
        cases.apply(session, w.approver, case_no=full, action="approve")
        cases.apply(session, w.handler, case_no=full, action="deliver")
        corrected = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=corrected, action="request_correction", materials=["申请书"])
        rejected = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=rejected, action="reject", comment="不属于本部门职责")
        denied = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=denied, action="accept")
        cases.apply(session, w.handler, case_no=denied, action="review")
        cases.apply(session, w.checker, case_no=denied, action="review")
        cases.apply(session, w.approver, case_no=denied, action="deny", comment="不符合条件")
    session.commit()
    nf.drain(engine, nf.MONDAY + dt.timedelta(days=8))

    got = nf.messages(session, w.applicant.label)
    # submissions and review steps tell nobody; each of the others tells the applicant once
    assert sorted(m.topic for m in got) == sorted([*CASE_TOPICS, "case.accept"])
    assert nf.messages(session) == got  # and nobody else
    by_topic = {m.topic: m for m in got}
    accepted = [m for m in got if m.topic == "case.accept"]
    assert {m.link for m in accepted} == {f"/my/cases/{full}", f"/my/cases/{denied}"}
    assert by_topic["case.approve"].title == "办件已办结：准予许可" and full in by_topic["case.approve"].body
    assert by_topic["case.deny"].link == f"/my/cases/{denied}" and "不予许可" in by_topic["case.deny"].body
    assert by_topic["case.request_correction"].title == "请补正材料"
    assert by_topic["case.reject"].link == f"/my/cases/{rejected}"
    assert all(m.read_at is None and m.event_key.endswith(f":{w.applicant.label}") for m in got)
    # every message went out by SMS to the phone the applicant registered, in one segment
    phone, _ = identity.contact_for(session, w.applicant.label)
    sent = nf.lines(sms_file)
    assert len(sent) == len(got) and {s["to"] for s in sent} == {phone}
    assert all(s["body"].startswith("【一网政务】") and len(s["body"]) <= templates.SMS_LIMIT for s in sent)
    assert {d.status for d in nf.deliveries(session)} == {"sent"}


def test_a_redelivered_event_tells_nobody_twice(session, engine, sms_file) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(nf.MONDAY):
        no = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=no, action="accept")
    session.commit()
    nf.drain(engine, nf.MONDAY)
    # the worker died after the handlers ran: the same accept event is delivered again
    session.execute(update(OutboxEvent).where(OutboxEvent.topic == "case.accept")
                    .values(status=outbox.PENDING, available_at=nf.MONDAY))
    session.commit()
    nf.drain(engine, nf.MONDAY + dt.timedelta(minutes=1))
    assert [m.topic for m in nf.messages(session)] == ["case.accept"]
    assert len(nf.deliveries(session)) == 1 and len(nf.lines(sms_file)) == 1


def test_send_is_idempotent_and_survives_a_lost_race(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang.notify import repository

    person, _ = f.person(session)
    kw = dict(recipient=person.label, topic="test.hello", title="您好", body="正文", link="/my/cases",
              event_key="e-1")
    first = notify.send(session, **kw)  # type: ignore[arg-type]
    assert first is not None and notify.send(session, **kw) is None  # type: ignore[arg-type]
    session.commit()
    # another worker inserted the same key between our lookup and our insert
    monkeypatch.setattr(repository, "message_by_key", lambda s, key: None)
    assert notify.send(session, **kw) is None  # type: ignore[arg-type]
    other = notify.send(session, **(kw | {"event_key": "e-2"}))  # type: ignore[arg-type]
    session.commit()  # the caller's transaction is still good
    assert other is not None
    assert [m.event_key for m in nf.messages(session, person.label)] == ["e-1", "e-2"]
    with pytest.raises(ValueError):
        notify.send(session, **(kw | {"event_key": "e-3", "link": "https://elsewhere.example/"}))  # type: ignore[arg-type]


def test_license_events_reach_the_holder(session, engine, sms_file) -> None:  # type: ignore[no-untyped-def]
    from tests.licenses import factories as lf
    from yiwang.licenses import service as licenses

    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    licenses.change_status(session, w.approver, license_id, action="suspend", reason="责令整改")
    licenses.change_status(session, w.approver, license_id, action="revoke", reason="以欺骗手段取得许可")
    session.commit()
    nf.drain(engine)
    got = {m.topic: m for m in nf.messages(session, w.applicant.label)}
    assert {"license.issued", "license.suspend", "license.revoke"} <= set(got)
    assert all(got[t].link == f"/my/licenses/{license_id}" for t in ("license.issued", "license.suspend"))
    assert lf.TYPE in got["license.issued"].body
    assert "欺骗手段" in got["license.revoke"].body and got["license.revoke"].title == "电子证照已注销"


def _staff_with_phone(session, login: str, roles: list[str]) -> str:  # type: ignore[no-untyped-def]
    dept = f.department(session, cw.DEPT)
    s = identity.add_staff(session, SYSTEM, login=login, password=f.PASSWORD, name=f"{login}员",
                           department_id=dept, roles=roles, phone=f.phone())
    return f"staff:{s.id}"


def test_rectifications_and_alerts_reach_the_departments_handlers_and_approvers(session, engine, sms_file
                                                                                ) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    on_call = _staff_with_phone(session, "oncall", ["handler"])
    dept = f.department(session, cw.DEPT)
    with clock.frozen(nf.MONDAY):
        opened = outbox.emit(session, "evaluation.rectification_opened",
                             {"case_no": "C-1", "department_id": dept, "rectification_id": 7, "deadline": "2026-03-05"})
        yellow = outbox.emit(session, "supervision.alert_raised",
                             {"case_no": "C-2", "department_id": dept, "level": "yellow", "rule": "approaching",
                              "content": "距承诺期限仅剩 1 个工作日"})
        red = outbox.emit(session, "supervision.alert_raised",
                          {"case_no": "C-3", "department_id": dept, "level": "red", "rule": "overdue",
                           "content": "已超过承诺期限"})
        outbox.emit(session, "evaluation.rectification_replied",
                    {"case_no": "C-1", "applicant": w.applicant.label, "rectification_id": 7})
    session.commit()
    nf.drain(engine, nf.MONDAY)

    told = {w.handler.label, w.approver.label, on_call}  # not the checker, not another department
    for event in (opened, yellow, red):
        got = [m for m in nf.messages(session) if m.event_key.startswith(f"{event.id}:")]
        assert {m.recipient for m in got} == told
    rect = nf.messages(session, w.handler.label)[0]
    assert rect.topic == "evaluation.rectification_opened" and rect.link == "/workbench/rectifications"
    assert "2026-03-05" in rect.body
    alerts = [m for m in nf.messages(session, on_call) if m.topic == "supervision.alert_raised"]
    assert {m.link for m in alerts} == {"/workbench/cases/C-2", "/workbench/cases/C-3"}
    assert any("红灯" in m.title and "已超过承诺期限" in m.body for m in alerts)
    answer = nf.messages(session, w.applicant.label)
    assert [(m.title, m.link) for m in answer] == [("您的评价已收到答复", "/my/cases/C-1/evaluation")]
    # SMS only to those with a phone (the applicant, the on-call handler); for alerts only the red one
    sent = nf.lines(sms_file)
    on_call_phone, _ = identity.contact_for(session, on_call)
    applicant_phone, _ = identity.contact_for(session, w.applicant.label)
    assert {s["to"] for s in sent} == {on_call_phone, applicant_phone}
    to_staff = sorted(s["body"] for s in sent if s["to"] == on_call_phone)
    assert len(to_staff) == 2 and "差评" in to_staff[0] + to_staff[1]
    assert any("红灯" in b for b in to_staff) and not any("黄灯" in b for b in to_staff)
    assert session.scalar(select(Message.id).where(Message.recipient == w.other_handler.label)) is None
