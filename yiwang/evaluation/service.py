"""Business actions of 好差评: rating a concluded case, the rectification a bad review opens (callback, reply),
appeals against malicious or mistaken ratings, and the public figures per department.

Every write here is one action function that changes the rows, writes the audit record and emits its outbox
event in the caller's transaction; nothing commits. Staff reach rectifications and ratings only through
``scope_clause`` (their department, or their region subtree for region-scoped roles); a row outside the
caller's scope is "not found", never "forbidden".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, func, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.core import audit, clock, lifecycle, outbox
from yiwang.core.calendar import get_calendar
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, Unauthenticated, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm
from yiwang.evaluation import events, repository
from yiwang.evaluation.errors import (
    AppealExists,
    AppealNotPending,
    CaseNotConcluded,
    CaseNotRateable,
    EvaluationExcluded,
    EvaluationLocked,
    EvaluationNotFound,
    NotBadReview,
    RectificationNotFound,
    RectificationNotOpen,
)
from yiwang.evaluation.models import Evaluation, Rectification
from yiwang.evaluation.schemas import (
    AnswerOut,
    AppealOut,
    CaseEvaluationOut,
    DepartmentFigures,
    EvaluationOut,
    RectificationOut,
)
from yiwang.evaluation.states import (
    APPEAL_STATUS_LABELS,
    BAD_LEVELS,
    BAD_REASONS,
    CHANNEL_LABELS,
    LEVEL_LABELS,
    RATEABLE_CASE_STATUSES,
    REASON_NEEDS_COMMENT,
    RECT_STATUS_LABELS,
    RECT_TRANSITIONS,
    AppealStatus,
    RectAction,
    RectStatus,
    is_bad,
    rect_target,
)
from yiwang.org import service as org_service

COMMENT_MAX = 1000
NOTE_MAX = 2000
REPLY_MAX = 4000
EARLIEST, LATEST = dt.date(1970, 1, 1), dt.date(9000, 1, 1)  # figures' period bounds beyond these mean none


# --- checks -----------------------------------------------------------------------------------------

def check_rating(level: Any, reasons: Iterable[Any] | None, comment: str | None,
                 channel: str | None) -> tuple[int, list[str], str | None, str]:
    """The rating's input, normalised; a ValidationFailed naming the field otherwise. Reasons are kept only for
    bad reviews (4–5), which need at least one; "其他" needs a comment saying what."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVEL_LABELS:
        raise ValidationFailed("评价等级应为 1–5 的整数（1 非常满意、2 满意、3 基本满意、4 不满意、5 非常不满意）",
                               field="level", code="invalid_level")
    codes: list[str] = []
    for raw in reasons or ():
        code = str(raw).strip() if raw is not None else ""
        if code not in BAD_REASONS:
            raise ValidationFailed(f"未知的差评原因：{code[:40] or '（空）'}", field="reasons", code="unknown_reason",
                                   extra={"allowed_reasons": list(BAD_REASONS)})
        if code not in codes:
            codes.append(code)
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX:
        raise ValidationFailed(f"评价内容不能超过 {COMMENT_MAX} 字", field="comment", code="comment_too_long")
    if is_bad(level):
        if not codes:
            raise ValidationFailed("“不满意”或“非常不满意”须至少选择一项原因", field="reasons", code="reason_required",
                                   extra={"allowed_reasons": list(BAD_REASONS)})
        if REASON_NEEDS_COMMENT & set(codes) and text is None:
            raise ValidationFailed("选择“其他”原因时，请在评价内容中写明具体情况", field="comment", code="comment_required")
    else:
        codes = []  # reasons explain a bad review; a good rating carries none
    chosen = (channel or "pc").strip().lower()
    if chosen not in CHANNEL_LABELS:
        raise ValidationFailed("评价渠道应为 pc、mobile、qr、terminal、sms 或 phone", field="channel", code="invalid_channel")
    return level, codes, text, chosen


def _required_text(value: str | None, field: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"请填写{label}", field=field, code=f"{field}_required")
    if len(text) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字", field=field, code=f"{field}_too_long")
    return text


def _staff_with(actor: Actor, *perms: Perm) -> None:
    """Staff holding one of ``perms``; anyone else is refused (outsiders cannot tell what exists)."""
    if not (actor.is_staff or actor.is_applicant):
        raise Unauthenticated("请先登录")
    if not actor.is_staff or not any(actor.can(p) for p in perms):
        raise PermissionDenied("您没有处理好差评的权限", code="forbidden", extra={"permission": perms[0].value})


def _local_day(at: dt.datetime) -> dt.date:
    return clock.to_local(at).date()


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight in the service centre's zone, as an aware datetime (stored values are compared in UTC)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.LOCAL_TZ)


# --- lookups (queries in repository.py, narrowed to the caller's scope where staff read) -------------------

def _scoped_evaluation(session: Session, actor: Actor, evaluation_id: int, *, lock: bool = False) -> Evaluation:
    found = repository.evaluation_in_scope(session, actor, evaluation_id, lock=lock)
    if found is None:
        raise EvaluationNotFound("评价不存在", field="evaluation_id")
    return found


def _scoped_task(session: Session, actor: Actor, rectification_id: int, *, lock: bool = False) -> Rectification:
    found = repository.task_in_scope(session, actor, rectification_id, lock=lock)
    if found is None:
        raise RectificationNotFound("整改任务不存在", field="rectification_id")
    return found


_own_evaluation = repository.own_evaluation
_tasks_of = repository.tasks_of
_evaluations_by_ids = repository.evaluations_by_ids


def _department_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return {i: d.name for i, d in org_service.departments_by_ids(session, set(ids)).items()}


# --- rating -----------------------------------------------------------------------------------------

def changeable_until(session: Session, evaluation: Evaluation) -> dt.datetime:
    """Until when the applicant may change the rating: ``evaluation_change_days`` after it was first given, or
    after the department's latest answer to it (the applicant sees the answer and may re-rate)."""
    last_reply = repository.last_reply_at(session, evaluation.id)
    start = max(clock.as_utc(evaluation.created_at), clock.as_utc(last_reply) if last_reply else evaluation.created_at)
    return start + dt.timedelta(days=get_settings().evaluation_change_days)


def _rateable_case(session: Session, actor: Actor, case_no: str) -> Any:
    if actor.is_staff:
        raise PermissionDenied("只有申请人本人可以评价办件", code="forbidden")
    if not actor.is_applicant:
        raise Unauthenticated("请先登录")
    case = cases.get_case(session, actor, case_no)  # someone else's case: not found
    if case.applicant != actor.label:  # e.g. an applicant who is not the owner but can see it: same answer
        raise CaseNotRateable("办件不存在", field="case_no")
    return case


def rate(session: Session, actor: Actor, *, case_no: str, level: int, reasons: Sequence[str] | None = None,
         comment: str | None = None, channel: str = "pc") -> Evaluation:
    """Rate a concluded case (一事一评): the first rating creates it, another one within the change window
    updates it. A bad review (4–5) opens a rectification for the handling department unless one is open;
    re-rating 1–3 after the department's answer settles it."""
    case = _rateable_case(session, actor, case_no)
    if case.status not in RATEABLE_CASE_STATUSES:
        raise CaseNotConcluded("办件办结后才能评价，请在办理完毕后再来", field="case_no")
    level, codes, text, chosen = check_rating(level, reasons, comment, channel)
    now = clock.now()
    evaluation = _own_evaluation(session, case.case_no, actor.label, lock=True)
    previous: int | None = None
    if evaluation is None:
        evaluation = Evaluation(case_no=case.case_no, applicant=actor.label, item_code=case.item_code,
                                department_id=case.department_id, region_code=case.region_code, level=level,
                                reasons=codes, comment=text, channel=chosen, created_at=now, updated_at=now,
                                revision=1, excluded=False)
        session.add(evaluation)
        session.flush()
    else:
        if evaluation.excluded:
            raise EvaluationExcluded("该评价经申诉核实已不计入统计，不能再修改", field="level")
        until = changeable_until(session, evaluation)
        if now > until:
            raise EvaluationLocked(f"评价提交后 {get_settings().evaluation_change_days} 天内可以修改，已于 "
                                   f"{clock.to_local(until):%Y-%m-%d %H:%M} 截止", field="level")
        previous = evaluation.level
        evaluation.level, evaluation.reasons, evaluation.comment = level, codes, text
        evaluation.channel, evaluation.updated_at = chosen, now
        evaluation.revision += 1
    opened = _follow_up(session, actor, evaluation, now)
    session.flush()
    audit.record(session, actor, "evaluation.rate", "evaluation", evaluation.case_no,
                 {"evaluation_id": evaluation.id, "level": level, "previous": previous, "reasons": codes,
                  "channel": chosen, "revision": evaluation.revision,
                  "rectification_id": opened.id if opened else None})
    outbox.emit(session, events.EVALUATION_RATED, events.Rated(
        case_no=evaluation.case_no, applicant=evaluation.applicant, evaluation_id=evaluation.id,
        department_id=evaluation.department_id, item_code=evaluation.item_code, level=level,
        previous_level=previous, revision=evaluation.revision, channel=chosen).model_dump(mode="json"))
    if opened is not None:
        outbox.emit(session, events.RECTIFICATION_OPENED, events.RectificationOpened(
            case_no=opened.case_no, department_id=opened.department_id, rectification_id=opened.id,
            deadline=opened.deadline).model_dump(mode="json"))
    return evaluation


def rate_visit(session: Session, *, visit_no: str, rater: str, item_code: str, department_id: int, region_code: str,
               level: Any, reasons: Sequence[str] | None = None, comment: str | None = None) -> Evaluation:
    """A rating of one hall visit from the window-side tablet (channel ``terminal``), kept under the visit's number:
    once per visit (the hall domain checks the tablet and the visit). A bad one opens a rectification for the
    department of the clerk who served, like a case's bad review."""
    level, codes, text, chosen = check_rating(level, reasons, comment, "terminal")
    now = clock.now()
    if _own_evaluation(session, visit_no, rater, lock=True) is not None:
        raise EvaluationLocked("这次办事已经评价过了", field="visit_no")
    evaluation = Evaluation(case_no=visit_no, applicant=rater, item_code=item_code, department_id=department_id,
                            region_code=region_code, level=level, reasons=codes, comment=text, channel=chosen,
                            created_at=now, updated_at=now, revision=1, excluded=False)
    session.add(evaluation)
    session.flush()
    opened = _follow_up(session, SYSTEM, evaluation, now)
    session.flush()
    audit.record(session, SYSTEM, "evaluation.rate", "evaluation", visit_no,
                 {"evaluation_id": evaluation.id, "level": level, "reasons": codes, "channel": chosen,
                  "visit": True, "rectification_id": opened.id if opened else None})
    outbox.emit(session, events.EVALUATION_RATED, events.Rated(
        case_no=visit_no, applicant=rater, evaluation_id=evaluation.id, department_id=department_id,
        item_code=item_code, level=level, previous_level=None, revision=1, channel=chosen).model_dump(mode="json"))
    if opened is not None:
        outbox.emit(session, events.RECTIFICATION_OPENED, events.RectificationOpened(
            case_no=opened.case_no, department_id=opened.department_id, rectification_id=opened.id,
            deadline=opened.deadline).model_dump(mode="json"))
    return evaluation


@dataclass
class RectContext(lifecycle.Context):
    applicant: str = ""  # the rater, whom the reply's event tells


def _rect_holds(actor: Actor, task: Rectification, transition: lifecycle.Transition, action: str) -> bool:
    if transition.who == lifecycle.APPLICANT:
        return actor.is_applicant  # the rating itself was reached through the applicant's own case
    return isinstance(transition.who, Perm) and (actor is SYSTEM or (actor.is_staff and actor.can(transition.who)))


def _replied_event(task: Rectification, ctx: lifecycle.Context) -> events.RectificationReplied:
    return events.RectificationReplied(
        case_no=task.case_no, applicant=ctx.applicant if isinstance(ctx, RectContext) else "",
        rectification_id=task.id, department_id=task.department_id, on_time=task.on_time)


RECT_MACHINE: lifecycle.Machine[Rectification] = lifecycle.Machine(
    name="rectification", transitions=RECT_TRANSITIONS, subject=lambda task: str(task.id),
    topic=lambda action: events.RECTIFICATION_REPLIED if action == RectAction.REPLY else None,
    event=_replied_event, holds=_rect_holds, labels=RECT_STATUS_LABELS,
    audit_action=lambda action: f"evaluation.{action}")


def _move(session: Session, actor: Actor, task: Rectification, action: RectAction, now: dt.datetime, *,
          data: dict[str, Any] | None = None, effect: lifecycle.Effect | None = None, applicant: str = "",
          comment: str | None = None, expected_version: int | None = None) -> None:
    """Every change of a rectification's status goes through the engine (see states.RECT_TRANSITIONS)."""
    rule = RECT_MACHINE.rule(task.status, action)
    if rule is None:
        label = RECT_STATUS_LABELS.get(task.status, task.status)
        raise RectificationNotOpen(f"整改任务当前为“{label}”，不能执行此操作", field="rectification_id")

    def act(session: Session, ctx: lifecycle.Context, task: Rectification) -> None:
        if effect is not None:
            effect(session, ctx, task)
        if rule.target == RectStatus.CLOSED:
            task.closed_at = ctx.now

    lifecycle.apply(session, RECT_MACHINE, task,
                    RectContext(actor=actor, action=action.value, now=now, comment=comment,
                                data=data if data is not None else {"case_no": task.case_no}, applicant=applicant),
                    effect=act, expected_version=expected_version)


def _follow_up(session: Session, actor: Actor, evaluation: Evaluation, now: dt.datetime) -> Rectification | None:
    """Keep the evaluation's rectifications in step with its level; returns a newly opened task."""
    tasks = _tasks_of(session, [evaluation.id])[evaluation.id]
    replied = [t for t in tasks if t.status == RectStatus.REPLIED]
    if not is_bad(evaluation.level):
        # satisfied with the answer: settled. A task not yet answered stays open: the department still reports back
        for task in replied:
            _move(session, actor, task, RectAction.SETTLE, now)
        return None
    for task in replied:  # still dissatisfied after the answer: a new task replaces the answered one
        _move(session, actor, task, RectAction.SUPERSEDE, now)
    if any(t.status == RectStatus.OPEN for t in tasks):
        return None
    days = max(1, get_settings().rectify_working_days)
    task = Rectification(evaluation_id=evaluation.id, case_no=evaluation.case_no,
                         department_id=evaluation.department_id, region_code=evaluation.region_code,
                         level=evaluation.level, deadline=get_calendar(session).add_working_days(_local_day(now), days),
                         status=RectStatus.OPEN.value, created_at=now)
    session.add(task)
    session.flush()
    return task


def _answer_out(task: Rectification) -> AnswerOut:
    return AnswerOut(status=task.status, status_label=RECT_STATUS_LABELS[task.status], deadline=task.deadline,
                     reply=task.reply, replied_at=task.replied_at, on_time=task.on_time)


def evaluation_out(session: Session, evaluation: Evaluation) -> EvaluationOut:
    """A rating as its author sees it, with the department's answers (newest first)."""
    tasks = _tasks_of(session, [evaluation.id])[evaluation.id]
    return EvaluationOut(
        id=evaluation.id, case_no=evaluation.case_no, level=evaluation.level,
        level_label=LEVEL_LABELS[evaluation.level], reasons=list(evaluation.reasons),
        reason_labels=[BAD_REASONS.get(r, r) for r in evaluation.reasons], comment=evaluation.comment,
        channel=evaluation.channel, revision=evaluation.revision, created_at=evaluation.created_at,
        updated_at=evaluation.updated_at, changeable_until=changeable_until(session, evaluation),
        excluded=evaluation.excluded, appeal_status=evaluation.appeal_status,
        answers=[_answer_out(t) for t in reversed(tasks)])


def case_evaluation(session: Session, actor: Actor, case_no: str) -> CaseEvaluationOut:
    """The applicant's evaluation page: the case, whether it may be (re-)rated now and why not."""
    case = _rateable_case(session, actor, case_no)
    evaluation = _own_evaluation(session, case.case_no, actor.label)
    out = evaluation_out(session, evaluation) if evaluation is not None else None
    reason: str | None = None
    if case.status not in RATEABLE_CASE_STATUSES:
        reason = "办件办结后才能评价，请在办理完毕后再来。"
    elif evaluation is not None and evaluation.excluded:
        reason = "该评价经申诉核实已不计入统计，不能再修改。"
    elif out is not None and clock.now() > out.changeable_until:
        reason = f"评价提交后 {get_settings().evaluation_change_days} 天内可以修改，修改期限已过。"
    return CaseEvaluationOut(case_no=case.case_no, item_name=case.item_name,
                             department=org_service.department_name(session, case.department_id),
                             case_status=case.status, can_rate=reason is None, cannot_rate_reason=reason,
                             changeable_until=out.changeable_until if out else None, evaluation=out)


def get_evaluation(session: Session, actor: Actor, case_no: str) -> Evaluation:
    """The applicant's own rating of a case."""
    case = _rateable_case(session, actor, case_no)
    evaluation = _own_evaluation(session, case.case_no, actor.label)
    if evaluation is None:
        raise EvaluationNotFound("您尚未评价该办件", field="case_no")
    return evaluation


# --- rectification (the handling department) ---------------------------------------------------------

def list_rectifications(session: Session, actor: Actor, *, status: str | None = None, overdue: bool = False,
                        limit: int = 20, offset: int = 0) -> tuple[int, list[RectificationOut]]:
    """The caller's rectification tasks: open ones first by deadline, then answered and settled ones."""
    _staff_with(actor, Perm.EVALUATION_RECTIFY, Perm.EVALUATION_APPEAL)
    if status is not None and status not in RECT_STATUS_LABELS:
        raise ValidationFailed("状态应为 open、replied 或 closed", field="status", code="invalid_status")
    total, rows = repository.rectifications_page(session, actor, status=status,
                                                 overdue_on=clock.today() if overdue else None,
                                                 limit=limit, offset=offset)
    return total, rectification_views(session, rows)


def get_rectification(session: Session, actor: Actor, rectification_id: int) -> RectificationOut:
    _staff_with(actor, Perm.EVALUATION_RECTIFY, Perm.EVALUATION_APPEAL)
    return rectification_views(session, [_scoped_task(session, actor, rectification_id)])[0]


def rectification_views(session: Session, tasks: Sequence[Rectification]) -> list[RectificationOut]:
    evaluations = _evaluations_by_ids(session, (t.evaluation_id for t in tasks))
    names = _department_names(session, (t.department_id for t in tasks))
    today = clock.today()
    out = []
    for t in tasks:
        e = evaluations[t.evaluation_id]
        out.append(RectificationOut(
            id=t.id, evaluation_id=t.evaluation_id, case_no=t.case_no, item_code=e.item_code,
            department_id=t.department_id, department=names.get(t.department_id, ""), region_code=t.region_code,
            level=t.level, level_label=LEVEL_LABELS[t.level], current_level=e.level,
            current_level_label=LEVEL_LABELS[e.level], reasons=list(e.reasons),
            reason_labels=[BAD_REASONS.get(r, r) for r in e.reasons], comment=e.comment, deadline=t.deadline,
            overdue=t.status == RectStatus.OPEN and today > t.deadline, status=t.status,
            status_label=RECT_STATUS_LABELS[t.status], callback_note=t.callback_note, reply=t.reply,
            replied_by=t.replied_by, replied_at=t.replied_at, on_time=t.on_time, created_at=t.created_at,
            closed_at=t.closed_at, excluded=e.excluded, appeal_status=e.appeal_status,
            appeal_status_label=APPEAL_STATUS_LABELS.get(e.appeal_status or ""), appeal_reason=e.appeal_reason,
            appeal_decision=e.appeal_decision, version=t.version))
    return out


def record_callback(session: Session, actor: Actor, *, rectification_id: int, note: str) -> Rectification:
    """Record what the applicant said when called back to verify the bad review (回访核实)."""
    _staff_with(actor, Perm.EVALUATION_RECTIFY)
    task = _scoped_task(session, actor, rectification_id, lock=True)
    if task.status != RectStatus.OPEN:
        raise RectificationNotOpen("该整改任务已答复或已办结，不能再修改回访记录", field="rectification_id")
    task.callback_note = _required_text(note, "note", "回访核实情况", NOTE_MAX)
    audit.record(session, actor, "evaluation.callback", "rectification", task.id, {"case_no": task.case_no})
    return task


def reply(session: Session, actor: Actor, *, rectification_id: int, text: str,
          callback_note: str | None = None, expected_version: int | None = None) -> Rectification:
    """Report back to the rater what was fixed or explained (整改反馈). The callback must be on record first
    (it may be given in the same step). Answered by the deadline counts as rectified on time. With
    ``expected_version`` (the version the caller was shown) a change made meanwhile is a StaleVersion."""
    _staff_with(actor, Perm.EVALUATION_RECTIFY)
    task = _scoped_task(session, actor, rectification_id, lock=True)
    lifecycle.check_version(RECT_MACHINE, task, expected_version)
    if task.status != RectStatus.OPEN:
        raise RectificationNotOpen("该整改任务已答复或已办结", field="rectification_id")
    if callback_note is not None and callback_note.strip():
        task.callback_note = _required_text(callback_note, "callback_note", "回访核实情况", NOTE_MAX)
    if not task.callback_note:
        raise ValidationFailed("请先回访申请人核实情况，并填写回访核实情况", field="callback_note",
                               code="callback_required")
    answer = _required_text(text, "text", "整改或解释情况", REPLY_MAX)
    now = clock.now()
    on_time = _local_day(now) <= task.deadline
    evaluation = session.get(Evaluation, task.evaluation_id)
    assert evaluation is not None

    def answered(session: Session, ctx: lifecycle.Context, task: Rectification) -> None:
        task.reply, task.replied_by, task.replied_at, task.on_time = answer, actor.label, now, on_time

    _move(session, actor, task, RectAction.REPLY, now, effect=answered, applicant=evaluation.applicant, comment=answer,
          data={"case_no": task.case_no, "on_time": on_time, "deadline": task.deadline.isoformat()},
          expected_version=expected_version)
    return task


# --- appeals ----------------------------------------------------------------------------------------

def request_appeal(session: Session, actor: Actor, *, evaluation_id: int, reason: str) -> Evaluation:
    """The department asks supervision to take a malicious or mistaken bad review out of its figures."""
    _staff_with(actor, Perm.EVALUATION_RECTIFY)
    evaluation = _scoped_evaluation(session, actor, evaluation_id, lock=True)
    if evaluation.level not in BAD_LEVELS:
        raise NotBadReview("只有差评（不满意、非常不满意）可以申诉", field="evaluation_id")
    if evaluation.appeal_status is not None:
        raise AppealExists(f"该评价已提出过申诉（{APPEAL_STATUS_LABELS.get(evaluation.appeal_status, '')}）",
                           field="evaluation_id")
    evaluation.appeal_reason = _required_text(reason, "reason", "申诉理由", NOTE_MAX)
    evaluation.appeal_status = AppealStatus.REQUESTED.value
    audit.record(session, actor, "evaluation.appeal_request", "evaluation", evaluation.case_no,
                 {"evaluation_id": evaluation.id, "reason": evaluation.appeal_reason})
    outbox.emit(session, events.APPEAL_REQUESTED, events.AppealRequested(
        case_no=evaluation.case_no, evaluation_id=evaluation.id, department_id=evaluation.department_id,
        region_code=evaluation.region_code).model_dump(mode="json"))
    return evaluation


def decide_appeal(session: Session, actor: Actor, *, evaluation_id: int, uphold: bool, reason: str) -> Evaluation:
    """A supervisor decides an appeal, with a reason. Upheld: the rating leaves the figures and its unsettled
    rectifications close."""
    _staff_with(actor, Perm.EVALUATION_APPEAL)
    evaluation = _scoped_evaluation(session, actor, evaluation_id, lock=True)
    if evaluation.appeal_status != AppealStatus.REQUESTED:
        raise AppealNotPending("该评价没有待审核的申诉", field="evaluation_id")
    evaluation.appeal_decision = _required_text(reason, "reason", "审核意见", NOTE_MAX)
    now = clock.now()
    closed: list[int] = []
    if uphold:
        evaluation.appeal_status, evaluation.excluded = AppealStatus.UPHELD.value, True
        for task in _tasks_of(session, [evaluation.id])[evaluation.id]:
            if rect_target(task.status, RectAction.EXCLUDE) is not None:
                _move(session, actor, task, RectAction.EXCLUDE, now,
                      data={"case_no": task.case_no, "evaluation_id": evaluation.id})
                closed.append(task.id)
    else:
        evaluation.appeal_status = AppealStatus.REJECTED.value
    audit.record(session, actor, "evaluation.appeal_decide", "evaluation", evaluation.case_no,
                 {"evaluation_id": evaluation.id, "uphold": uphold, "reason": evaluation.appeal_decision,
                  "closed_rectifications": closed})
    outbox.emit(session, events.APPEAL_DECIDED, events.AppealDecided(
        case_no=evaluation.case_no, evaluation_id=evaluation.id, department_id=evaluation.department_id,
        upheld=uphold).model_dump(mode="json"))
    return evaluation


def list_appeals(session: Session, actor: Actor, *, status: str | None = AppealStatus.REQUESTED.value,
                 limit: int = 20, offset: int = 0) -> tuple[int, list[AppealOut]]:
    """Appeals in the supervisor's region, oldest first (those waiting for a decision by default)."""
    _staff_with(actor, Perm.EVALUATION_APPEAL)
    if status is not None and status not in APPEAL_STATUS_LABELS:
        raise ValidationFailed("状态应为 requested、upheld 或 rejected", field="status", code="invalid_status")
    total, rows = repository.appeals_page(session, actor, status=status, limit=limit, offset=offset)
    tasks = _tasks_of(session, (e.id for e in rows))
    names = _department_names(session, (e.department_id for e in rows))
    return total, [AppealOut(
        evaluation_id=e.id, case_no=e.case_no, item_code=e.item_code, department_id=e.department_id,
        department=names.get(e.department_id, ""), level=e.level, level_label=LEVEL_LABELS[e.level],
        reason_labels=[BAD_REASONS.get(r, r) for r in e.reasons], comment=e.comment, rated_at=e.updated_at,
        appeal_status=e.appeal_status or "", appeal_status_label=APPEAL_STATUS_LABELS.get(e.appeal_status or "", ""),
        appeal_reason=e.appeal_reason, appeal_decision=e.appeal_decision, excluded=e.excluded,
        rectification_id=tasks[e.id][-1].id if tasks[e.id] else None) for e in rows]


# --- public figures ---------------------------------------------------------------------------------

def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def department_figures(session: Session, *, department_ids: list[int] | None = None, since: dt.date | None = None,
                       until: dt.date | None = None) -> list[dict[str, Any]]:
    """好差评 figures per department over ratings first given between ``since`` and ``until`` (local dates,
    inclusive). Ratings an upheld appeal removed are left out of every figure (and counted as ``excluded``).
    ``rectified_on_time_rate`` = tasks answered by their deadline / tasks due (opened, less those still open
    before their deadline today): each bad review opens one, and a bad review the applicant re-rated good after
    the answer was still a bad review to rectify. With ``department_ids`` every listed department gets a row,
    zeros included; otherwise those with ratings."""
    if since and until and since > until:
        raise ValidationFailed("起始日期不能晚于截止日期", field="since", code="invalid_period")
    where: list[Any] = []
    if department_ids is not None:
        if not department_ids:
            return []
        where.append(Evaluation.department_id.in_(set(department_ids)))
    # dates far outside any rating mean "no bound" (and keep the datetime arithmetic in range)
    if since and since > EARLIEST:
        where.append(Evaluation.created_at >= _day_start(since))
    if until and until < LATEST:
        where.append(Evaluation.created_at < _day_start(until + dt.timedelta(days=1)))
    counted = Evaluation.excluded == false()
    rated = select(
        Evaluation.department_id,
        func.sum(sql_case((counted, 1), else_=0)),
        func.sum(sql_case((and_(counted, Evaluation.level <= 3), 1), else_=0)),
        func.sum(sql_case((and_(counted, Evaluation.level >= 4), 1), else_=0)),
        func.avg(sql_case((counted, Evaluation.level), else_=None)),
        func.sum(sql_case((counted, 0), else_=1)),
    ).where(*where).group_by(Evaluation.department_id)
    not_yet_due = and_(Rectification.status == RectStatus.OPEN.value, Rectification.deadline >= clock.today())
    tasks = select(
        Evaluation.department_id, func.count(Rectification.id),
        func.sum(sql_case((Rectification.on_time == true(), 1), else_=0)),
        func.sum(sql_case((not_yet_due, 1), else_=0)),
    ).join(Rectification, Rectification.evaluation_id == Evaluation.id).where(counted, *where) \
        .group_by(Evaluation.department_id)
    by_dept: dict[int, dict[str, Any]] = {}
    for dept, ratings, satisfied, bad, avg, excluded in session.execute(rated):
        by_dept[dept] = {"ratings": int(ratings or 0), "satisfied": int(satisfied or 0), "bad_reviews": int(bad or 0),
                         "average_level": round(float(avg), 2) if avg is not None else None,
                         "excluded": int(excluded or 0)}
    for dept, opened, on_time, pending in session.execute(tasks):
        row = by_dept.setdefault(dept, {})
        row["rectifications"], row["rectified_on_time"] = int(opened or 0), int(on_time or 0)
        row["rectifications_pending"] = int(pending or 0)
    ids = set(by_dept) | set(department_ids or ())
    names = _department_names(session, ids)
    out = []
    for dept in ids:
        if dept not in names:
            continue  # an id that names no department
        row = by_dept.get(dept, {})
        ratings, satisfied = row.get("ratings", 0), row.get("satisfied", 0)
        opened, on_time = row.get("rectifications", 0), row.get("rectified_on_time", 0)
        pending = row.get("rectifications_pending", 0)
        out.append(DepartmentFigures(
            department_id=dept, department=names[dept], ratings=ratings, satisfied=satisfied,
            satisfaction_rate=_share(satisfied, ratings), bad_reviews=row.get("bad_reviews", 0),
            rectifications=opened, rectifications_pending=pending, rectified_on_time=on_time,
            rectified_on_time_rate=_share(on_time, opened - pending),
            average_level=row.get("average_level"), excluded=row.get("excluded", 0)).model_dump())
    out.sort(key=lambda r: (-r["ratings"], r["department"]))
    return out


def visible_figures(session: Session, actor: Actor, *, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """:func:`department_figures` for the departments ``actor`` may see (supervision's monthly scores)."""
    visible = [d.id for d in org_service.list_departments(session, actor)]
    return department_figures(session, department_ids=visible, since=since, until=until)


def figures_total(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The sum of ``department_figures`` rows with the rates recomputed (the 合计 line of the public page; no
    average level, which the rounded per-department averages cannot give exactly)."""
    keys = ("ratings", "satisfied", "bad_reviews", "rectifications", "rectifications_pending", "rectified_on_time",
            "excluded")
    total: dict[str, Any] = {k: sum(int(r[k]) for r in rows) for k in keys}
    total["satisfaction_rate"] = _share(total["satisfied"], total["ratings"])
    total["rectified_on_time_rate"] = _share(total["rectified_on_time"],
                                             total["rectifications"] - total["rectifications_pending"])
    return total


def options() -> dict[str, Any]:
    """The levels, bad-review reasons and channels, for forms and API clients."""
    return {"levels": [{"level": k, "label": v, "bad": is_bad(k)} for k, v in LEVEL_LABELS.items()],
            "reasons": [{"code": k, "label": v} for k, v in BAD_REASONS.items()],
            "channels": [{"code": k, "label": v} for k, v in CHANNEL_LABELS.items()],
            "change_days": get_settings().evaluation_change_days,
            "rectify_working_days": max(1, get_settings().rectify_working_days)}



def levels_by_case(session: Session, case_nos: Sequence[str]) -> dict[str, list[int]]:
    """The levels of the ratings kept under these case (or hall visit) numbers, leaving out ratings an upheld
    appeal excluded: case number → levels (a visit has at most one)."""
    out: dict[str, list[int]] = {}
    wanted = sorted(set(case_nos))
    for start in range(0, len(wanted), 500):
        for case_no, level in session.execute(
                select(Evaluation.case_no, Evaluation.level).where(
                    Evaluation.case_no.in_(wanted[start:start + 500]), Evaluation.excluded.is_not(True))):
            out.setdefault(case_no, []).append(int(level))
    return out
