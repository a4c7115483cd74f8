"""Business actions on cases. ``submit`` files an application; ``apply`` is the one writer of a case's
status: it checks the transition table and the guards, stamps times, recomputes the clocks, appends
the timeline entry and the audit record and emits the outbox event — all in the caller's
transaction. Concurrent actions on one case are serialised by the case's version number: the
second writer gets a conflict, never a double transition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yiwang.cases import branches, crossregion, deadlines, duties, events, forwarding, machine, views
from yiwang.cases import repository as repo
from yiwang.cases.actions import HANDLERS, CaseContext, MaterialIn, check_materials, recompute_due
from yiwang.cases.errors import CaseNotFound, IllegalTransition
from yiwang.cases.models import (
    ApplicationDraft,
    Case,
    CaseEvent,
    CaseMaterial,
    CorrectionNotice,
    SubmissionKey,
    Suspension,
)
from yiwang.cases.numbering import reserve_case_no, reserve_case_nos
from yiwang.cases.states import (
    APPLICANT,
    OPEN,
    STEP_PERMISSION,
    Action,
    Status,
    rule_for,
)
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, lifecycle, outbox, ratelimit, storage
from yiwang.core.calendar import get_calendar
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM as SYSTEM_ACTOR
from yiwang.core.permissions import Actor, Perm
from yiwang.credit import service as credit
from yiwang.identity import service as identity


@dataclass(frozen=True)
class BundleFiling:
    """What a 一件事 application settled once for all its cases: the application, the applicant (resolved and
    profiled), the channel, and the owners of the files given (one query for them all)."""

    application_id: int
    applicant: Actor
    channel: str
    profile: Any  # identity.ApplicantProfile
    owners: dict[str, str]
    # the cases' rows, held until write_bundle_cases writes them all in one round trip (PostgreSQL)
    held: list[Any] = field(default_factory=list)


def submit(session: Session, actor: Actor, *, item_code: str, form: dict[str, Any], materials: Sequence[MaterialIn],
           pledge: bool = False, idempotency_key: str | None = None, applicant_code: str | None = None,
           bundle: BundleFiling | None = None, case_no: str | None = None,
           deliver_at_intake: bool = False) -> Case:
    """File an application. Applicants file for themselves; a window clerk or a village proxy files for a
    registered applicant named by ``applicant_code``. The same idempotency key never creates two cases.
    A window outside the item's region takes it as 通办 (cases.crossregion), where the applicant may choose to
    collect the result (``deliver_at_intake``). A 一件事 application files each of its cases here with what it
    settled for all (``bundle``) and a number it reserved for them all; it flushes and keys them itself."""
    if bundle is not None:
        return _file(session, actor, bundle.applicant, bundle.channel, bundle.profile, item_code=item_code,
                     form=form, materials=materials, pledge=pledge, bundle=bundle, case_no=case_no,
                     deliver_at_intake=deliver_at_intake)
    applicant, channel = filer(session, actor, applicant_code)
    if idempotency_key:
        key = idempotency_key.strip()[:200]
        previous = repo.submission_key(session, actor.label, key)
        if previous is not None:
            case = repo.case_by_id(session, previous.case_id)
            if case is not None:
                return case
    return _file(session, actor, applicant, channel, identity.applicant_profile(session, applicant),
                 item_code=item_code, form=form, materials=materials, pledge=pledge,
                 key=idempotency_key.strip()[:200] if idempotency_key else None, deliver_at_intake=deliver_at_intake)


def filer(session: Session, actor: Actor, applicant_code: str | None) -> tuple[Actor, str]:
    """Who an application is for and through which channel: applicants file for themselves (online); a village
    proxy (proxy) or a window clerk (window) files for the registered applicant ``applicant_code`` names."""
    if actor.is_applicant:
        return actor, "online"
    if actor.is_staff and applicant_code:
        proxy = actor.can(Perm.CASE_PROXY_SUBMIT)
        actor.require(Perm.CASE_PROXY_SUBMIT if proxy else Perm.CASE_INTAKE)
        return identity.find_applicant(session, applicant_code), "proxy" if proxy else "window"
    raise PermissionDenied("只有申请人本人，或代办员、综合窗口代为申请", code="forbidden")


def _file(session: Session, actor: Actor, applicant: Actor, channel: str, profile: Any, *, item_code: str,
          form: dict[str, Any], materials: Sequence[MaterialIn], pledge: bool, bundle: BundleFiling | None = None,
          case_no: str | None = None, key: str | None = None, deliver_at_intake: bool = False) -> Case:
    spec = catalog.application_spec(session, item_code, max_age=2.0)
    intake = crossregion.intake_for(session, actor, spec, channel)
    if pledge and not spec.pledge_allowed:
        raise ValidationFailed("该事项不适用告知承诺制", field="pledge", code="pledge_not_allowed")
    if pledge:  # a false pledge on record for this item type bars pledging while it stands (422 pledge_barred)
        credit.check_pledge(session, applicant=applicant.label, item_type=credit.item_type(spec.code, spec.basic_code))
    form = catalog.validate_form(spec.form_schema, form)
    now = clock.now()
    # PostgreSQL: the materials' owners and the case's key and number (from their sequences) in one round trip
    # (a 一件事 application looked up the owners and reserved the number), and every row of the filing in one
    # pipeline (repository.write_filing)
    pipelined = repo.pipelines(session)
    owners, keys = bundle.owners if bundle else None, None
    if pipelined and bundle is None:
        owners, keys = repo.owners_and_keys(session, [m.file_id for m in materials if m.file_id],
                                            spec.region_code, deadlines.local_day(now))
    checked = check_materials(session, actor, spec, materials, pledge, at_submission=True,
                              holder=applicant.label, owners=owners)
    cal = get_calendar(session)
    case_id: int | None = None
    if keys is not None:
        case_id, number = keys
    elif pipelined:
        case_id, number = repo.new_case_id(session), case_no or reserve_case_no(
            session, spec.region_code, deadlines.local_day(now))
    else:
        number = case_no or reserve_case_no(session, spec.region_code, deadlines.local_day(now))
    case = Case(
        id=case_id, case_no=number, item_code=spec.code,
        item_version_id=spec.version_id, item_name=spec.name, department_id=spec.department_id,
        region_code=spec.region_code, applicant=profile.label, applicant_name=profile.name,
        applicant_code=profile.code, applicant_phone=profile.phone,
        filed_by=None if actor is applicant else actor.label, channel=channel, status=Status.SUBMITTED.value,
        review_steps=["approve"] if spec.case_type == "immediate" else spec.review_steps, form=form, pledge=pledge,
        case_type=spec.case_type,
        limit_value=spec.limit_value, limit_unit=spec.limit_unit, submitted_at=now, last_action_at=now,
        answer_due=(deadlines.decision_deadline(cal, now, None, "immediate") if spec.case_type == "immediate"
                    else deadlines.answer_due(cal, now)),
        suspended_working_days=0, extension_days=0, correction_count=0,
        deferred=_deferred_at_submission(spec, checked, pledge),
        joint=spec.joint.model_dump(mode="json") if spec.joint else None,
        bundle_application_id=bundle.application_id if bundle else None, version=1,
        intake_region_code=intake.region_code if intake else None,
        intake_department_id=intake.department_id if intake else None, intake_by=intake.by if intake else None,
        deliver_at_intake=bool(intake and deliver_at_intake))
    case.due = case.answer_due
    if not pipelined:
        session.add(case)
        session.flush()
    filed_materials = [CaseMaterial(case_id=case.id, name=m.name, file_id=m.file_id, license_ref=m.license_ref,
                                    round=1, provided_at=now) for m in checked]
    submitted = CaseEvent(case_id=case.id, seq=1, at=now, action="submit", actor=actor.label, actor_name=actor.name,
                          from_status=None, to_status=Status.SUBMITTED.value, comment=None,
                          data={"channel": channel, "pledge": pledge, "materials": [m.name for m in checked]}
                          | ({"intake_region_code": intake.region_code, "deliver_at_intake": case.deliver_at_intake}
                             if intake else {}))
    rows: list[Any] = [submitted, *filed_materials]
    if key:
        rows.append(SubmissionKey(principal=actor.label, key=key, case_id=case.id, created_at=now))
    announced = outbox.event(events.CASE_SUBMITTED,
                             machine.case_changed(case, "submit", actor.label).model_dump(mode="json"),
                             subject=f"case:{case.case_no}")
    if pipelined:
        repo.write_filing(session, case, [*rows, announced],
                          draft_of=actor.label if actor.is_applicant and bundle is None else None,
                          hold=bundle.held if bundle is not None else None)
    else:
        session.add_all(rows)
        session.add(announced)
        if bundle is None:
            session.flush()
            if actor.is_applicant:
                discard_draft(session, actor, spec.code)
    views.remember_filed(case, [submitted], filed_materials)
    audit.record(session, actor, "case.submit", "case", case.case_no,
                 {"item": spec.code, "channel": channel, "applicant": profile.label}
                 | ({"bundle_application_id": bundle.application_id} if bundle else {})
                 | ({"intake_region_code": intake.region_code, "intake_department_id": intake.department_id}
                    if intake else {}))
    return case


def write_bundle_cases(session: Session, bundle: BundleFiling) -> None:
    """Write the cases a 一件事 application filed (``submit`` with ``bundle``), all at once: call after the last."""
    repo.write_held_filings(session, bundle.held)
    bundle.held.clear()


def reserve_numbers(session: Session, region_code: str, n: int) -> list[str]:
    """``n`` case numbers of a region for today, reserved at once (a 一件事 application's cases); on PostgreSQL
    the cases' row keys are taken in the same statement."""
    day = deadlines.local_day(clock.now())
    if repo.pipelines(session):
        return repo.reserve_keys(session, region_code, day, n)
    return reserve_case_nos(session, region_code, day, n)


bundle_cases = repo.bundle_cases
file_owners = repo.file_owners
bundle_coverage = repo.bundle_coverage
bundle_ids_by_due = repo.bundle_ids_by_due
visible_case_ids = repo.visible_case_ids


def bundle_application_of(session: Session, case_no: str) -> int | None:
    case = repo.case_by_no(session, case_no)
    return case.bundle_application_id if case is not None else None


visible_bundle_ids = repo.visible_bundle_ids
sees_bundle = repo.sees_bundle


def deliver_together(session: Session, case: Case, comment: str) -> None:
    """一件事统一送达: the system delivers a concluded case of a bundle application with the others, once every
    case of the application is concluded or closed (the only way such a case is delivered)."""
    ctx = CaseContext(actor=SYSTEM_ACTOR, action=Action.DELIVER.value, comment=comment, cal=get_calendar(session),
                      together=True)
    lifecycle.apply(session, machine.CASE, case, ctx, effect=_effect, after=_clock, check_who=False)


def _deferred_at_submission(spec: Any, checked: Sequence[MaterialIn], pledge: bool) -> list[str] | None:
    """容缺后补: the required materials filed without (only 容缺 ones can be missing), or None."""
    given = {m.name for m in checked}
    owed = [m.name for m in spec.materials if m.required and m.name not in given
            and not (pledge and m.source != "applicant")]
    return owed or None


# --- the one writer ---------------------------------------------------------------------------------

awaiting_supplement = machine.awaiting_supplement
# how a case reads (views): re-exported, other domains and the pages take them from here
allowed_actions = views.allowed_actions
supplement_view = views.supplement_view
clock_view = views.clock_view
view = views.view
list_view = views.list_view
public_view = views.public_view
event_label = views.event_label
license_failed = views.license_failed
CLOCK_LABELS = views.CLOCK_LABELS

# 通办 and 转报 (crossregion, forwarding): re-exported for the routers and pages
record_paper_transfer = crossregion.record_paper_transfer
receive_paper_transfer = crossregion.receive_paper_transfer
intake_cases = crossregion.intake_cases
may_send_papers = crossregion.may_send_papers
paper_transfers = crossregion.transfers_view
takes_as_tongban = crossregion.takes_as_tongban
forward = forwarding.forward
upper_departments = forwarding.upper_departments
FORWARD_CLOCK_RULES = forwarding.CLOCK_RULES


def remind_deferred(session: Session, today: dt.date | None = None) -> list[str]:
    """Remind each applicant once, ``YIWANG_SUPPLEMENT_REMIND_DAYS`` working days before their deferred
    materials are due (or at once when that day has passed): an outbox event the notify domain turns into
    a message. Returns the case numbers reminded."""
    today = today or clock.today()
    edge = get_calendar(session).add_working_days(today, get_settings().supplement_remind_days)
    rows = session.scalars(select(Case).where(Case.supplement_due.is_not(None), Case.supplement_due <= edge,
                                              Case.supplement_reminded_at.is_(None),
                                              Case.status.in_(open_statuses()))
                           .order_by(Case.supplement_due, Case.id).limit(1000)).all()
    now = clock.now()
    reminded = []
    for case in rows:
        if not case.deferred:
            continue
        case.supplement_reminded_at = now
        audit.record(session, SYSTEM_ACTOR, "case.supplement_reminded", "case", case.case_no,
                     {"materials": list(case.deferred), "due": case.supplement_due.isoformat() if case.supplement_due
                      else None})
        outbox.emit(session, events.CASE_SUPPLEMENT_REMINDER,
                    machine.case_changed(case, "supplement_reminder", SYSTEM_ACTOR.label).model_dump(mode="json"))
        reminded.append(case.case_no)
    session.flush()
    return reminded


def apply(session: Session, actor: Actor, *, case_no: str, action: str, comment: str | None = None,
          materials: Sequence[Any] | None = None, kind: str | None = None, days: int | None = None,
          form: dict[str, Any] | None = None, expected_version: int | None = None) -> Case:
    """Take one action on a case (see states.TRANSITIONS) through the lifecycle engine; a branch department's
    opinion on a joint case (branch_consent, branch_object) goes to its branch. ``expected_version``: the
    version the caller saw (409 stale_version when the case has moved on since)."""
    case = get_case(session, actor, case_no)
    if action == Action.FORWARD.value:
        raise IllegalTransition("转报须指定上级部门：请使用转报（POST /api/v1/cases/{case_no}/forward）",
                                field="action", code="forward_target_required")
    if action in branches.BRANCH_ACTIONS:
        branches.give_opinion(session, actor, case, action=action, comment=comment,
                              expected_version=expected_version)
        return case
    try:
        act = Action(action)
    except ValueError as exc:
        raise ValidationFailed(f"未知的操作：{action}", field="action", code="unknown_action",
                               extra={"allowed_actions": allowed_actions(actor, case)}) from exc
    status = Status(case.status)
    rule = rule_for(status, act)
    if rule is None:
        raise IllegalTransition(f"办件当前状态为“{status.value}”，不能执行“{act.value}”",
                                field="action", extra={"allowed_actions": allowed_actions(actor, case)})
    if not machine.permitted(actor, case, act):
        if rule.who != APPLICANT and not actor.is_staff:
            raise PermissionDenied("该操作只能由工作人员执行", code="forbidden",
                                   extra={"allowed_actions": allowed_actions(actor, case)})
        if rule.who == APPLICANT or _has_role_for(actor, case, act):
            raise _refusal(actor, case, act)
        raise PermissionDenied("您的岗位不能执行此操作", code="forbidden",
                               extra={"allowed_actions": allowed_actions(actor, case)})
    lifecycle.check_version(machine.CASE, case, expected_version)
    ctx = CaseContext(actor=actor, action=act.value, comment=comment, cal=get_calendar(session),
                      materials=materials, kind=kind, days=days, form=form)
    duties.check(session, actor, case, act, ctx.data)
    branches.check_lead(session, case, act)
    lifecycle.apply(session, machine.CASE, case, ctx, effect=_effect, after=_clock, check_who=False)
    return case


def revoke_decision(session: Session, *, case_no: str, reason: str, finding: dict[str, Any]) -> Case:
    """撤销: revoke a case's approval as the consequence of a finding made elsewhere (a false pledge found by the
    post-check). The system takes the transition (states: SYSTEM_ONLY); ``finding`` (who found what, where) goes
    into the timeline entry and the audit record."""
    case = get_case(session, SYSTEM_ACTOR, case_no)
    ctx = CaseContext(actor=SYSTEM_ACTOR, action=Action.REVOKE.value, comment=reason, cal=get_calendar(session),
                      data=dict(finding))
    lifecycle.apply(session, machine.CASE, case, ctx, effect=_effect, after=_clock)
    return case


def _effect(session: Session, ctx: Any, case: Case) -> None:
    """The action's own guards and effects (``actions``), and the branches it forks, pauses or reopens."""
    HANDLERS[Action(ctx.action)](session, ctx, case)
    branches.follow(session, ctx, case)


def _clock(session: Session, ctx: Any, case: Case) -> None:
    """The clock that runs in the new status."""
    recompute_due(case)


def _has_role_for(actor: Actor, case: Case, act: Action) -> bool:
    """Whether the actor holds the permission for this action in general (so a refusal is about the
    case's situation, not the actor's role)."""
    rule = rule_for(Status(case.status), act)
    if rule is None or rule.who == APPLICANT:
        return False
    if act in (Action.REVIEW, Action.RETURN_PREVIOUS):
        step = machine.current_step(case)
        return step is not None and actor.can(STEP_PERMISSION[step])
    if act in (Action.APPROVE, Action.DENY) and case.status == Status.SUBMITTED.value:
        return actor.can(Perm.CASE_ACCEPT)
    return isinstance(rule.who, Perm) and actor.can(rule.who)


def _refusal(actor: Actor, case: Case, act: Action) -> Exception:
    allowed = {"allowed_actions": allowed_actions(actor, case)}
    if act in (Action.APPROVE, Action.DENY) and case.status == Status.SUBMITTED.value:
        return IllegalTransition("只有即办件可以在受理时当场作出决定", field="action", extra=allowed)
    if act in (Action.APPROVE, Action.DENY):
        return IllegalTransition("尚未完成前序审查环节，不能作出决定", field="action", extra=allowed)
    if act is Action.REVIEW:
        return IllegalTransition("当前为审批环节，请作出准予或不予许可的决定", field="action", extra=allowed)
    if act is Action.RETURN_PREVIOUS:
        return IllegalTransition("当前为第一个审查环节，没有可退回的上一环节", field="action", extra=allowed)
    if not actor.is_staff and not machine.owner(actor, case):
        return PermissionDenied("只有申请人本人可以执行此操作", code="forbidden", extra=allowed)
    return PermissionDenied("您不能对该办件执行此操作", code="forbidden", extra=allowed)


# --- reading ----------------------------------------------------------------------------------------

def open_case(session: Session, actor: Actor, case_no: str) -> Case:
    """A case opened for reading its details: staff access to an applicant's personal data is audited."""
    case = get_case(session, actor, case_no)
    if actor.is_staff:
        audit.record(session, actor, "case.viewed", "case", case.case_no)
    return case


def get_case(session: Session, actor: Actor, case_no: str) -> Case:
    """The case if ``actor`` may see it; otherwise not found (never "forbidden": numbers are not revealed)."""
    case = repo.visible_case(session, actor, case_no.strip()[:40])
    if case is None:
        raise CaseNotFound("办件不存在", field="case_no")
    return case


COUNT_CAP = repo.COUNT_CAP  # list totals are exact up to this many cases


def list_cases(session: Session, actor: Actor, *, status: str | None = None, light: str | None = None,
               mine: bool = False, q: str | None = None, limit: int = 20,
               offset: int = 0) -> tuple[int, Sequence[Case]]:
    """The caller's visible cases, most urgent first (by the running clock)."""
    if status is not None and status not in Status.__members__.values():
        raise ValidationFailed("未知的办件状态", field="status")
    if light not in (None, "green", "yellow", "red"):
        raise ValidationFailed("灯色应为 green、yellow 或 red", field="light")
    due_range = None
    if light:
        cal = get_calendar(session)
        today = clock.today()
        warn_edge = cal.add_working_days(today, get_settings().warn_working_days)
        due_range = {"red": (None, today - dt.timedelta(days=1)), "yellow": (today, warn_edge),
                     "green": (warn_edge + dt.timedelta(days=1), None)}[light]
    queue = None
    if mine and actor.is_staff:
        opinion = actor.can(Perm.CASE_HANDLE) or actor.can(Perm.CASE_APPROVE)
        queue = repo.Queue(steps=[s.value for s, p in STEP_PERMISSION.items() if actor.can(p)],
                           accept=actor.can(Perm.CASE_ACCEPT), resume=actor.can(Perm.CASE_HANDLE),
                           deliver=actor.can(Perm.CASE_DELIVER),
                           branch_department=actor.department_id if opinion else None)
    return repo.list_visible(session, actor, status=status, due_range=due_range, queue=queue, q=q,
                             limit=limit, offset=offset)


def cases_of(session: Session, actor: Actor, applicant: str, *, open_only: bool = True,
             limit: int = 20) -> Sequence[Case]:
    """An applicant's cases within ``actor``'s scope (the window serving them sees what is under way)."""
    return repo.of_applicant(session, actor, applicant, statuses=open_statuses() if open_only else None,
                             limit=limit)


def timeline(session: Session, case: Case) -> Sequence[CaseEvent]:
    return repo.events(session, case.id)


def case_materials(session: Session, case: Case) -> Sequence[CaseMaterial]:
    return repo.materials(session, case.id)


def corrections(session: Session, case: Case) -> Sequence[CorrectionNotice]:
    return repo.corrections(session, case.id)


def suspensions(session: Session, case: Case) -> Sequence[Suspension]:
    return repo.suspensions(session, case.id)


def public_progress(session: Session, *, case_no: str, tail: str, client: str = "") -> Case:
    """Progress by case number and the last 4+ characters of the applicant's phone or ID number, without
    login. A wrong pair says the same as an unknown number. Limits kept in the database (so they hold across
    workers): ``progress_per_client_hour`` lookups per client, and ``progress_per_case_hour`` failed lookups
    per case number (counted whether or not the number exists), so the tail of one case cannot be guessed."""
    s = get_settings()
    hour = dt.timedelta(hours=1)
    case_no = (case_no or "").strip()[:40]
    busy = "查询过于频繁，请 {minutes} 分钟后再试"
    ratelimit.check(session, [f"progress:client:{client or 'unknown'}"], limit=s.progress_per_client_hour,
                    window=hour, message=busy)
    case_key = f"progress:case:{case_no}"
    ratelimit.check(session, [case_key], limit=s.progress_per_case_hour, window=hour, message=busy, field="case_no")
    tail = (tail or "").strip().upper()
    case = repo.case_by_no(session, case_no)
    if case is None or len(tail) < 4 or not (case.applicant_phone.endswith(tail) or
                                             case.applicant_code.upper().endswith(tail)):
        raise CaseNotFound("未找到该办件，请核对办件编号和手机号或证件号码后四位", field="case_no")
    ratelimit.give_back(session, [case_key])  # only failed lookups count against the case
    return case


def open_statuses() -> tuple[str, ...]:
    return tuple(s.value for s in OPEN)


def decision_counts(session: Session, actor: Actor, *, since: dt.datetime, until: dt.datetime
                    ) -> dict[int, tuple[int, int]]:
    """Department id → (cases decided in [since, until), of which on time), within the actor's scope."""
    from sqlalchemy import func

    from yiwang.core.permissions import scope_clause

    rows = session.execute(select(Case.department_id, func.count(), func.count().filter(Case.on_time.is_(True)))
                           .where(Case.concluded_at >= since, Case.concluded_at < until,
                                  scope_clause(actor, department_col=Case.department_id, region_col=Case.region_code))
                           .group_by(Case.department_id)).all()
    return {int(d): (int(n), int(ok)) for d, n, ok in rows}


def supervision_feed() -> Select[Any]:
    """Cases as electronic supervision reads them, as a statement to narrow and compose (set-based: a tick
    over a million open cases is a handful of statements, not a million rows in Python). ``due`` is the
    clock that runs now (NULL while waiting for the applicant, suspended or closed). ``id`` orders cases that
    share a date (the supervision lists page by date, then id); ``last_action_on`` is the local day of the last
    action, the day the current review step began."""
    return cast("Select[Any]", select(
        Case.id, Case.case_no, Case.item_code, Case.department_id, Case.region_code, Case.due, Case.status, Case.review_step,
        Case.last_action_at, Case.last_action_on, Case.correction_count, Case.outcome, Case.outcome_reason,
        Case.closed_at, Case.concluded_at, Case.submitted_at))


# --- drafts and files ---------------------------------------------------------------------------------

def save_draft(session: Session, actor: Actor, *, item_code: str, form: dict[str, Any],
               materials: Sequence[MaterialIn], pledge: bool = False) -> ApplicationDraft:
    """Keep an unfinished application (the form is not validated until submission)."""
    if not actor.is_applicant:
        raise PermissionDenied("只有申请人可以保存草稿", code="forbidden")
    catalog.application_spec(session, item_code)  # the item must be published
    rows = [{"name": m.name[:500], "file_id": m.file_id} for m in materials if m.name][:100]
    for row in rows:
        record = session.get(storage.StoredFile, row["file_id"]) if row["file_id"] else None
        if row["file_id"] and (record is None or record.owner != actor.label):
            raise ValidationFailed("文件不存在或不属于您", field="materials", code="file_not_found")
    draft = repo.draft(session, actor.label, item_code)
    if draft is None:
        draft = ApplicationDraft(applicant=actor.label, item_code=item_code, form={}, materials=[], pledge=False,
                                 updated_at=clock.now())
        session.add(draft)
    draft.form, draft.materials, draft.pledge, draft.updated_at = dict(form), rows, pledge, clock.now()
    session.flush()
    return draft


def get_draft(session: Session, actor: Actor, item_code: str) -> ApplicationDraft | None:
    return repo.draft(session, actor.label, item_code) if actor.is_applicant else None


def list_drafts(session: Session, actor: Actor) -> Sequence[ApplicationDraft]:
    return repo.drafts(session, actor.label) if actor.is_applicant else []


def discard_draft(session: Session, actor: Actor, item_code: str) -> None:
    repo.delete_draft(session, actor.label, item_code)


def material_file(session: Session, actor: Actor, *, case_no: str, file_id: str) -> storage.StoredFile:
    """A material file of a case the actor may see (staff previewing it, the applicant re-reading it)."""
    case = repo.case_referencing_file(session, actor, file_id, case_no)
    shown = branches.visible_materials(session, actor, case) if case is not None else None
    if case is not None and shown is not None and not any(
            m.file_id == file_id and m.name in shown for m in case_materials(session, case)):
        case = None  # a branch department sees only the materials the lead lets it see
    record = session.get(storage.StoredFile, file_id) if case is not None else None
    if record is None:
        raise CaseNotFound("文件不存在", field="file_id")
    if actor.is_staff:
        audit.record(session, actor, "case.material_viewed", "case", case_no, {"file_id": file_id})
    return record


# --- used by applicant pages ---

def own_files(session: Session, actor: Actor, file_ids: Sequence[str]) -> dict[str, storage.StoredFile]:
    """Those of ``file_ids`` that ``actor`` uploaded (a form re-shown with files kept, a draft continued);
    anyone else's ids are left out."""
    out: dict[str, storage.StoredFile] = {}
    for file_id in list(dict.fromkeys(f for f in file_ids if f))[:100]:
        record = session.get(storage.StoredFile, file_id[:32])
        if record is not None and record.owner == actor.label:
            out[record.id] = record
    return out


def application_counts(session: Session, *, since: dt.datetime) -> dict[str, int]:
    """Item code → applications submitted since ``since`` (public demand figures; no personal data)."""
    from sqlalchemy import func

    rows = session.execute(select(Case.item_code, func.count()).where(Case.submitted_at >= since)
                           .group_by(Case.item_code)).all()
    return {str(code): int(n) for code, n in rows}


# --- 并联审批, for electronic supervision ---------------------------------------------------------------------

def branch_supervision_feed() -> Select[Any]:
    """The running branch clocks of joint cases, as a statement supervision narrows and composes."""
    return branches.supervision_feed()


def time_out_branches(session: Session, as_of: dt.date) -> list[branches.BranchTimeout]:
    """Apply each overdue branch's timeout rule (超时默认同意 or escalation); what it did, for supervision."""
    return branches.time_out(session, as_of)


def branch_cases_touched(session: Session, *, since: dt.datetime, windows: Sequence[tuple[dt.date, dt.date]]
                         ) -> set[str] | None:
    """Joint cases whose branch lights may have changed since ``since`` (None: too many, look at all)."""
    return branches.touched_since(session, since=since, windows=windows)


def involves_department(session: Session, case: Case, department_id: int) -> bool:
    """Whether a department handles the case: its own, or one of its branches (并联审批)."""
    return case.department_id == department_id or any(
        b.department_id == department_id for b in branches.branches_of(session, case))


def legacy_licence_basis(session: Session, case_no: str) -> events.LicenceBasis | None:
    """The licence basis of a case approved before approvals carried it in their event (an event queued across
    the upgrade): computed now from the case, its approval and the item version it was decided under."""
    case = repo.case_by_no(session, case_no)
    if case is None or case.outcome != "approved":
        return None
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    if not spec.result_license_type:
        return None
    approvals = [e for e in repo.events(session, case.id) if e.action == Action.APPROVE.value]
    if not approvals:
        return None
    decider = identity.actor_for_principal(session, approvals[-1].actor) \
        if approvals[-1].actor.startswith("staff:") else SYSTEM_ACTOR
    ctx = CaseContext(actor=decider or SYSTEM_ACTOR, action=Action.APPROVE.value, cal=get_calendar(session),
                      data=dict(approvals[-1].data or {}))
    from yiwang.cases import contents

    return contents.license_basis(session, case, spec, approvals[-1].comment,
                                  may_issue=duties.may_issue_license(session, case, ctx))
