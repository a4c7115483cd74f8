"""告知承诺 afterwards: the post-check task an approved pledged case gets, its result, the consequences of a false
pledge, and the publication (公示).

- ``open_for_approval`` opens the task from the case-approved event (``jobs``): one per case, idempotent; the
  clock runs ``pledge_check_days`` working days (the item's own, else ``YIWANG_PLEDGE_CHECK_DAYS``) from the
  decision day, with the case clocks' semantics (0 on the due day, overdue after it).
- ``record_result`` is the deciding department's finding, through the lifecycle engine (timeline, audit, event).
  A false pledge, in the same transaction: the case's approval is revoked (the case lifecycle, taken by the system
  on this finding), every licence issued for the case is revoked through the licence lifecycle by the approver who
  recorded the finding (reason "告知承诺不实"), and a credit record is written on the applicant, which bars pledges
  for that item type while it stands.
- ``public_list`` is what anyone may read: item, department, decision day, the holder (an enterprise's name; a
  person's surname and *), a publication number and the check's outcome — never an ID number, a phone or the
  case number (the platform does not reveal case numbers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.cases.events import CaseChanged
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, lifecycle, outbox, storage
from yiwang.core.calendar import CalendarYearMissing, get_calendar
from yiwang.core.codes import mask_name
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, Unauthenticated, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm
from yiwang.credit import service as credit
from yiwang.licenses import service as licenses
from yiwang.org import service as org_service
from yiwang.pledges import events, repository
from yiwang.pledges.errors import PledgeCheckNotFound
from yiwang.pledges.models import PledgeCheck
from yiwang.pledges.schemas import PledgeCheckOut, PublicPledgeOut
from yiwang.pledges.states import (
    CHECKER,
    DECIDER,
    PUBLIC_LABELS,
    RESULTS,
    REVOKE_REASON,
    STATUS_LABELS,
    TRANSITIONS,
    CheckAction,
    CheckStatus,
)

NOTE_MAX = 2000


# --- the machine --------------------------------------------------------------------------------------------

def checker(actor: Actor, department_id: int) -> bool:
    """Staff of the deciding department who handle or approve cases."""
    return (actor.is_staff and actor.department_id == department_id
            and (actor.can(Perm.CASE_HANDLE) or actor.can(Perm.CASE_APPROVE)))


def decider(actor: Actor, department_id: int) -> bool:
    """The deciding department's approvers: a false pledge revokes their decision and its licence."""
    return (actor.is_staff and actor.department_id == department_id and actor.can(Perm.CASE_APPROVE)
            and actor.can(Perm.LICENSE_REVOKE))


def _may(actor: Actor, department_id: int, who: object) -> bool:
    if who == CHECKER:
        return checker(actor, department_id)
    if who == DECIDER:
        return decider(actor, department_id)
    return False


def _holds(actor: Actor, task: PledgeCheck, transition: lifecycle.Transition, action: str) -> bool:
    return _may(actor, task.department_id, transition.who)


def _event(task: PledgeCheck, ctx: lifecycle.Context) -> events.PledgeCheckChanged:
    return events.PledgeCheckChanged(action=ctx.action, actor=ctx.actor.label, check_id=task.id,
                                     case_no=task.case_no, department_id=task.department_id,
                                     region_code=task.region_code, item_name=task.item_name,
                                     applicant=task.applicant, status=task.status, deadline=_iso(task.deadline))


MACHINE: lifecycle.Machine[PledgeCheck] = lifecycle.Machine(
    name="pledge_check", transitions=TRANSITIONS, subject=lambda task: str(task.id),
    topic=events.ACTION_TOPICS.get, event=_event, holds=_holds, stamp_attr="last_action_at",
    labels=STATUS_LABELS)


# --- opening the task (from the case-approved event) --------------------------------------------------------

def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def start_clock(session: Session, task: PledgeCheck) -> bool:
    """Set the task's deadline: ``check_days`` working days from the decision day. False (and no deadline yet)
    while that runs into a year whose holidays are not imported: the deadline is never guessed."""
    try:
        started = lifecycle.WorkClock.start(get_calendar(session), task.decided_on, task.check_days,
                                            get_settings().warn_working_days)
    except CalendarYearMissing:
        return False
    task.deadline, task.warn_at = started.deadline, started.warn_at
    return True


def fill_deadlines(session: Session, limit: int = 1000) -> int:
    """Give the pending tasks opened without a deadline theirs, once the calendar allows (the worker, hourly)."""
    filled = 0
    for task in repository.without_deadline(session, limit):
        if start_clock(session, task):
            audit.record(session, SYSTEM, "pledge_check.deadline_set", "pledge_check", str(task.id),
                         {"deadline": _iso(task.deadline)})
            filled += 1
    session.flush()
    return filled


def public_holder(applicant: str, name: str) -> str:
    """An enterprise's name is public information; a person is shown by surname only (张*)."""
    return name if applicant.startswith("enterprise:") else mask_name(name)


def open_for_approval(session: Session, payload: dict[str, Any]) -> PledgeCheck | None:
    """The post-check task of an approved pledged case (None for any other case). Idempotent per case, so a
    redelivered event returns the task already opened."""
    if "actor" not in payload:
        return None
    event = CaseChanged.model_validate(payload)
    if event.outcome != "approved":
        return None
    existing = repository.by_case_no(session, event.case_no)
    if existing is not None:
        return existing
    case = cases.get_case(session, SYSTEM, event.case_no)
    if not case.pledge or case.concluded_at is None:
        return None
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    days = spec.pledge_check_days or max(1, get_settings().pledge_check_days)
    decided_on = clock.to_local(case.concluded_at).date()
    now = clock.now()
    task = PledgeCheck(
        case_no=case.case_no, item_code=case.item_code, item_name=case.item_name,
        item_type=credit.item_type(case.item_code, spec.basic_code), department_id=case.department_id,
        region_code=case.region_code, applicant=case.applicant,
        applicant_kind="enterprise" if case.applicant.startswith("enterprise:") else "person",
        public_holder=public_holder(case.applicant, case.applicant_name), decided_on=decided_on,
        status=CheckStatus.PENDING.value, check_days=days, created_at=now, last_action_at=now, version=1)
    start_clock(session, task)
    session.add(task)
    session.flush()
    audit.record(session, SYSTEM, "pledge_check.open", "pledge_check", str(task.id),
                 {"case_no": task.case_no, "deadline": _iso(task.deadline), "days": days})
    outbox.emit(session, events.PLEDGE_CHECK_OPENED,
                events.PledgeCheckChanged(action="open", actor=SYSTEM.label, check_id=task.id, case_no=task.case_no,
                                          department_id=task.department_id, region_code=task.region_code,
                                          item_name=task.item_name, applicant=task.applicant, status=task.status,
                                          deadline=_iso(task.deadline)).model_dump(mode="json"),
                subject=f"pledge_check:{task.id}")
    return task


# --- reading (staff) ----------------------------------------------------------------------------------------

def _reader(actor: Actor) -> None:
    if not (actor.is_staff or actor.is_applicant):
        raise Unauthenticated("请先登录")
    if not actor.is_staff or not actor.can(Perm.CASE_READ):
        raise PermissionDenied("您没有查看告知承诺核查任务的权限", code="forbidden",
                               extra={"permission": Perm.CASE_READ.value})


def _scoped(session: Session, actor: Actor, check_id: int, *, lock: bool = False) -> PledgeCheck:
    task = repository.in_scope(session, actor, check_id, lock=lock)
    if task is None:
        raise PledgeCheckNotFound("核查任务不存在", field="check_id")
    return task


def views(session: Session, tasks: Sequence[PledgeCheck], today: dt.date | None = None) -> list[PledgeCheckOut]:
    today = today or clock.today()
    names = {i: d.name for i, d in org_service.departments_by_ids(session, {t.department_id for t in tasks}).items()}
    cal = get_calendar(session) if any(t.status == CheckStatus.PENDING for t in tasks) else None
    warn = get_settings().warn_working_days
    out = []
    for t in tasks:
        pending = t.status == CheckStatus.PENDING and cal is not None and t.deadline is not None
        running = lifecycle.WorkClock(t.deadline, t.warn_at)
        left = running.remaining(cal, today) if pending and cal is not None else None
        out.append(PledgeCheckOut(
            id=t.id, case_no=t.case_no, item_code=t.item_code, item_name=t.item_name, department_id=t.department_id,
            department=names.get(t.department_id, ""), region_code=t.region_code, applicant_name=t.public_holder,
            decided_on=t.decided_on, status=t.status, status_label=STATUS_LABELS.get(t.status, t.status),
            check_days=t.check_days, deadline=t.deadline, remaining_days=left,
            light=running.light(cal, today, warn) if pending and cal is not None else None,
            overdue=t.status == CheckStatus.PENDING and t.deadline is not None and today > t.deadline, note=t.note,
            evidence_file_id=t.evidence_file_id, checked_by_name=t.checked_by_name, checked_at=t.checked_at,
            on_time=t.on_time, version=t.version))
    return out


def list_checks(session: Session, actor: Actor, *, status: str | None = None, overdue: bool = False,
                q: str | None = None, limit: int = 20, offset: int = 0) -> tuple[int, list[PledgeCheckOut]]:
    """The caller's post-check tasks (their department's; supervisors and other region-wide roles: their
    region's), pending ones first by deadline."""
    _reader(actor)
    if status is not None and status not in STATUS_LABELS:
        raise ValidationFailed("状态应为 pending、passed 或 failed", field="status", code="invalid_status")
    total, rows = repository.page(session, actor, status=status, overdue_on=clock.today() if overdue else None,
                                  q=(q or "").strip()[:100] or None, limit=limit, offset=offset)
    return total, views(session, rows)


def get_check(session: Session, actor: Actor, check_id: int) -> PledgeCheckOut:
    _reader(actor)
    return views(session, [_scoped(session, actor, check_id)])[0]


def timeline(session: Session, actor: Actor, check_id: int) -> list[lifecycle.LifecycleEvent]:
    _reader(actor)
    task = _scoped(session, actor, check_id)
    return lifecycle.timeline_of(session, MACHINE.name, str(task.id))


def allowed_results(actor: Actor, check: PledgeCheckOut | PledgeCheck) -> list[str]:
    """The results ``actor`` may record on the task now (for pages)."""
    if check.status != CheckStatus.PENDING:
        return []
    return [a.value for a in CheckAction
            if _may(actor, check.department_id, TRANSITIONS[(CheckStatus.PENDING, a)].who)]


# --- recording the result ----------------------------------------------------------------------------------

@dataclass
class _Finding:
    note: str
    evidence_file_id: str | None


def _refusal(action: CheckAction) -> PermissionDenied:
    if action is CheckAction.FALSE_PLEDGE:
        return PermissionDenied("认定承诺不实将撤销许可决定和证照，须由作出决定的部门的审批人员登记", code="forbidden")
    return PermissionDenied("只有作出许可决定的部门的承办或审批人员可以登记核查结果", code="forbidden")


def record_result(session: Session, actor: Actor, *, check_id: int, result: str, note: str,
                  evidence_file_id: str | None = None, expected_version: int | None = None) -> PledgeCheck:
    """Record the post-check's result: ``passed`` (the pledge was true) or ``false_pledge``. A false pledge
    revokes the decision and its licences and writes the credit record, all in the caller's transaction."""
    _reader(actor)
    if result not in RESULTS:
        raise ValidationFailed("核查结果应为 passed（属实）或 false_pledge（承诺不实）", field="result",
                               code="invalid_result")
    action = CheckAction(result)
    task = _scoped(session, actor, check_id, lock=True)
    rule = MACHINE.rule(task.status, action.value)
    if rule is None:
        raise lifecycle.IllegalTransition(
            f"该核查任务已登记结果（{STATUS_LABELS.get(task.status, task.status)}），不能再登记", field="result",
            code="check_closed")
    if not _holds(actor, task, rule, action.value):
        raise _refusal(action)
    lifecycle.check_version(MACHINE, task, expected_version)
    text = (note or "").strip()
    if not text:
        raise ValidationFailed("请填写核查情况说明", field="note", code="note_required")
    if len(text) > NOTE_MAX:
        raise ValidationFailed(f"核查情况说明不能超过 {NOTE_MAX} 字", field="note", code="note_too_long")
    evidence = (evidence_file_id or "").strip()[:32] or None
    if evidence is not None:
        record = session.get(storage.StoredFile, evidence)
        if record is None or record.owner != actor.label:
            raise ValidationFailed("核查证明文件不存在或不是您上传的", field="evidence_file_id", code="file_not_found")
    finding = _Finding(text, evidence)
    credit_id = _consequences(session, actor, task, finding) if action is CheckAction.FALSE_PLEDGE else None
    now = clock.now()
    on_time = task.deadline is None or clock.to_local(now).date() <= task.deadline

    def found(session: Session, ctx: lifecycle.Context, task: PledgeCheck) -> None:
        task.note, task.evidence_file_id = finding.note, finding.evidence_file_id
        task.checked_by, task.checked_by_name, task.checked_at = actor.label, actor.name, now
        task.on_time, task.credit_record_id = on_time, credit_id

    data: dict[str, Any] = {"case_no": task.case_no, "result": action.value, "on_time": on_time,
                            "deadline": _iso(task.deadline)}
    if evidence:
        data["evidence_file_id"] = evidence
    if credit_id is not None:
        data["credit_record"] = credit_id
    lifecycle.apply(session, MACHINE, task, lifecycle.Context(actor=actor, action=action.value, now=now,
                                                              comment=text, data=data),
                    effect=found, expected_version=expected_version)
    return task


def _consequences(session: Session, actor: Actor, task: PledgeCheck, finding: _Finding) -> int:
    """A false pledge: the decision revoked, its licences revoked, a credit record written. Returns the record."""
    case = cases.get_case(session, SYSTEM, task.case_no)
    reason = f"{REVOKE_REASON}：{finding.note}"[:1000]
    cases.revoke_decision(session, case_no=task.case_no, reason=reason,
                          finding={"pledge_check": task.id, "found_by": actor.label, "found_by_name": actor.name})
    for lic in licenses.for_case(session, task.case_no):
        if lic["status"] != "revoked":
            licenses.change_status(session, actor, str(lic["license_id"]), action="revoke",
                                   reason=f"{REVOKE_REASON}（办件 {task.case_no}）")
    row = credit.record_false_pledge(
        session, actor, subject=task.applicant, subject_name=case.applicant_name, subject_code=case.applicant_code,
        item_type=task.item_type, item_name=task.item_name, case_no=task.case_no, department_id=task.department_id,
        region_code=task.region_code, reason=finding.note, source=f"pledge_check:{task.id}")
    return row.id


# --- publication (公示) -------------------------------------------------------------------------------------

def public_list(session: Session, *, q: str | None = None, department_id: int | None = None, limit: int = 20,
                offset: int = 0) -> tuple[int, list[PublicPledgeOut]]:
    """Published pledged approvals, newest decision first; ``q`` matches the item's name (or its code),
    ``department_id`` narrows to one department."""
    total, rows = repository.public_page(session, q=(q or "").strip()[:100] or None, department_id=department_id,
                                         limit=limit, offset=offset)
    names = {i: d.name for i, d in org_service.departments_by_ids(session, {r.department_id for r in rows}).items()}
    return total, [PublicPledgeOut(publication_no=publication_no(r), item_code=r.item_code, item_name=r.item_name,
                                   department=names.get(r.department_id, ""), decided_on=r.decided_on,
                                   applicant=r.public_holder, check_status=r.status,
                                   check_status_label=PUBLIC_LABELS.get(r.status, r.status)) for r in rows]


def publication_no(task: PledgeCheck) -> str:
    """公示编号: "GS" + the decision's year + the task's number, six digits (never the case number)."""
    return f"GS{task.decided_on.year}{task.id:06d}"


def public_departments(session: Session) -> list[tuple[int, str]]:
    """The departments that have published pledges (the public page's filter), by name."""
    found = org_service.departments_by_ids(session, set(repository.public_departments(session)))
    return sorted(((i, d.name) for i, d in found.items()), key=lambda p: p[1])



def evidence_file(session: Session, actor: Actor, check_id: int) -> storage.StoredFile:
    """The evidence file recorded with a task's result, for staff who may see the task."""
    _reader(actor)
    task = _scoped(session, actor, check_id)
    record = session.get(storage.StoredFile, task.evidence_file_id) if task.evidence_file_id else None
    if record is None:
        raise PledgeCheckNotFound("核查证明文件不存在", field="file_id")
    audit.record(session, actor, "pledge_check.evidence_viewed", "pledge_check", str(task.id))
    return record
