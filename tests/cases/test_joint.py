"""并联审批: fork on acceptance, branch opinions, the join, timeouts (超时默认), suspension, scope and races."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.cases import factories as cw
from tests.cases.joint import ENV, FIRE, Joint, accepted, joint_world, to_approval_step
from yiwang.cases import branches
from yiwang.cases import service as cases
from yiwang.cases.errors import CaseNotFound, IllegalTransition
from yiwang.core import audit, clock, outbox
from yiwang.core.calendar import get_calendar
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import LifecycleEvent, StaleVersion
from yiwang.core.outbox import OutboxEvent

MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai, an ordinary working Monday


@pytest.fixture()
def j(session) -> Joint:  # type: ignore[no-untyped-def]
    return joint_world(session)


def _branches(session, actor, no):  # type: ignore[no-untyped-def]
    return {b.department: b for b in cases.view(session, actor, cases.get_case(session, actor, no)).branches}


def test_acceptance_forks_one_branch_per_department_on_its_own_clock(session, j) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen(MONDAY):
        no = accepted(session, j)
        got = _branches(session, j.w.handler, no)
    cal = get_calendar(session)
    assert set(got) == {FIRE, ENV}
    assert got[FIRE].status == got[ENV].status == "pending"
    assert got[FIRE].deadline == cal.add_working_days(MONDAY.date(), 5)
    assert got[ENV].deadline == cal.add_working_days(MONDAY.date(), 3)
    assert got[FIRE].opinion is None and got[FIRE].decided_at is None
    # the case JSON carries them, in the contract's shape
    body = cases.view(session, j.w.handler, cases.get_case(session, j.w.handler, no)).model_dump(mode="json")
    assert {"department", "status", "deadline", "opinion", "decided_at"} <= set(body["branches"][0])


def test_branch_staff_see_the_case_in_their_queue_and_strangers_do_not(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    _, mine = cases.list_cases(session, j.fire, mine=True)
    assert [c.case_no for c in mine] == [no]
    assert set(cases.allowed_actions(j.fire, cases.get_case(session, j.fire, no))) == {"branch_consent",
                                                                                     "branch_object"}
    with pytest.raises(CaseNotFound):
        cases.get_case(session, j.stranger, no)
    # the lead's approver has no branch actions; the branch officer has none of the lead's
    lead_actions = cases.allowed_actions(j.w.approver, cases.get_case(session, j.w.approver, no))
    assert "branch_consent" not in lead_actions
    assert "accept" not in cases.allowed_actions(j.fire, cases.get_case(session, j.fire, no))
    with pytest.raises(PermissionDenied):
        cases.apply(session, j.w.handler, case_no=no, action="branch_consent")
    # once the branch answered, its queue no longer lists the case
    cases.apply(session, j.fire, case_no=no, action="branch_consent", comment="同意")
    assert cases.list_cases(session, j.fire, mine=True)[0] == 0


def test_approve_only_after_every_branch_consents(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    to_approval_step(session, j, no)
    assert "approve" not in cases.allowed_actions(j.w.approver, cases.get_case(session, j.w.approver, no))
    with pytest.raises(IllegalTransition) as refused:
        cases.apply(session, j.w.approver, case_no=no, action="approve", comment="准予")
    assert refused.value.code == "branches_pending" and FIRE in refused.value.message
    cases.apply(session, j.fire, case_no=no, action="branch_consent", comment="消防安全检查合格")
    with pytest.raises(IllegalTransition):
        cases.apply(session, j.w.approver, case_no=no, action="approve", comment="准予")
    cases.apply(session, j.env, case_no=no, action="branch_consent")
    assert "approve" in cases.allowed_actions(j.w.approver, cases.get_case(session, j.w.approver, no))
    case = cases.apply(session, j.w.approver, case_no=no, action="approve", comment="准予")
    assert case.status == "concluded" and case.outcome == "approved"
    got = _branches(session, j.w.handler, no)
    assert got[FIRE].opinion == "消防安全检查合格" and got[FIRE].decided_at is not None
    # a branch acting after the decision: 409, nothing changes
    with pytest.raises(IllegalTransition):
        cases.apply(session, j.env, case_no=no, action="branch_object", comment="晚了")


def test_objection_needs_a_reason_and_lets_the_lead_deny(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    to_approval_step(session, j, no)
    with pytest.raises(ValidationFailed) as missing:
        cases.apply(session, j.fire, case_no=no, action="branch_object", comment="  ")
    assert missing.value.field == "comment"
    cases.apply(session, j.fire, case_no=no, action="branch_object", comment="疏散通道不符合要求")
    cases.apply(session, j.env, case_no=no, action="branch_consent")
    with pytest.raises(IllegalTransition) as refused:
        cases.apply(session, j.w.approver, case_no=no, action="approve", comment="准予")
    assert refused.value.code == "branch_objected" and "疏散通道" in refused.value.message
    case = cases.apply(session, j.w.approver, case_no=no, action="deny", comment="消防意见不同意，不予许可")
    assert case.outcome == "denied"


def test_objection_lets_the_lead_send_back_for_correction_and_ask_again(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    with pytest.raises(IllegalTransition):  # no objection yet: no correction after acceptance
        cases.apply(session, j.w.handler, case_no=no, action="request_correction", materials=["申请书"])
    cases.apply(session, j.env, case_no=no, action="branch_consent")
    cases.apply(session, j.fire, case_no=no, action="branch_object", comment="平面图与现场不符")
    assert "request_correction" in cases.allowed_actions(j.w.handler, cases.get_case(session, j.w.handler, no))
    case = cases.apply(session, j.w.handler, case_no=no, action="request_correction", materials=["申请书"],
                       comment="请按消防意见修改平面图")
    assert case.status == "correction_requested"
    cases.apply(session, j.w.applicant, case_no=no, action="resubmit",
                materials=[{"name": "申请书", "file_id": cw.upload(session, j.w.applicant, "new.pdf")}])
    cases.apply(session, j.w.handler, case_no=no, action="accept")
    got = _branches(session, j.w.handler, no)
    assert got[FIRE].status == "pending" and got[FIRE].opinion is None  # asked again
    assert got[ENV].status == "consented"  # its consent stands
    reopened = session.scalars(select(LifecycleEvent).where(LifecycleEvent.action == "reopen")).all()
    assert len(reopened) == 1


def test_two_officers_of_one_branch_exactly_one_outcome(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    cases.apply(session, j.fire, case_no=no, action="branch_consent")
    with pytest.raises(IllegalTransition):
        cases.apply(session, j.fire2, case_no=no, action="branch_object", comment="不同意")
    assert _branches(session, j.w.handler, no)[FIRE].status == "consented"
    assert len(session.scalars(select(LifecycleEvent).where(LifecycleEvent.kind == "case_branch")).all()) == 1


def test_stale_expected_version_is_a_conflict(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    version = cases.get_case(session, j.w.handler, no).version
    cases.apply(session, j.w.handler, case_no=no, action="review", expected_version=version)
    with pytest.raises(StaleVersion):
        cases.apply(session, j.fire, case_no=no, action="branch_consent", expected_version=version)
    with pytest.raises(StaleVersion):
        cases.apply(session, j.w.checker, case_no=no, action="review", expected_version=version)


def test_timeout_deems_consent_or_escalates(session, j) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen(MONDAY):
        no = accepted(session, j)
    cal = get_calendar(session)
    env_deadline = cal.add_working_days(MONDAY.date(), 3)
    assert branches.time_out(session, env_deadline) == []  # the deadline day itself is still in time
    done = branches.time_out(session, env_deadline + dt.timedelta(days=1))
    assert [(t.department_id, t.status) for t in done] == [
        (_branches(session, j.w.handler, no)[ENV].department_id, "deemed_consent")]
    assert branches.time_out(session, env_deadline + dt.timedelta(days=1)) == []  # once only
    fire_deadline = cal.add_working_days(MONDAY.date(), 5)
    [late] = branches.time_out(session, fire_deadline + dt.timedelta(days=1))
    assert late.status == "escalated"
    got = _branches(session, j.w.handler, no)
    assert got[ENV].status == "deemed_consent" and got[FIRE].status == "escalated"
    # on the timeline as 超时默认同意, audited, published for the branch department's supervisors
    view = cases.view(session, j.w.handler, cases.get_case(session, j.w.handler, no))
    assert any(e.action_label.endswith("超时默认同意") for e in view.timeline)
    session.commit()
    actions = set(session.scalars(select(audit.AuditRecord.action)))
    assert {"case_branch.deem_consent", "case_branch.escalate"} <= actions
    topics = [e.topic for e in session.scalars(select(OutboxEvent))]
    assert "case.branch_deem_consent" in topics and "case.branch_escalate" in topics
    # an escalated branch still owes its opinion and may give it late; a deemed one may not act again
    cases.apply(session, j.fire, case_no=no, action="branch_consent", comment="补出具意见")
    with pytest.raises(IllegalTransition):
        cases.apply(session, j.env, case_no=no, action="branch_object", comment="不同意")
    to_approval_step(session, j, no)
    assert cases.apply(session, j.w.approver, case_no=no, action="approve", comment="准予").outcome == "approved"


def test_suspension_pauses_every_branch_clock(session, j) -> None:  # type: ignore[no-untyped-def]
    cal = get_calendar(session)
    with clock.frozen(MONDAY):
        no = accepted(session, j)
        cases.apply(session, j.w.handler, case_no=no, action="suspend", kind="inspection", days=5)
    before = _branches(session, j.w.handler, no)
    assert before[FIRE].paused and before[FIRE].light is None
    later = MONDAY + dt.timedelta(days=14)  # two weeks of inspection
    assert branches.time_out(session, later.date()) == []  # paused clocks do not time out
    with clock.frozen(later):
        cases.apply(session, j.w.handler, case_no=no, action="resume")
    after = _branches(session, j.w.handler, no)
    used = cal.working_days_between(MONDAY.date(), later.date())
    assert after[FIRE].deadline == cal.add_working_days(before[FIRE].deadline, used)
    assert not after[FIRE].paused


def test_branch_sees_only_the_materials_the_lead_allows(session) -> None:  # type: ignore[no-untyped-def]
    jj = joint_world(session, env_materials=["身份证明"])
    no = accepted(session, jj)
    env_view = cases.view(session, jj.env, cases.get_case(session, jj.env, no))
    assert [m.name for m in env_view.materials] == ["身份证明"]
    fire_view = cases.view(session, jj.fire, cases.get_case(session, jj.fire, no))
    assert {m.name for m in fire_view.materials} == {"申请书", "身份证明"}
    hidden = next(m for m in fire_view.materials if m.name == "申请书")
    with pytest.raises(CaseNotFound):
        cases.material_file(session, jj.env, case_no=no, file_id=hidden.file_id)


def test_ordinary_cases_are_untouched(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    case = cases.apply(session, w.handler, case_no=no, action="accept")
    assert not case.joint and cases.view(session, w.handler, case).branches == []
    assert not outbox.dead_for(session, f"case:{no}")


def test_simultaneous_branch_officers_and_the_lead_make_exactly_one_outcome(session, engine, j) -> None:  # type: ignore[no-untyped-def]
    import threading

    from yiwang.core.db import session_factory
    from yiwang.core.errors import Conflict

    no = accepted(session, j)
    to_approval_step(session, j, no)
    cases.apply(session, j.env, case_no=no, action="branch_consent")
    session.commit()
    make = session_factory(engine)
    barrier = threading.Barrier(3)
    results: dict[str, str] = {}

    def act(name, actor, action, comment) -> None:  # type: ignore[no-untyped-def]
        with make() as s:
            cases.get_case(s, actor, no)
            barrier.wait()
            try:
                cases.apply(s, actor, case_no=no, action=action, comment=comment)
                s.commit()
                results[name] = "ok"
            except Conflict as exc:
                s.rollback()
                results[name] = exc.code

    threads = [threading.Thread(target=act, args=a) for a in (
        ("consent", j.fire, "branch_consent", "同意"), ("object", j.fire2, "branch_object", "不同意"),
        ("approve", j.w.approver, "approve", "准予"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.expire_all()
    case = cases.get_case(session, j.w.handler, no)
    fire = _branches(session, j.w.handler, no)[FIRE]
    # exactly one of the two officers decided the branch; the other got a 409
    assert sorted([results["consent"], results["object"]]).count("ok") == 1, results
    assert fire.status in ("consented", "objected")
    # the lead approved only if the consent was already in when it looked
    if case.outcome == "approved":
        assert results["approve"] == "ok" and fire.status == "consented"
    else:
        assert results["approve"] in ("branches_pending", "branch_objected", "stale_version"), results
        assert case.status == "in_review"


def test_the_supervision_tick_times_out_branches_and_lights_them(session, j) -> None:  # type: ignore[no-untyped-def]
    from yiwang.supervision import service as supervision
    from yiwang.supervision.models import Alert

    with clock.frozen(MONDAY):
        no = accepted(session, j)
    cal = get_calendar(session)
    got = _branches(session, j.w.handler, no)
    fire_id, env_id = got[FIRE].department_id, got[ENV].department_id
    env_due = cal.add_working_days(MONDAY.date(), 3)

    def open_alerts() -> set[tuple[str, str, int]]:
        return {(a.rule, a.subject, a.department_id) for a in session.scalars(
            select(Alert).where(Alert.case_no == no, Alert.status == "open", Alert.subject != ""))}

    supervision.tick(session, as_of=env_due)  # the environment branch is due today: yellow, in its own name
    assert ("branch_approaching", f"branch:{env_id}", env_id) in open_alerts()
    result = supervision.tick(session, as_of=env_due + dt.timedelta(days=1))
    assert _branches(session, j.w.handler, no)[ENV].status == "deemed_consent"
    assert ("branch_deemed_consent", f"branch:{env_id}", env_id) in open_alerts()
    assert not any(rule == "branch_approaching" and subject == f"branch:{env_id}"
                   for rule, subject, _ in open_alerts())  # the light went out with the clock
    assert result.raised >= 1
    fire_due = cal.add_working_days(MONDAY.date(), 5)
    supervision.tick(session, as_of=fire_due + dt.timedelta(days=1))
    alerts = open_alerts()
    assert ("branch_escalated", f"branch:{fire_id}", fire_id) in alerts
    assert ("branch_overdue", f"branch:{fire_id}", fire_id) in alerts  # red until it answers
    again = supervision.tick(session, as_of=fire_due + dt.timedelta(days=1))
    assert open_alerts() == alerts and again.raised == 0  # idempotent
    cases.apply(session, j.fire, case_no=no, action="branch_consent", comment="补出具意见")
    supervision.tick(session, as_of=fire_due + dt.timedelta(days=2))
    assert ("branch_overdue", f"branch:{fire_id}", fire_id) not in open_alerts()
    assert ("branch_escalated", f"branch:{fire_id}", fire_id) in open_alerts()  # a finding stays


def test_a_withdrawn_joint_case_asks_no_branch_for_an_opinion(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    cases.apply(session, j.w.applicant, case_no=no, action="withdraw")
    got = _branches(session, j.w.handler, no)
    assert got[FIRE].status == "pending" and got[FIRE].status_label == "办件已终止，无需出具意见"
    assert got[FIRE].light is None
    assert cases.list_cases(session, j.fire, mine=True)[0] == 0  # gone from the branch queue
    assert branches.time_out(session, clock.today() + dt.timedelta(days=60)) == []
    with pytest.raises(IllegalTransition):
        cases.apply(session, j.fire, case_no=no, action="branch_consent")


def test_branch_rules_are_set_for_the_default_scope_only(session, j) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core.permissions import SYSTEM
    from yiwang.supervision import service as supervision

    admin = SYSTEM
    rule = supervision.set_rule(session, admin, code="branch_approaching", params={"working_days": 2})
    assert rule.params["working_days"] == 2
    with pytest.raises(ValidationFailed) as refused:
        supervision.set_rule(session, admin, code="branch_overdue", scope="item", scope_value=j.w.code)
    assert refused.value.code == "branch_rule_default_only"


def test_branch_staff_never_take_the_leads_actions(session, j) -> None:  # type: ignore[no-untyped-def]
    no = accepted(session, j)
    cases.apply(session, j.fire, case_no=no, action="branch_object", comment="平面图不符")
    case = cases.get_case(session, j.fire, no)
    assert cases.allowed_actions(j.fire, case) == []
    with pytest.raises(PermissionDenied) as refused:
        cases.apply(session, j.fire, case_no=no, action="request_correction", materials=["申请书"])
    assert refused.value.code == "branch_department"
    cases.apply(session, j.w.handler, case_no=no, action="request_correction", materials=["申请书"])
    cases.apply(session, j.w.applicant, case_no=no, action="resubmit",
                materials=[{"name": "申请书", "file_id": cw.upload(session, j.w.applicant, "b.pdf")}])
    assert "accept" not in cases.allowed_actions(j.fire, cases.get_case(session, j.fire, no))
    with pytest.raises(PermissionDenied):
        cases.apply(session, j.fire, case_no=no, action="accept")


def test_a_correction_after_an_objection_is_not_bound_by_the_answer_period(session, j) -> None:  # type: ignore[no-untyped-def]
    from yiwang.cases.models import CaseEvent

    with clock.frozen(MONDAY):
        no = cw.submit(session, j.w)
        cases.apply(session, j.w.handler, case_no=no, action="request_correction", materials=["申请书"])
        cases.apply(session, j.w.applicant, case_no=no, action="resubmit",
                    materials=[{"name": "申请书", "file_id": cw.upload(session, j.w.applicant, "c.pdf")}])
        cases.apply(session, j.w.handler, case_no=no, action="accept")
    later = MONDAY + dt.timedelta(days=14)  # well past the 5-day answer period
    with clock.frozen(later):
        cases.apply(session, j.fire, case_no=no, action="branch_object", comment="疏散通道不足")
        case = cases.apply(session, j.w.handler, case_no=no, action="request_correction",
                           materials=["身份证明"], comment="按消防意见补正")
    assert case.status == "correction_requested"
    assert case.correction_count == 1  # the objection's correction is not a repeat of the first notice
    assert "case.repeated_correction" not in {e.topic for e in session.scalars(select(OutboxEvent))}
    with clock.frozen(later):
        cases.apply(session, j.w.applicant, case_no=no, action="resubmit",
                    materials=[{"name": "身份证明", "file_id": cw.upload(session, j.w.applicant, "d.pdf")}])
        before = cases.get_case(session, j.w.handler, no).version
        case = cases.apply(session, j.w.handler, case_no=no, action="accept")
    session.flush()
    assert case.version == before + 1  # accepting again (a branch reopened) writes the case once
    seqs = list(session.scalars(select(CaseEvent.seq).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1))
    assert _branches(session, j.w.handler, no)[FIRE].status == "pending"
    view = cases.view(session, j.w.handler, case)
    assert len(view.corrections) == 2


def test_a_branch_escalated_twice_does_not_stop_the_tick(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.supervision import service as supervision
    from yiwang.supervision.models import Alert

    jj = joint_world(session, fire_days=1)
    with clock.frozen(MONDAY):
        no = accepted(session, jj)
    cal = get_calendar(session)
    day = cal.add_working_days(MONDAY.date(), 2)
    supervision.tick(session, as_of=day)
    assert _branches(session, jj.w.handler, no)[FIRE].status == "escalated"
    with clock.frozen(dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)):
        cases.apply(session, jj.fire, case_no=no, action="branch_object", comment="逾期后出具：不同意")
        cases.apply(session, jj.w.handler, case_no=no, action="request_correction", materials=["申请书"])
        cases.apply(session, jj.w.applicant, case_no=no, action="resubmit",
                    materials=[{"name": "申请书", "file_id": cw.upload(session, jj.w.applicant, "e.pdf")}])
        cases.apply(session, jj.w.handler, case_no=no, action="accept")
    again = cal.add_working_days(day, 3)
    supervision.tick(session, as_of=again)  # escalated a second time while the first card is open: no crash
    assert _branches(session, jj.w.handler, no)[FIRE].status == "escalated"
    cards = session.scalars(select(Alert).where(Alert.case_no == no, Alert.rule == "branch_escalated")).all()
    assert len(cards) == 1


def test_supervisors_may_order_a_branch_department_about_the_case(session, j) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f
    from yiwang.supervision import service as supervision

    no = accepted(session, j)
    supervisor = f.staff(session, "sup2", ["supervisor"], "区政务服务数据管理局")
    fire_dept = _branches(session, j.w.handler, no)[FIRE].department_id
    order = supervision.issue_order(session, supervisor, department_id=fire_dept, subject="并联意见超时",
                                    content="请立即出具意见", case_no=no)
    assert order.case_no == no
    with pytest.raises(ValidationFailed):  # a department with no part in the case
        supervision.issue_order(session, supervisor, department_id=j.stranger.department_id, subject="无关",
                                content="无关", case_no=no)
