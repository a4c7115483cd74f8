"""告知承诺 afterwards: the post-check task opened by the approval event, a false pledge end to end (the case and
its licence revoked, the credit record, the bar on further pledges), a true one, scoping and the per-item period."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.pledges import factories as pf
from yiwang.cases import service as cases
from yiwang.core import audit, clock, lifecycle
from yiwang.core.calendar import get_calendar
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM
from yiwang.credit import service as credit
from yiwang.credit.models import CreditRecord
from yiwang.licenses import service as licenses
from yiwang.pledges import service as pledges
from yiwang.pledges.errors import PledgeCheckNotFound

LATER = pf.MONDAY + dt.timedelta(days=3)


def test_a_false_pledge_end_to_end(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session)
    no = pf.approved_pledged(session, engine, w)
    task = pf.task_of(session, no)
    # opened by the worker from the approval event: 20 working days from the decision day
    assert task.status == "pending" and task.decided_on == dt.date(2026, 3, 2) and task.check_days == 20
    assert task.deadline == get_calendar(session).add_working_days(dt.date(2026, 3, 2), 20)
    assert task.public_holder == "张*"
    [lic] = licenses.for_case(session, no)
    assert lic["status"] == "valid"

    with clock.frozen(LATER):
        listed = pledges.list_checks(session, w.approver)[1]
        assert [c.case_no for c in listed] == [no] and listed[0].remaining_days is not None
        pledges.record_result(session, w.approver, check_id=task.id, result="false_pledge",
                              note="现场核查发现经营场所与承诺不符", expected_version=task.version)
        session.commit()
    session.expire_all()
    task = pf.task_of(session, no)
    assert task.status == "failed" and task.on_time is True and task.checked_by == w.approver.label
    # (a) the decision is revoked through the case lifecycle: timeline, audit
    case = cases.get_case(session, w.approver, no)
    assert case.status == "revoked" and case.outcome == "approved"
    last = cases.timeline(session, case)[-1]
    assert last.action == "revoke" and last.actor == "system" and last.data["pledge_check"] == task.id
    assert last.data["found_by"] == w.approver.label and "告知承诺不实" in (last.comment or "")
    # (b) the licence is revoked through the licence lifecycle, with the reason
    lic_out = licenses.get_license(session, w.approver, lic["license_id"])
    assert lic_out.status == "revoked" and "告知承诺不实" in (lic_out.status_reason or "")
    assert [e.action for e in lifecycle.timeline_of(session, "license", lic["license_id"])] == ["revoke"]
    # (c) the credit record on the applicant, for that item type, standing a year
    record = session.scalars(select(CreditRecord)).one()
    assert record.subject == w.applicant.label and record.kind == "false_pledge" and task.credit_record_id == record.id
    assert record.starts_on == dt.date(2026, 3, 5) and record.ends_on == dt.date(2027, 3, 4)
    assert record.item_type == task.item_type
    mine = credit.list_records(session, w.applicant)[1]
    assert [r.case_no for r in mine] == [no] and mine[0].standing
    actions = [r.action for r in session.scalars(select(audit.AuditRecord).order_by(audit.AuditRecord.seq))]
    for expected in ("case.revoke", "license.revoke", "credit.record", "pledge_check.false_pledge"):
        assert expected in actions
    assert audit.verify(session).ok

    # (d) a pledged submission of that item type is refused while the record stands; without the pledge it is not
    with clock.frozen(LATER + dt.timedelta(days=1)):
        with pytest.raises(ValidationFailed) as refused:
            pf.submit_pledged(session, w)
        assert refused.value.code == "pledge_barred" and refused.value.field == "pledge"
        assert "告知承诺" in refused.value.message and "2027-03-04" in refused.value.message
        session.rollback()
        plain = cw.submit(session, w)
        assert cases.get_case(session, w.applicant, plain).pledge is False
    # once the record lapses, the applicant may pledge again
    with clock.frozen(dt.datetime(2027, 3, 5, 2, tzinfo=dt.UTC)):
        assert credit.pledge_bar(session, applicant=w.applicant.label, item_type=task.item_type) is None


def test_a_true_pledge_closes_the_task_and_changes_nothing_else(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session)
    no = pf.approved_pledged(session, engine, w)
    task = pf.task_of(session, no)
    with clock.frozen(LATER):
        pledges.record_result(session, w.handler, check_id=task.id, result="passed", note="核查属实")
        session.commit()
        with pytest.raises(lifecycle.IllegalTransition):  # recorded once
            pledges.record_result(session, w.approver, check_id=task.id, result="false_pledge", note="again")
        session.rollback()
    assert pf.task_of(session, no).status == "passed"
    assert cases.get_case(session, w.handler, no).status == "concluded"
    assert licenses.for_case(session, no)[0]["status"] == "valid"
    assert session.scalars(select(CreditRecord)).first() is None
    assert [e.action for e in pledges.timeline(session, w.handler, task.id)] == ["passed"]


def test_only_pledged_approvals_get_a_task_and_redelivery_opens_one(session, engine) -> None:  # type: ignore[no-untyped-def]
    from yiwang.licenses import jobs as license_jobs  # noqa: F401  (the approval event, as stored)
    from yiwang.pledges import jobs as pledge_jobs

    w = pf.world(session)
    pf.register_all()
    plain = pf.lf.approved_case(session, w)
    session.commit()
    pf.run_worker(engine)
    assert pledges.list_checks(session, w.approver)[0] == 0
    no = pf.approved_pledged(session, engine, w)
    first = pf.task_of(session, no)
    from sqlalchemy import select as sel

    from yiwang.core.outbox import OutboxEvent
    event = session.scalars(sel(OutboxEvent).where(OutboxEvent.subject == f"case:{no}",
                                                   OutboxEvent.topic == "case.approve")).one()
    pledge_jobs.on_case_approved(session, event)
    assert pledges.list_checks(session, w.approver)[0] == 1 and pf.task_of(session, no).id == first.id
    assert plain != no


def test_the_item_sets_its_own_period(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session, extra={"pledge_check_days": 5})
    no = pf.approved_pledged(session, engine, w)
    task = pf.task_of(session, no)
    assert task.check_days == 5
    assert task.deadline == get_calendar(session).add_working_days(dt.date(2026, 3, 2), 5)
    # overdue once past the deadline (the case clocks' semantics: the due day itself is not late)
    with clock.frozen(dt.datetime.combine(task.deadline, dt.time(3), tzinfo=dt.UTC)):
        seen = pledges.get_check(session, w.approver, task.id)
        assert not seen.overdue and seen.remaining_days == 0 and seen.light == "yellow"
    with clock.frozen(dt.datetime.combine(task.deadline + dt.timedelta(days=1), dt.time(3), tzinfo=dt.UTC)):
        seen = pledges.get_check(session, w.approver, task.id)
        assert seen.overdue and seen.light == "red"
        assert pledges.list_checks(session, w.approver, overdue=True)[0] == 1


def test_scoping_and_who_may_record(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session)
    no = pf.approved_pledged(session, engine, w)
    task = pf.task_of(session, no)
    supervisor = f.staff(session, "sup", ["supervisor"], "区政务服务数据管理局")
    # another department neither sees nor records
    assert pledges.list_checks(session, w.other_handler)[0] == 0
    with pytest.raises(PledgeCheckNotFound):
        pledges.get_check(session, w.other_handler, task.id)
    with pytest.raises(NotFound):
        pledges.record_result(session, w.other_handler, check_id=task.id, result="passed", note="x")
    # the region's supervisor sees it, but does not record
    assert pledges.list_checks(session, supervisor)[0] == 1
    with pytest.raises(PermissionDenied):
        pledges.record_result(session, supervisor, check_id=task.id, result="passed", note="x")
    # a handler records a true pledge, but a false one needs the deciding department's approver
    with pytest.raises(PermissionDenied) as refused:
        pledges.record_result(session, w.handler, check_id=task.id, result="false_pledge", note="x")
    assert "审批人员" in refused.value.message
    # applicants see no tasks, and only their own credit records
    with pytest.raises(PermissionDenied):
        pledges.list_checks(session, w.applicant)
    with pytest.raises(ValidationFailed) as bad:
        pledges.record_result(session, w.approver, check_id=task.id, result="false_pledge", note=" ")
    assert bad.value.field == "note" and bad.value.code == "note_required"
    with clock.frozen(LATER):
        pledges.record_result(session, w.approver, check_id=task.id, result="false_pledge", note="不实")
    other, _ = f.person(session, "李四")
    assert credit.list_records(session, other)[0] == 0
    assert credit.list_records(session, w.applicant)[0] == 1
    assert credit.list_records(session, supervisor)[0] == 1
    assert credit.list_records(session, w.other_handler)[0] == 0


def test_the_case_revocation_is_the_systems_alone(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session)
    no = pf.approved_pledged(session, engine, w)
    with pytest.raises(PermissionDenied):
        cases.apply(session, w.approver, case_no=no, action="revoke", comment="想撤销")
    assert "revoke" not in cases.allowed_actions(w.approver, cases.get_case(session, w.approver, no))
    with pytest.raises(PermissionDenied):
        cases.apply(session, w.applicant, case_no=no, action="revoke")


def test_a_deadline_in_a_year_without_holidays_waits_for_the_calendar(session, engine) -> None:  # type: ignore[no-untyped-def]
    """Approved on 15 December 2026: 20 working days run into 2027, whose holidays are not imported. The task
    opens without a deadline (never guessed), still takes a result, and gets its deadline once 2027 is imported."""
    import json

    from tests.core.test_calendar_db import YEAR_2027
    from yiwang.core import calendar

    w = pf.world(session)
    pf.register_all()
    december = dt.datetime(2026, 12, 15, 1, 30, tzinfo=dt.UTC)
    with clock.frozen(december):
        no = pf.submit_pledged(session, w)
        for who, action in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review"),
                            (w.approver, "approve")):
            cases.apply(session, who, case_no=no, action=action)
    session.commit()
    pf.run_worker(engine, december + dt.timedelta(minutes=5))
    session.expire_all()
    task = pf.task_of(session, no)
    assert task.deadline is None and task.status == "pending"
    with clock.frozen(december + dt.timedelta(days=1)):
        seen = pledges.get_check(session, w.approver, task.id)
        assert seen.deadline is None and not seen.overdue and seen.remaining_days is None
    assert pledges.fill_deadlines(session) == 0
    year, entries, source = calendar.parse_holiday_file(json.dumps(YEAR_2027))
    calendar.import_year(session, SYSTEM, year, entries, source)
    session.commit()
    assert pledges.fill_deadlines(session) == 1
    session.commit()
    task = pf.task_of(session, no)
    assert task.deadline == get_calendar(session).add_working_days(dt.date(2026, 12, 15), 20)
    assert task.deadline.year == 2027
