"""A case from submission to delivery, and the rules on the way."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases import factories as cw
from yiwang.cases import service as cases
from yiwang.cases.errors import CaseNotFound, IllegalTransition
from yiwang.core import audit, clock
from yiwang.core.errors import PermissionDenied, ValidationFailed

MONDAY_MORNING = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def test_full_happy_path_with_deadlines(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(MONDAY_MORNING):
        no = cw.submit(session, w)
        case = cases.get_case(session, w.applicant, no)
        assert case.status == "submitted" and case.answer_due == dt.date(2026, 3, 9)
        assert no.startswith("44010420260302")
        case = cases.apply(session, w.handler, case_no=no, action="accept")
        # promised 5 working days from Monday 2 March (start day not counted) → Monday 9 March
        assert case.deadline == dt.date(2026, 3, 9) and case.warn_at == dt.date(2026, 3, 6)
        assert cases.allowed_actions(w.handler, case) == ["review", "suspend", "withdraw"][:2]
        assert "review" in cases.allowed_actions(w.handler, case)
        assert "review" not in cases.allowed_actions(w.checker, case)
        cases.apply(session, w.handler, case_no=no, action="review", comment="材料齐全")
        with pytest.raises(PermissionDenied):
            cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
        with pytest.raises(IllegalTransition) as exc:
            cases.apply(session, w.approver, case_no=no, action="review")
        assert set(exc.value.extra["allowed_actions"]) >= {"approve", "deny"}
        case = cases.apply(session, w.approver, case_no=no, action="approve")
        assert case.status == "concluded" and case.outcome == "approved" and case.on_time
        case = cases.apply(session, w.handler, case_no=no, action="deliver")
        assert case.status == "delivered"
        view = cases.view(session, w.applicant, case)
        assert [e.action for e in view.timeline] == ["submit", "accept", "review", "review", "approve", "deliver"]
        assert view.timeline[1].actor == "工作人员"  # applicants do not see staff names
    session.commit()
    assert audit.verify(session).ok


def test_correction_is_one_time(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    with pytest.raises(ValidationFailed):
        cases.apply(session, w.handler, case_no=no, action="request_correction", materials=[])
    cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["申请书"],
                comment="申请书未签字")
    case = cases.apply(session, w.applicant, case_no=no, action="resubmit",
                       materials=[{"name": "申请书", "file_id": cw.upload(session, w.applicant, "new.pdf")}])
    assert case.status == "submitted"
    # the identity document was there from the start: it had to be listed the first time
    with pytest.raises(IllegalTransition) as exc:
        cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["身份证明"])
    assert exc.value.code == "correction_not_one_time"
    # the newly provided form may be corrected again; the repeat is recorded for supervision
    case = cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["申请书"])
    assert case.correction_count == 2 and cases.corrections(session, case)[1].repeated


def test_staff_of_another_department_and_other_applicants_see_nothing(session) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f

    w = cw.world(session)
    no = cw.submit(session, w)
    stranger, _ = f.person(session, "李四")
    for actor in (w.other_handler, stranger):
        with pytest.raises(CaseNotFound):
            cases.get_case(session, actor, no)
        with pytest.raises(CaseNotFound):
            cases.apply(session, actor, case_no=no, action="accept")
        assert cases.list_cases(session, actor)[0] == 0
    assert cases.list_cases(session, w.handler)[0] == 1
    assert cases.list_cases(session, w.clerk)[0] == 1  # the general window sees the region


def test_reasons_are_required(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    with pytest.raises(ValidationFailed) as exc:
        cases.apply(session, w.handler, case_no=no, action="reject", comment="  ")
    assert exc.value.field == "comment"
    case = cases.apply(session, w.handler, case_no=no, action="reject", comment="不属于本部门职权范围，请向区卫生健康局申请")
    assert case.status == "rejected" and case.closed_at is not None


def test_missing_required_material_is_refused_unless_pledged(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, pledge_allowed=True)
    with pytest.raises(ValidationFailed) as exc:
        cw.submit(session, w, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
    assert exc.value.extra["missing"] == ["身份证明"]
    no = cw.submit(session, w, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))], pledge=True)
    assert cases.get_case(session, w.applicant, no).pledge


def test_files_of_others_cannot_be_attached(session) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f

    w = cw.world(session)
    other, _ = f.person(session, "王五")
    foreign = cw.upload(session, other)
    with pytest.raises(ValidationFailed) as exc:
        cw.submit(session, w, materials=[cases.MaterialIn("申请书", foreign),
                                         cases.MaterialIn("身份证明", cw.upload(session, w.applicant))])
    assert exc.value.code == "file_not_found"


def test_idempotent_submission(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    a = cw.submit(session, w, idempotency_key="k-1")
    b = cw.submit(session, w, idempotency_key="k-1")
    c = cw.submit(session, w, idempotency_key="k-2")
    assert a == b != c


def test_suspension_adds_back_working_days_and_extension(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit={"value": 10, "unit": "working_day"})
    with clock.frozen(MONDAY_MORNING):
        no = cw.submit(session, w)
        case = cases.apply(session, w.handler, case_no=no, action="accept")
        assert case.deadline == dt.date(2026, 3, 16)
        case = cases.apply(session, w.handler, case_no=no, action="suspend", kind="expert_review", days=5)
        assert case.status == "suspended" and cases.clock_view(session, case)["paused"]
    with clock.frozen(MONDAY_MORNING + dt.timedelta(days=7)):  # resumed the next Monday: 5 working days
        case = cases.apply(session, w.handler, case_no=no, action="resume")
        assert case.status == "accepted" and case.suspended_working_days == 5
        assert case.deadline == dt.date(2026, 3, 23)
        with pytest.raises(PermissionDenied):
            cases.apply(session, w.handler, case_no=no, action="extend", days=3, comment="需补充核查")
        case = cases.apply(session, w.approver, case_no=no, action="extend", days=3, comment="需补充核查")
        assert case.deadline == dt.date(2026, 3, 26)
        with pytest.raises(ValidationFailed):
            cases.apply(session, w.approver, case_no=no, action="extend", days=8, comment="再延")


def test_immediate_item_in_one_window_action(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit="immediate")
    cw.let_window_decide(session, w)
    late = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # 18:00 in Beijing, after office hours
    with clock.frozen(late):
        no = cw.submit(session, w)
        case = cases.apply(session, w.clerk, case_no=no, action="approve")
        assert case.status == "concluded" and case.outcome == "approved"
        assert case.deadline == dt.date(2026, 3, 3)  # received after hours: due the next working day


def test_promised_item_cannot_be_decided_at_intake(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    with pytest.raises(IllegalTransition):
        cases.apply(session, w.clerk, case_no=no, action="approve")


def test_deficiency_material_must_arrive_before_approval(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, materials=[{"name": "申请书", "required": True, "deficiency_allowed": False},
                                     {"name": "检测报告", "required": True, "deficiency_allowed": True}])
    no = cw.submit(session, w, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
    for actor, action in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review")):
        cases.apply(session, actor, case_no=no, action=action)
    with pytest.raises(IllegalTransition) as exc:
        cases.apply(session, w.approver, case_no=no, action="approve")
    assert exc.value.extra["missing"] == ["检测报告"]
    cases.apply(session, w.approver, case_no=no, action="deny", comment="检测报告未按期补交")


def test_public_progress_needs_the_tail(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    case = cases.public_progress(session, case_no=no, tail=w.applicant_id[-4:])
    view = cases.public_view(session, case)
    assert view["status"] == "submitted" and "applicant" not in str(view)
    for tail in ("0000", "", "12"):
        with pytest.raises(CaseNotFound):
            cases.public_progress(session, case_no=no, tail=tail)


def test_my_queue_holds_what_waits_for_me(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    waiting = cw.submit(session, w)
    withdrawn = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=withdrawn, action="accept")
    cases.apply(session, w.applicant, case_no=withdrawn, action="withdraw")
    done = cw.submit(session, w)
    for actor, action in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review"),
                          (w.approver, "approve")):
        cases.apply(session, actor, case_no=done, action=action)

    def queue(actor):  # type: ignore[no-untyped-def]
        return {c.case_no for c in cases.list_cases(session, actor, mine=True, limit=50)[1]}

    assert queue(w.handler) == {waiting, done}  # accept the new one, deliver the decided one
    assert queue(w.checker) == set()  # nothing at the check step; cannot accept
    assert withdrawn not in queue(w.handler) | queue(w.approver)


def test_applicants_asking_for_staff_actions_are_forbidden(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    for action in ("approve", "deny", "review", "suspend", "extend"):
        with pytest.raises(PermissionDenied):
            cases.apply(session, w.applicant, case_no=no, action=action, comment="x")


def test_filer_may_not_withdraw_for_the_applicant(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w, actor=w.clerk, applicant_code=w.applicant_id, materials=[
        cases.MaterialIn("申请书", cw.upload(session, w.clerk)), cases.MaterialIn("身份证明", cw.upload(session, w.clerk, "i.pdf"))])
    assert "withdraw" not in cases.allowed_actions(w.clerk, cases.get_case(session, w.clerk, no))
    with pytest.raises(PermissionDenied):
        cases.apply(session, w.clerk, case_no=no, action="withdraw")
    assert cases.apply(session, w.applicant, case_no=no, action="withdraw").status == "withdrawn"


def test_deficiency_material_can_be_supplied_after_acceptance(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, materials=[{"name": "申请书", "required": True, "deficiency_allowed": False},
                                     {"name": "检测报告", "required": True, "deficiency_allowed": True}])
    no = cw.submit(session, w, materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
    for actor, action in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review")):
        cases.apply(session, actor, case_no=no, action=action)
    case = cases.apply(session, w.applicant, case_no=no, action="supplement",
                       materials=[{"name": "检测报告", "file_id": cw.upload(session, w.applicant, "r.pdf")}])
    assert case.status == "in_review"
    assert cases.apply(session, w.approver, case_no=no, action="approve").outcome == "approved"


def test_a_correction_of_the_form_alone_can_be_answered(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["申请表第3项填写不完整"])
    with pytest.raises(ValidationFailed):
        cases.apply(session, w.applicant, case_no=no, action="resubmit", materials=["not a dict"])
    case = cases.apply(session, w.applicant, case_no=no, action="resubmit",
                       form={"contact_name": "张三", "contact_phone": "13800138000", "description": "已补全第3项"})
    assert case.status == "submitted" and case.form["description"] == "已补全第3项"


def test_after_the_answer_period_it_counts_as_accepted_on_receipt(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(MONDAY_MORNING):
        no = cw.submit(session, w)
    late = MONDAY_MORNING + dt.timedelta(days=14)
    with clock.frozen(late):
        with pytest.raises(IllegalTransition) as exc:
            cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["申请书"])
        assert exc.value.code == "answer_period_passed"
        case = cases.apply(session, w.handler, case_no=no, action="accept")
    assert case.deadline == dt.date(2026, 3, 9)  # five working days from receipt on 2 March, not from acceptance


def test_immediate_item_received_late_on_friday_is_due_monday(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit="immediate")
    cw.let_window_decide(session, w)
    friday_evening = dt.datetime(2026, 3, 6, 9, 30, tzinfo=dt.UTC)  # 17:30 in Beijing
    with clock.frozen(friday_evening):
        no = cw.submit(session, w)
        case = cases.get_case(session, w.applicant, no)
        assert case.due == dt.date(2026, 3, 9) and case.review_steps == ["approve"]
    with clock.frozen(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)):  # decided Tuesday: late
        case = cases.apply(session, w.clerk, case_no=no, action="approve")
        assert case.on_time is False


def test_internal_review_remarks_stay_internal(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    cases.apply(session, w.handler, case_no=no, action="review", comment="内部意见：需重点核查")
    case = cases.get_case(session, w.handler, no)
    assert "内部意见：需重点核查" not in str(cases.view(session, w.applicant, case).timeline)
    assert "内部意见：需重点核查" in str(cases.view(session, w.handler, case).timeline)


def test_staff_without_case_permissions_see_no_cases(session) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f

    w = cw.world(session)
    no = cw.submit(session, w)
    admin = f.staff(session, "sysadmin", ["admin"], cw.DEPT)
    assert cases.list_cases(session, admin)[0] == 0
    with pytest.raises(CaseNotFound):
        cases.get_case(session, admin, no)


def test_no_extension_after_the_deadline(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(MONDAY_MORNING):
        no = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=no, action="accept")
    with clock.frozen(MONDAY_MORNING + dt.timedelta(days=30)):
        with pytest.raises(IllegalTransition):
            cases.apply(session, w.approver, case_no=no, action="extend", days=2, comment="迟了")


def test_progress_lookups_are_rate_limited(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core.config import get_settings
    from yiwang.core.errors import TooManyRequests

    w = cw.world(session)
    no = cw.submit(session, w)
    other = cw.submit(session, w)
    session.commit()
    for _ in range(get_settings().progress_per_case_hour):
        with pytest.raises(CaseNotFound):
            cases.public_progress(session, case_no=no, tail="0000", client="10.0.0.9")
    # failed guesses on one case number stop its lookups, from any client (the tail cannot be guessed) …
    with pytest.raises(TooManyRequests):
        cases.public_progress(session, case_no=no, tail=w.applicant_id[-4:], client="10.0.0.10")
    # … and nothing else
    assert cases.public_progress(session, case_no=other, tail=w.applicant_id[-4:], client="10.0.0.9").case_no == other


def test_staff_reading_a_case_is_audited(session) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from yiwang.core.audit import AuditRecord

    w = cw.world(session)
    no = cw.submit(session, w)
    cases.open_case(session, w.handler, no)
    cases.open_case(session, w.applicant, no)  # the applicant's own case: not an access to others' data
    session.commit()
    viewed = session.scalars(select(AuditRecord).where(AuditRecord.action == "case.viewed")).all()
    assert [(r.actor, r.object_id) for r in viewed] == [(w.handler.label, no)]
