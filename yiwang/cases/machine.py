"""The case lifecycle and the branch lifecycle (并联审批) as the core lifecycle engine runs them: the transition
tables from ``states``, who may take each action, where the timeline goes and the typed event each action
publishes. ``service`` and ``branches`` hand their actions to ``lifecycle.apply`` with these machines."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yiwang.cases import events
from yiwang.cases.models import Case, CaseBranch, CaseEvent
from yiwang.cases.states import (
    APPLICANT,
    BRANCH_OFFICER,
    BRANCH_STATUS_LABELS,
    BRANCH_TRANSITIONS,
    STATUS_LABELS,
    STEP_PERMISSION,
    TRANSITIONS,
    Action,
    Status,
    Step,
)
from yiwang.core.lifecycle import SYSTEM_ONLY, Context, Machine, Transition
from yiwang.core.permissions import SYSTEM, Actor, Perm

# --- the case ---------------------------------------------------------------------------------------------

def owner(actor: Actor, case: Case) -> bool:
    return actor.label in (case.applicant, case.filed_by)


def current_step(case: Case) -> Step | None:
    return Step(case.review_step) if case.review_step else None


def last_step(case: Case) -> bool:
    return case.review_step is not None and case.review_step == case.review_steps[-1]


def permitted(actor: Actor, case: Case, action: Action) -> bool:
    """Whether ``actor`` may take ``action`` on ``case`` now (the transition and who may take it)."""
    rule = TRANSITIONS.get((Status(case.status), action))
    if rule is None:
        return False
    if rule.who == SYSTEM_ONLY:
        return actor is SYSTEM
    if rule.who == APPLICANT:
        if action is Action.WITHDRAW:
            return actor.label == case.applicant
        return owner(actor, case)
    if not actor.is_staff:
        return False
    perm = rule.who
    if action is Action.REVIEW:
        step = current_step(case)
        if step is None or last_step(case):
            return False
        perm = STEP_PERMISSION[step]
    if action is Action.RETURN_PREVIOUS:  # only from a step after the first, by whoever holds that step
        step = current_step(case)
        if step is None or case.review_step == case.review_steps[0]:
            return False
        perm = STEP_PERMISSION[step]
    if action in (Action.APPROVE, Action.DENY):
        if case.status == Status.SUBMITTED.value:
            return case.case_type == "immediate" and actor.can(Perm.CASE_ACCEPT)
        return last_step(case) and actor.can(Perm.CASE_APPROVE)
    return isinstance(perm, Perm) and actor.can(perm)


def _case_holds(actor: Actor, case: Case, transition: Transition, action: str) -> bool:
    return permitted(actor, case, Action(action))


def _case_timeline(session: Session, case: Case, ctx: Context, before: str | None, seq: int) -> None:
    session.add(CaseEvent(case_id=case.id, seq=seq, at=ctx.now, action=ctx.action, actor=ctx.actor.label,
                          actor_name=ctx.actor.name, from_status=before, to_status=case.status,
                          comment=(ctx.comment or "").strip()[:2000] or None, data=ctx.data))


def awaiting_supplement(case: Case) -> bool:
    """容缺后补: the case is open and still owes materials the applicant deferred (shown as 待补材料)."""
    from yiwang.cases.states import OPEN

    return bool(case.deferred) and Status(case.status) in OPEN


def case_changed(case: Case, action: str, actor: str, license: events.LicenceBasis | None = None,
                 branches: list[events.BranchRequested] | None = None) -> events.CaseChanged:
    owed = awaiting_supplement(case)
    return events.CaseChanged(
        action=action, actor=actor, case_no=case.case_no, status=case.status, outcome=case.outcome,
        applicant=case.applicant, department_id=case.department_id, item_code=case.item_code,
        item_name=case.item_name, region_code=case.region_code,
        deferred=list(case.deferred or []) if owed else None,
        supplement_due=case.supplement_due.isoformat() if owed and case.supplement_due else None,
        license=license, branches=branches, bundle_application_id=case.bundle_application_id)


def _case_event(case: Case, ctx: Context) -> events.CaseChanged:
    return case_changed(case, ctx.action, ctx.actor.label, getattr(ctx, "license", None),
                        getattr(ctx, "requested", None))


CASE: Machine[Case] = Machine(
    name="case", transitions=TRANSITIONS, subject=lambda c: c.case_no, topic=events.ACTION_TOPICS.get,
    event=_case_event, holds=_case_holds, timeline=_case_timeline, stamp_attr="last_action_at",
    labels={s.value: label for s, label in STATUS_LABELS.items()})


# --- a branch of a joint case -----------------------------------------------------------------------------

def branch_subject(branch: CaseBranch) -> str:
    """The branch's name on the timeline and in the audit trail: "<case_no>#<department id>"."""
    return f"{branch.case_no}#{branch.department_id}"


def branch_officer(actor: Actor, branch: CaseBranch) -> bool:
    """Staff of the branch's own department who handle or approve cases give its opinion."""
    return (actor.is_staff and actor.department_id == branch.department_id
            and (actor.can(Perm.CASE_HANDLE) or actor.can(Perm.CASE_APPROVE)))


def _branch_holds(actor: Actor, branch: CaseBranch, transition: Transition, action: str) -> bool:
    if transition.who == SYSTEM_ONLY:
        return actor is SYSTEM
    return transition.who == BRANCH_OFFICER and branch_officer(actor, branch)


def _branch_event(branch: CaseBranch, ctx: Context) -> events.BranchChanged:
    return events.BranchChanged(
        action=ctx.action, actor=ctx.actor.label, case_no=branch.case_no, department_id=branch.department_id,
        lead_department_id=int(ctx.data.get("lead_department_id", 0)), region_code=branch.region_code,
        item_name=str(ctx.data.get("item_name", "")), status=branch.status,
        deadline=branch.deadline.isoformat() if branch.deadline else None, opinion=branch.opinion)


BRANCH: Machine[CaseBranch] = Machine(
    name="case_branch", transitions=BRANCH_TRANSITIONS, subject=branch_subject, topic=events.BRANCH_TOPICS.get,
    event=_branch_event, holds=_branch_holds, stamp_attr="last_action_at",
    labels={s.value: label for s, label in BRANCH_STATUS_LABELS.items()})
