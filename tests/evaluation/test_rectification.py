"""A bad review's rectification (deadline in working days, callback, reply, re-rating), scoping, appeals and the
public figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.evaluation import factories as ef
from yiwang.core import clock
from yiwang.core.audit import AuditRecord
from yiwang.core.config import get_settings
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.outbox import OutboxEvent
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.models import Rectification


def _tasks(session, ev_id: int) -> list[Rectification]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(Rectification).where(Rectification.evaluation_id == ev_id)
                                .order_by(Rectification.id)))


def test_bad_review_opens_a_task_due_in_working_days_across_national_day(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no, other = ef.concluded(session, w), ef.concluded(session, w)
    # Wednesday 30 September; 1–7 October are days off, Saturday 10 October is a make-up working day:
    # 3 working days (the rating day not counted) are 8, 9 and 10 October
    ev = ef.rate(session, w, no, ef.at("2026-09-30"), 4)
    [task] = _tasks(session, ev.id)
    assert (task.deadline, task.status, task.level, task.case_no) == (dt.date(2026, 10, 10), "open", 4, no)
    assert task.department_id == ev.department_id and task.region_code == ev.region_code
    monkeypatch.setattr(get_settings(), "rectify_working_days", 1)
    quick = ef.rate(session, w, other, ef.at("2026-09-30", 23), 5)  # 23:00 local is still the 30th
    assert _tasks(session, quick.id)[0].deadline == dt.date(2026, 10, 8)
    ef.rate(session, w, no, ef.at("2026-10-02"), 5)  # still bad while the task is open: no second task
    assert len(_tasks(session, ev.id)) == 1
    session.commit()
    opened = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "evaluation.rectification_opened")
                             .order_by(OutboxEvent.id)).first()
    assert opened is not None and opened.payload == {"case_no": no, "department_id": task.department_id,
                                                     "rectification_id": task.id, "deadline": "2026-10-10"}


def test_reply_on_time_is_shown_to_the_applicant_and_a_good_rerating_closes_it(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no, late_no = ef.concluded(session, w), ef.concluded(session, w)
    ev = ef.rate(session, w, no, ef.at("2026-03-09"), 4, comment="窗口让我跑了三次")  # Monday → due Thursday 12th
    late = ef.rate(session, w, late_no, ef.at("2026-03-09"), 5)
    task, late_task = _tasks(session, ev.id)[0], _tasks(session, late.id)[0]
    assert task.deadline == dt.date(2026, 3, 12)
    with clock.frozen(ef.at("2026-03-12", 16)):
        with pytest.raises(ValidationFailed) as exc:
            evaluation.reply(session, w.handler, rectification_id=task.id, text="已整改")
        assert exc.value.field == "callback_note"
        evaluation.record_callback(session, w.handler, rectification_id=task.id, note="申请人反映材料要求不清楚")
        with pytest.raises(ValidationFailed) as exc:
            evaluation.reply(session, w.handler, rectification_id=task.id, text="  ")
        assert exc.value.field == "text"
        evaluation.reply(session, w.handler, rectification_id=task.id, text="已修订办事指南材料说明并致歉")
        with pytest.raises(Conflict):
            evaluation.reply(session, w.handler, rectification_id=task.id, text="再答复一次")
    with clock.frozen(ef.at("2026-03-13")):
        evaluation.reply(session, w.handler, rectification_id=late_task.id, text="已说明情况", callback_note="已回访")
    assert (task.status, task.on_time, task.replied_by) == ("replied", True, w.handler.label)
    assert (late_task.status, late_task.on_time) == ("replied", False)

    with clock.frozen(ef.at("2026-03-13")):
        view = evaluation.case_evaluation(session, w.applicant, no)
    assert view.can_rate and view.evaluation is not None
    answer = view.evaluation.answers[0]
    assert answer.reply == "已修订办事指南材料说明并致歉" and answer.status == "replied" and answer.on_time
    assert "callback" not in answer.model_dump()  # the internal callback note is not shown to the rater

    ef.rate(session, w, no, ef.at("2026-03-13"), 2)
    assert task.status == "closed" and task.closed_at is not None
    # still dissatisfied after the answer: the answered task is closed and a new one opens
    ef.rate(session, w, late_no, ef.at("2026-03-13"), 5)
    first, second = _tasks(session, late.id)
    assert first.status == "closed" and second.status == "open" and second.deadline == dt.date(2026, 3, 18)
    session.commit()
    replied = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "evaluation.rectification_replied")
                              .order_by(OutboxEvent.id)).first()
    assert replied is not None and replied.payload["case_no"] == no
    assert replied.payload["applicant"] == w.applicant.label and replied.payload["rectification_id"] == task.id


def test_the_answer_reopens_the_change_window(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    ev = ef.rate(session, w, no, ef.at("2026-03-02"), 4)
    [task] = _tasks(session, ev.id)
    with clock.frozen(ef.at("2026-03-05")):
        evaluation.reply(session, w.handler, rectification_id=task.id, text="已解释", callback_note="已回访")
    ef.rate(session, w, no, ef.at("2026-03-11"), 1)  # 9 days after rating, 6 after the answer
    assert task.status == "closed"
    with pytest.raises(Conflict):
        ef.rate(session, w, no, ef.at("2026-03-13"), 2)


def test_other_departments_and_other_posts_can_neither_see_nor_act(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    ev = ef.rate(session, w, no, ef.at("2026-03-09"), 5, reasons=["attitude"])
    [task] = _tasks(session, ev.id)
    other = w.cases.other_handler
    assert evaluation.list_rectifications(session, other)[0] == 0
    with pytest.raises(NotFound):
        evaluation.get_rectification(session, other, task.id)
    with pytest.raises(NotFound):
        evaluation.reply(session, other, rectification_id=task.id, text="x", callback_note="x")
    with pytest.raises(NotFound):
        evaluation.request_appeal(session, other, evaluation_id=ev.id, reason="x")
    for refused in (w.cases.checker, w.applicant):  # the right department, the wrong post; not staff at all
        with pytest.raises(PermissionDenied):
            evaluation.list_rectifications(session, refused)
        with pytest.raises(PermissionDenied):
            evaluation.reply(session, refused, rectification_id=task.id, text="x", callback_note="x")
    total, rows = evaluation.list_rectifications(session, w.handler)
    assert total == 1 and rows[0].case_no == no and rows[0].reason_labels == ["服务态度差"]
    assert evaluation.list_rectifications(session, w.supervisor)[0] == 1  # the region's supervisor reads
    with pytest.raises(PermissionDenied):
        evaluation.reply(session, w.supervisor, rectification_id=task.id, text="x", callback_note="x")
    with pytest.raises(ValidationFailed):
        evaluation.list_rectifications(session, w.handler, status="bogus")


def test_appeal_upheld_leaves_the_figures_rejected_does_not(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    kept_no, removed_no, good_no = ef.concluded(session, w), ef.concluded(session, w), ef.concluded(session, w)
    kept = ef.rate(session, w, kept_no, ef.at("2026-03-09"), 5)
    removed = ef.rate(session, w, removed_no, ef.at("2026-03-09"), 5, reasons=["other"], comment="乱写")
    good = ef.rate(session, w, good_no, ef.at("2026-03-09"), 1)
    with pytest.raises(ValidationFailed):
        evaluation.request_appeal(session, w.handler, evaluation_id=kept.id, reason=" ")
    with pytest.raises(Conflict):
        evaluation.request_appeal(session, w.handler, evaluation_id=good.id, reason="好评不需要申诉")
    for ev in (kept, removed):
        evaluation.request_appeal(session, w.handler, evaluation_id=ev.id, reason="评价人承认误评")
    with pytest.raises(Conflict):
        evaluation.request_appeal(session, w.handler, evaluation_id=kept.id, reason="再申诉")
    total, appeals = evaluation.list_appeals(session, w.supervisor)
    assert total == 2 and {a.case_no for a in appeals} == {kept_no, removed_no}
    with pytest.raises(PermissionDenied):
        evaluation.decide_appeal(session, w.handler, evaluation_id=removed.id, uphold=True, reason="自己审自己")
    with pytest.raises(ValidationFailed):
        evaluation.decide_appeal(session, w.supervisor, evaluation_id=removed.id, uphold=True, reason="")
    evaluation.decide_appeal(session, w.supervisor, evaluation_id=removed.id, uphold=True, reason="录音证实为恶意评价")
    evaluation.decide_appeal(session, w.supervisor, evaluation_id=kept.id, uphold=False, reason="证据不足")
    with pytest.raises(Conflict):
        evaluation.decide_appeal(session, w.supervisor, evaluation_id=kept.id, uphold=True, reason="改主意")
    assert removed.excluded and removed.appeal_status == "upheld"
    assert not kept.excluded and kept.appeal_status == "rejected"
    assert _tasks(session, removed.id)[0].status == "closed" and _tasks(session, kept.id)[0].status == "open"
    with pytest.raises(Conflict):  # an excluded rating cannot be re-rated back into the figures
        ef.rate(session, w, removed_no, ef.at("2026-03-10"), 5)
    [row] = evaluation.department_figures(session)
    assert (row["ratings"], row["bad_reviews"], row["excluded"], row["rectifications"]) == (2, 1, 1, 1)
    assert row["satisfaction_rate"] == 0.5
    session.commit()
    decisions = session.scalars(select(AuditRecord).where(AuditRecord.action == "evaluation.appeal_decide")
                                .order_by(AuditRecord.seq)).all()
    assert [(d.detail["uphold"], d.detail["reason"]) for d in decisions] == [(True, "录音证实为恶意评价"),
                                                                              (False, "证据不足")]


def test_department_figures(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    nos = [ef.concluded(session, w) for _ in range(4)]
    ef.rate(session, w, nos[0], ef.at("2026-03-09"), 1)
    ef.rate(session, w, nos[1], ef.at("2026-03-09"), 2)
    bad = ef.rate(session, w, nos[2], ef.at("2026-03-10"), 4)
    ef.rate(session, w, nos[3], ef.at("2026-03-20"), 5)
    with clock.frozen(ef.at("2026-03-11")):
        evaluation.reply(session, w.handler, rectification_id=_tasks(session, bad.id)[0].id, text="已整改",
                         callback_note="已回访")
    with clock.frozen(ef.at("2026-03-25")):  # the last day of the 20 March review's task: not yet due
        [row] = evaluation.department_figures(session)
    assert row["department"] == "区市场监督管理局" and row["ratings"] == 4 and row["satisfied"] == 2
    assert row["satisfaction_rate"] == 0.5 and row["bad_reviews"] == 2 and row["average_level"] == 3.0
    assert (row["rectifications"], row["rectifications_pending"], row["rectified_on_time"]) == (2, 1, 1)
    assert row["rectified_on_time_rate"] == 1.0
    with clock.frozen(ef.at("2026-03-26")):  # now it is overdue and counts against the department
        [row] = evaluation.department_figures(session)
    assert row["rectifications_pending"] == 0 and row["rectified_on_time_rate"] == 0.5
    [march_9_10] = evaluation.department_figures(session, since=dt.date(2026, 3, 9), until=dt.date(2026, 3, 10))
    assert march_9_10["ratings"] == 3 and march_9_10["rectified_on_time_rate"] == 1.0
    quiet = f.department(session, "区教育局")
    rows = evaluation.department_figures(session, department_ids=[quiet], since=dt.date(2026, 3, 9))
    assert rows == [{"department_id": quiet, "department": "区教育局", "ratings": 0, "satisfied": 0,
                     "satisfaction_rate": None, "bad_reviews": 0, "rectifications": 0, "rectifications_pending": 0,
                     "rectified_on_time": 0,
                     "rectified_on_time_rate": None, "average_level": None, "excluded": 0}]
    with pytest.raises(ValidationFailed):
        evaluation.department_figures(session, since=dt.date(2026, 3, 10), until=dt.date(2026, 3, 9))
