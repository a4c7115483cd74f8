"""What each case action does: the guards that need the case's data and the effects, plus the clock
recomputation. ``service.apply`` checks who may act and hands the action to the lifecycle engine, which calls
the handler here as the action's effect and sets the status; nothing here is called from outside the case
domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import contents, deadlines, duties
from yiwang.cases import repository as repo
from yiwang.cases.errors import IllegalTransition
from yiwang.cases.events import CASE_REPEATED_CORRECTION, LicenceBasis, RepeatedCorrection
from yiwang.cases.models import Case, CaseMaterial, CorrectionNotice, Suspension
from yiwang.cases.states import SUSPENSION_KINDS, Action, Outcome, Status
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ApplicationSpec
from yiwang.core import lifecycle, outbox
from yiwang.core.calendar import WorkCalendar
from yiwang.core.config import get_settings
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.licenses import service as licenses


@dataclass(kw_only=True)
class CaseContext(lifecycle.Context):
    """A case action's typed context: the calendar it is timed on and the action's own inputs."""

    cal: WorkCalendar
    materials: Sequence[Any] | None = None  # request_correction: names; resubmit/supplement: MaterialIn or dicts
    kind: str | None = None  # suspend: the special procedure
    days: int | None = None  # suspend: expected days; extend: working days added
    form: dict[str, Any] | None = None  # resubmit: a corrected application form
    license: LicenceBasis | None = None  # approve: the licence the decision earns (published with the event)
    requested: list[Any] | None = None  # accept of a joint case: the branches asked for an opinion (events)
    together: bool = False  # deliver: the 一件事 delivery of every result of a bundle application at once


@dataclass(frozen=True)
class MaterialIn:
    name: str
    file_id: str | None = None
    license_ref: str | None = None


# --- filing ---------------------------------------------------------------------------------------

def check_materials(session: Session, actor: Actor, spec: ApplicationSpec, given: Sequence[MaterialIn],
                     pledge: bool, *, at_submission: bool, holder: str | None = None,
                     owners: dict[str, str] | None = None) -> list[MaterialIn]:
    """The materials as filed, checked: each is one the item asks for, given once, as the filer's own upload
    or as a valid e-license the applicant (``holder``) holds of the type the material names (用证/免提交)."""
    names = {m.name for m in spec.materials}
    license_types = {m.name: m.license_type for m in spec.materials}
    out: list[MaterialIn] = []
    seen: set[str] = set()
    if owners is None:
        owners = repo.file_owners(session, [m.file_id for m in given if m.file_id])
    for i, m in enumerate(given):
        name = (m.name or "").strip()
        if name not in names:
            raise ValidationFailed(f"“{name}”不是该事项要求的申请材料", field=f"materials.{i}.name",
                                   code="unknown_material")
        if name in seen:
            raise ValidationFailed(f"申请材料“{name}”重复提交", field=f"materials.{i}.name")
        seen.add(name)
        if not m.file_id and not m.license_ref:
            raise ValidationFailed(f"请为“{name}”上传文件", field=f"materials.{i}.file_id")
        if m.license_ref and not m.file_id:
            held = licenses.check_reuse(session, holder or actor.label, m.license_ref, license_types.get(name),
                                        field_name=f"materials.{i}.license_ref")
            out.append(MaterialIn(name, None, held.license_id))
            continue
        if m.file_id:
            # a file may be used only by whoever uploaded it (or the window/proxy filing for them)
            if owners.get(m.file_id) != actor.label:
                raise ValidationFailed(f"“{name}”的文件不存在或不属于您", field=f"materials.{i}.file_id",
                                       code="file_not_found")
        out.append(MaterialIn(name, m.file_id, None))
    if at_submission:
        waived = pledge and spec.pledge_allowed
        missing = [m.name for m in spec.materials
                   if m.required and not m.deficiency_allowed and m.name not in seen
                   and not (waived and m.source != "applicant")]
        if missing:
            raise ValidationFailed("缺少必要的申请材料：" + "、".join(missing), field="materials",
                                   code="materials_missing", extra={"missing": missing})
    return out


# --- 容缺后补: the materials still owed --------------------------------------------------------------

def owed_materials(session: Session, case: Case, spec: ApplicationSpec | None = None) -> list[str]:
    """Required materials not yet in hand, except proofs a pledge replaced (at submission only 容缺 ones
    can be missing, so these are the deferred materials)."""
    spec = spec or catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    provided = repo.material_names(session, case.id)
    return [m.name for m in spec.materials if m.required and m.name not in provided
            and not (case.pledge and m.source != "applicant")]


def refresh_deferred(session: Session, case: Case, cal: WorkCalendar, today: dt.date,
                     spec: ApplicationSpec | None = None) -> list[str]:
    """Recompute what is still owed after materials arrived; once nothing is, the supplement clock stops.
    An accepted case that owes something runs the supplement clock: ``YIWANG_SUPPLEMENT_WORKING_DAYS``
    working days from acceptance, never beyond the decision deadline (the guide: 决定前补齐)."""
    session.flush()
    owed = owed_materials(session, case, spec)
    if list(case.deferred or []) != owed:
        case.deferred = owed or None
    if not owed:
        if case.supplement_due is not None:
            case.supplement_due = None
    elif case.accepted_at is not None and case.supplement_due is None:
        due = cal.add_working_days(today, get_settings().supplement_working_days)
        case.supplement_due = min(due, case.deadline) if case.deadline else due
    return owed


def _reason(comment: str | None, what: str) -> str:
    text_ = (comment or "").strip()
    if not text_:
        raise ValidationFailed(f"请填写{what}", field="comment", code="reason_required")
    return text_[:2000]


# --- action handlers (guards and effects; the status is set by apply) ---------------------------------

def _do_accept(session: Session, ctx: CaseContext, case: Case) -> None:
    if case.accepted_at is not None:  # accepted again after a correction (a joint case's objection)
        ctx.data["accepted_again"] = True
    case.accepted_at = ctx.now
    # not answered within the 5 working days: the application counts as accepted on receipt
    start = ctx.now if case.answer_due is None or ctx.today <= case.answer_due else _last_receipt(session, case)
    if start is not ctx.now:
        ctx.data["deemed_accepted_on_receipt"] = True
    case.base_deadline = deadlines.decision_deadline(ctx.cal, start, case.limit_value, case.limit_unit)
    case.review_step = case.review_steps[0]
    _recompute_deadline(case, ctx.cal)
    if case.deferred:
        ctx.data["deferred"] = refresh_deferred(session, case, ctx.cal, ctx.today)
        if case.supplement_due:
            ctx.data["supplement_due"] = case.supplement_due.isoformat()


def _last_receipt(session: Session, case: Case) -> dt.datetime:
    """When the office last received the application (submission or the latest resubmission)."""
    resubmitted = [e.at for e in repo.events(session, case.id) if e.action == "resubmit"]
    return resubmitted[-1] if resubmitted else case.submitted_at


def _do_reject(session: Session, ctx: CaseContext, case: Case) -> None:
    case.outcome_reason = _reason(ctx.comment, "不予受理的理由")
    case.closed_at = ctx.now


def _do_request_correction(session: Session, ctx: CaseContext, case: Case) -> None:
    if any(not isinstance(m, str) for m in (ctx.materials or [])):
        raise ValidationFailed("补正清单应为材料名称（文字）的列表", field="materials", code="bad_materials")
    names = list(dict.fromkeys(m.strip() for m in (ctx.materials or []) if m.strip()))
    if not names:
        raise ValidationFailed("请列出需要补正的全部材料（一次性告知）", field="materials", code="materials_required")
    if len(names) > 50 or any(len(n) > 500 for n in names):
        raise ValidationFailed("补正材料清单过长", field="materials")
    # after acceptance a correction answers a branch department's objection (并联审批; the service guards it):
    # the 5-day answer period and the one-time rule are about the application as received, not about this
    after_objection = case.status in (Status.ACCEPTED.value, Status.IN_REVIEW.value)
    if not after_objection and case.answer_due is not None and ctx.today > case.answer_due:
        raise IllegalTransition("已超过 5 个工作日的答复期限，依法视为受理，不能再要求补正，请受理后继续办理",
                                field="action", code="answer_period_passed")
    repeated = case.correction_count > 0 and not after_objection
    if repeated:
        # 一次性告知: a second notice may only concern what the applicant newly provided since the first
        changed = repo.materials_of_round(session, case.id, repo.last_round(session, case.id))
        stale = [n for n in names if n not in changed]
        if stale:
            raise IllegalTransition("补正告知须一次性告知：" + "、".join(stale) + " 应在首次告知时一并列出，"
                                    "再次告知只能针对申请人新提交的材料", field="materials",
                                    code="correction_not_one_time")
        ctx.data["repeated"] = True
    if after_objection:
        ctx.data["after_objection"] = True
        seq = len(repo.corrections(session, case.id)) + 1  # not counted against the one-time rule
    else:
        case.correction_count += 1
        seq = case.correction_count
    session.add(CorrectionNotice(case_id=case.id, seq=seq, materials=names, comment=ctx.comment,
                                 requested_at=ctx.now, requested_by=ctx.actor.label, answered_at=None, repeated=repeated))
    ctx.data["materials"] = names
    if repeated:
        outbox.emit(session, CASE_REPEATED_CORRECTION,
                    RepeatedCorrection(case_no=case.case_no, notice=case.correction_count).model_dump(mode="json"))


def _do_resubmit(session: Session, ctx: CaseContext, case: Case) -> None:
    given = _material_inputs(ctx.materials)
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    if ctx.form is not None:  # a correction may concern the form itself
        case.form = catalog.validate_form(spec.form_schema, ctx.form)
        ctx.data["form_changed"] = True
    if not given and ctx.form is None and not (ctx.comment or "").strip():
        raise ValidationFailed("请上传补正的材料，或修改申请表，或说明已补正的内容", field="materials",
                               code="materials_required")
    checked = check_materials(session, ctx.actor, spec, given, case.pledge, at_submission=False,
                              holder=case.applicant)
    next_round = repo.last_round(session, case.id) + 1
    session.add_all(CaseMaterial(case_id=case.id, name=m.name, file_id=m.file_id, license_ref=m.license_ref,
                                 round=next_round, provided_at=ctx.now) for m in checked)
    notice = repo.open_correction(session, case.id)
    if notice is not None:
        notice.answered_at = ctx.now
    case.answer_due = deadlines.answer_due(ctx.cal, ctx.now)  # the office's 5-day clock starts again
    ctx.data["materials"] = [m.name for m in checked]
    if case.deferred:
        refresh_deferred(session, case, ctx.cal, ctx.today, spec)


def _material_inputs(materials: Sequence[Any] | None) -> list[MaterialIn]:
    out = []
    for i, m in enumerate(materials or []):
        if isinstance(m, MaterialIn):
            out.append(m)
        elif isinstance(m, dict) and isinstance(m.get("name"), str):
            out.append(MaterialIn(m["name"], m.get("file_id"), m.get("license_ref")))
        else:
            raise ValidationFailed("材料应为 {\"name\", \"file_id\"} 对象", field=f"materials.{i}", code="bad_materials")
    return out


def _do_supplement(session: Session, ctx: CaseContext, case: Case) -> None:
    """容缺后补: the applicant supplies a material after acceptance (the status does not change)."""
    given = _material_inputs(ctx.materials)
    if not given:
        raise ValidationFailed("请上传需要补交的材料", field="materials", code="materials_required")
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    checked = check_materials(session, ctx.actor, spec, given, case.pledge, at_submission=False,
                              holder=case.applicant)
    next_round = repo.last_round(session, case.id) + 1
    session.add_all(CaseMaterial(case_id=case.id, name=m.name, file_id=m.file_id, license_ref=m.license_ref,
                                 round=next_round, provided_at=ctx.now) for m in checked)
    ctx.data["materials"] = [m.name for m in checked]
    ctx.data["outstanding"] = refresh_deferred(session, case, ctx.cal, ctx.today, spec)


def _do_review(session: Session, ctx: CaseContext, case: Case) -> None:
    steps = case.review_steps
    ctx.data["step"] = case.review_step
    case.review_step = steps[steps.index(case.review_step) + 1]
    ctx.data["to_step"] = case.review_step


def _do_return_previous(session: Session, ctx: CaseContext, case: Case) -> None:
    """退回: back to the previous review step, with the reason; at the first step the case is accepted again."""
    reason = _reason(ctx.comment, "退回的理由")
    steps = case.review_steps
    if case.review_step not in steps or steps.index(case.review_step) == 0:
        raise IllegalTransition("当前为第一个审查环节，没有可退回的上一环节", field="action", code="no_previous_step")
    back = steps[steps.index(case.review_step) - 1]
    ctx.data.update(step=case.review_step, to_step=back, reason=reason)
    case.review_step = back
    case.status = (Status.ACCEPTED if steps.index(back) == 0 else Status.IN_REVIEW).value


def _do_suspend(session: Session, ctx: CaseContext, case: Case) -> None:
    if ctx.kind not in SUSPENSION_KINDS:
        raise ValidationFailed("请选择特别程序种类：" + "、".join(SUSPENSION_KINDS.values()), field="kind",
                               code="bad_kind", extra={"kinds": list(SUSPENSION_KINDS)})
    if not isinstance(ctx.days, int) or not 1 <= ctx.days <= 365:
        raise ValidationFailed("请填写特别程序预计所需天数（1–365）", field="days")
    case.status_before_suspension = case.status
    case.suspended_on = ctx.today
    session.add(Suspension(case_id=case.id, kind=ctx.kind, expected_days=ctx.days, started_on=ctx.today, reason=ctx.comment))
    ctx.data.update(kind=ctx.kind, days=ctx.days)


def _do_resume(session: Session, ctx: CaseContext, case: Case) -> None:
    suspension = repo.open_suspension(session, case.id)
    started = case.suspended_on or ctx.today
    # the working days the procedure took do not count: the start day is a working day of the
    # case when the procedure started after it, so count (start, today]
    used = max(0, ctx.cal.working_days_between(started, ctx.today))
    if suspension is not None:
        suspension.ended_on, suspension.working_days = ctx.today, used
    case.suspended_working_days += used
    case.status = case.status_before_suspension or Status.ACCEPTED.value
    case.status_before_suspension, case.suspended_on = None, None
    _recompute_deadline(case, ctx.cal)
    ctx.data["working_days"] = used


def _do_extend(session: Session, ctx: CaseContext, case: Case) -> None:
    reason = _reason(ctx.comment, "延长期限的理由")
    if case.deadline is not None and ctx.today > case.deadline:
        raise IllegalTransition("办理期限已过，不能再延长", field="action", code="deadline_passed")
    if case.case_type == "immediate":
        raise IllegalTransition("即办件不适用延长期限", field="action", code="immediate_item")
    left = deadlines.MAX_EXTENSION_DAYS - case.extension_days
    if not isinstance(ctx.days, int) or not 1 <= ctx.days <= left:
        raise ValidationFailed(f"延长天数应为 1–{left} 个工作日（累计不超过 {deadlines.MAX_EXTENSION_DAYS} 个）",
                               field="days", code="bad_extension")
    case.extension_days += ctx.days
    _recompute_deadline(case, ctx.cal)
    ctx.data.update(days=ctx.days, reason=reason)


def _decide(session, case, cal, now, outcome: Outcome) -> None:  # type: ignore[no-untyped-def]
    if case.accepted_at is None:  # 即办件: accepted and decided in one window action, timed from receipt
        case.accepted_at = now
        case.base_deadline = deadlines.decision_deadline(cal, _last_receipt(session, case), case.limit_value,
                                                         case.limit_unit)
        _recompute_deadline(case, cal)
    case.outcome = outcome.value
    case.concluded_at = now
    case.review_step = None
    case.on_time = case.deadline is None or deadlines.local_day(now) <= case.deadline
    # a 一件事 case is delivered with the application's others as soon as the last concludes: no clock of its own
    case.deliver_due = (None if case.bundle_application_id is not None
                        else cal.add_working_days(deadlines.local_day(now), deadlines.DELIVER_DAYS))


def _do_approve(session: Session, ctx: CaseContext, case: Case) -> None:
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    # every required material must be in hand — 容缺 ones included — except proofs a pledge replaced
    owed = owed_materials(session, case, spec)
    if owed:
        raise IllegalTransition("尚有材料未补齐，不能作出准予决定：" + "、".join(owed), field="action",
                                code="deficiency_outstanding", extra={"missing": owed})
    if spec.result_license_type:
        # the license the approval issues must be issuable, or the approval is refused up front (409), and may
        # state only what was applied for and decided
        licenses.check_issuable(session, type_ref=spec.result_license_type, department_id=case.department_id)
        contents.check_license_fields(session, case, ctx.comment, spec.result_license_type)
    _decide(session, case, ctx.cal, ctx.now, Outcome.APPROVED)
    if spec.result_license_type:
        ctx.license = contents.license_basis(session, case, spec, ctx.comment,
                                             may_issue=duties.may_issue_license(session, case, ctx))


def _do_deny(session: Session, ctx: CaseContext, case: Case) -> None:
    case.outcome_reason = _reason(ctx.comment, "不予许可的理由")
    _decide(session, case, ctx.cal, ctx.now, Outcome.DENIED)


def _do_deliver(session: Session, ctx: CaseContext, case: Case) -> None:
    if case.bundle_application_id is not None and not ctx.together:
        raise IllegalTransition("该办件属于“一件事”申请，全部事项办结后由系统统一送达，不能单独送达",
                                field="action", code="bundle_delivers_together")
    case.delivered_at = case.closed_at = ctx.now


def _do_revoke(session: Session, ctx: CaseContext, case: Case) -> None:
    """撤销: only an approval is revoked (the system, on a false-pledge finding; see states.TRANSITIONS)."""
    if case.outcome != Outcome.APPROVED.value:
        raise IllegalTransition("只有准予许可的决定可以撤销", field="action", code="not_approved")
    ctx.data["reason"] = _reason(ctx.comment, "撤销的理由")
    case.closed_at = case.closed_at or ctx.now


def _do_withdraw(session: Session, ctx: CaseContext, case: Case) -> None:
    suspension = repo.open_suspension(session, case.id)
    if suspension is not None:
        suspension.ended_on = ctx.today
    case.closed_at = ctx.now


HANDLERS = {
    Action.ACCEPT: _do_accept, Action.REJECT: _do_reject, Action.REQUEST_CORRECTION: _do_request_correction,
    Action.RESUBMIT: _do_resubmit, Action.REVIEW: _do_review, Action.SUSPEND: _do_suspend,
    Action.RESUME: _do_resume, Action.EXTEND: _do_extend, Action.APPROVE: _do_approve, Action.DENY: _do_deny,
    Action.DELIVER: _do_deliver, Action.WITHDRAW: _do_withdraw, Action.SUPPLEMENT: _do_supplement,
    Action.RETURN_PREVIOUS: _do_return_previous, Action.REVOKE: _do_revoke,
}


def _recompute_deadline(case: Case, cal: WorkCalendar) -> None:
    if case.base_deadline is None:
        return
    case.deadline = deadlines.shifted(cal, case.base_deadline, case.suspended_working_days + case.extension_days)
    case.warn_at = deadlines.warn_date(cal, case.deadline, get_settings().warn_working_days)


def recompute_due(case: Case) -> None:
    """The clock that runs in the current status (the workbench sorts and the lights are computed by it)."""
    status = Status(case.status)
    if status is Status.SUBMITTED:
        case.due = case.answer_due
    elif status in (Status.ACCEPTED, Status.IN_REVIEW):
        case.due = case.deadline
    elif status is Status.CONCLUDED:
        case.due = case.deliver_due
    else:  # waiting for the applicant, paused, or closed
        case.due = None


