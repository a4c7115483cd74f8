"""并联审批: the branches of a joint case.

One window takes the application; the lead department (the item's own) accepts it, and acceptance forks one
branch per branch department the item names. Each branch gives its opinion (同意 / 不同意, an objection with
its reason) within its own limit in working days, on its own clock, which every suspension of the case pauses.
The lead may approve only when every branch has consented or is deemed to have consented; an objection lets
the lead deny, or send the application back for correction (after which the lead's new acceptance asks the
objecting branches again). Past a branch's deadline the supervision tick applies the item's rule: silence
counts as consent (超时默认同意) or the branch is escalated to supervision and still owes its opinion.

Every branch status change goes through the lifecycle engine (``machine.BRANCH``): audited, on the timeline
("<case_no>#<department id>" in lifecycle_event) and published as a typed event. A branch action never writes
the case row, so two branch departments answering at once do not conflict; two officers of one branch do,
and the second gets 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Select, String, and_, cast, exists, insert, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from yiwang.cases import events, machine
from yiwang.cases.models import Case, CaseBranch
from yiwang.cases.states import (
    BRANCH_ACTION_LABELS,
    BRANCH_AGREED,
    BRANCH_OPEN,
    BRANCH_STATUS_LABELS,
    Action,
    BranchAction,
    BranchStatus,
    Status,
)
from yiwang.catalog.schemas import JointSpec
from yiwang.core import clock, lifecycle
from yiwang.core.calendar import get_calendar
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import Context, IllegalTransition, StaleVersion, WorkClock
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.org import service as org_service

BRANCH_ACTIONS = frozenset({BranchAction.CONSENT.value, BranchAction.OBJECT.value})
# the case statuses in which branches give opinions (a suspension pauses their clocks, not their pens)
OPINION_STATUSES = (Status.ACCEPTED.value, Status.IN_REVIEW.value, Status.SUSPENDED.value)
DEEMED_OPINION = "超时未出具意见，依超时默认制视为同意"


def branches_of(session: Session, case: Case, *, lock: bool = False) -> list[CaseBranch]:
    if not case.joint:
        return []
    stmt = select(CaseBranch).where(CaseBranch.case_id == case.id).order_by(CaseBranch.id)
    if lock:
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def _session(case: Case) -> Session:
    session = object_session(case)
    assert session is not None
    return session


# --- the lead's side: the join ------------------------------------------------------------------------------

def lead_may(case: Case, act: Action) -> bool:
    """Whether the lead's ``act`` is open now as far as the branches go (for the actions a page offers)."""
    if act in (Action.APPROVE, Action.DENY) and case.joint and case.status == Status.SUBMITTED.value:
        return False  # no decision at intake: the branches have not been asked
    if act is Action.REQUEST_CORRECTION and case.status in (Status.ACCEPTED.value, Status.IN_REVIEW.value):
        return any(b.status == BranchStatus.OBJECTED for b in branches_of(_session(case), case))
    if act is Action.APPROVE and case.joint and case.status != Status.SUBMITTED.value:
        return all(b.status in BRANCH_AGREED for b in branches_of(_session(case), case))
    return True


def check_lead(session: Session, case: Case, act: Action) -> None:
    """The join: approve only when every branch consented or is deemed to have; after acceptance, ask for a
    correction only because a branch objected. 409 with what is missing otherwise."""
    if act is Action.REQUEST_CORRECTION and case.status in (Status.ACCEPTED.value, Status.IN_REVIEW.value):
        if not any(b.status == BranchStatus.OBJECTED for b in branches_of(session, case)):
            raise IllegalTransition("受理后只有在并联审批部门提出不同意见时，才能一次性告知申请人补正",
                                    field="action", code="correction_after_acceptance")
        return
    if act in (Action.APPROVE, Action.DENY) and case.joint and case.status == Status.SUBMITTED.value:
        raise IllegalTransition("并联审批事项须受理后由各并联部门出具意见，不能在受理时当场办结", field="action",
                                code="joint_not_immediate")
    if act is not Action.APPROVE or not case.joint or case.status == Status.SUBMITTED.value:
        return
    agreed = tuple(s.value for s in BRANCH_AGREED)
    if session.scalar(select(CaseBranch.id).where(CaseBranch.case_id == case.id,
                                                  CaseBranch.status.notin_(agreed)).limit(1)) is None:
        return  # every branch agreed: the join holds (the usual case: one indexed probe, no rows loaded)
    rows = branches_of(session, case)
    names = org_service.departments_by_ids(session, {b.department_id for b in rows})
    objected = [b for b in rows if b.status == BranchStatus.OBJECTED]
    if objected:
        said = "；".join(f"{_name(names, b)}：{b.opinion or ''}" for b in objected)
        raise IllegalTransition(f"并联审批部门不同意（{said}）。请作出不予许可决定，或一次性告知申请人补正",
                                field="action", code="branch_objected",
                                extra={"departments": [_name(names, b) for b in objected]})
    waiting = [b for b in rows if b.status not in BRANCH_AGREED]
    if waiting:
        listed = "、".join(f"{_name(names, b)}（{BRANCH_STATUS_LABELS[BranchStatus(b.status)]}）" for b in waiting)
        raise IllegalTransition(f"并联审批部门尚未全部同意：{listed}，不能作出准予决定", field="action",
                                code="branches_pending", extra={"departments": [_name(names, b) for b in waiting]})


def _name(names: dict[int, Any], branch: CaseBranch) -> str:
    dept = names.get(branch.department_id)
    return dept.name if dept is not None else str(branch.department_id)


def follow(session: Session, ctx: Any, case: Case) -> None:
    """What a case action does to its branches: acceptance forks them (or asks objecting ones again after a
    correction); a suspension, or a correction asked after acceptance, pauses their clocks; the end of the
    suspension resumes them."""
    if not case.joint:
        return
    # the case row is half-updated here (the engine sets its status next): reading must not write it early
    with session.no_autoflush:
        _follow(session, ctx, case)


def _follow(session: Session, ctx: Any, case: Case) -> None:
    act = Action(ctx.action)
    if act is Action.ACCEPT:
        assert case.joint is not None
        fork(session, ctx, case, JointSpec.model_validate(case.joint))
    elif act is Action.SUSPEND or (act is Action.REQUEST_CORRECTION and case.accepted_at is not None):
        for b in branches_of(session, case):
            if b.status in BRANCH_OPEN:
                lifecycle.set_clock(b, lifecycle.clock_of(b).pause(ctx.today))
                b.last_action_at = ctx.now
    elif act is Action.RESUME:
        warn = get_settings().warn_working_days
        for b in branches_of(session, case):
            if b.status in BRANCH_OPEN and b.paused_on is not None:
                resumed, _ = lifecycle.clock_of(b).resume(ctx.cal, ctx.today, warn)
                lifecycle.set_clock(b, resumed)
                b.last_action_at = ctx.now


def fork(session: Session, ctx: Any, case: Case, joint: JointSpec) -> None:
    """One branch per branch department, each on a clock of its own limit from today. Accepted again after a
    correction: objecting branches are asked again and open ones start over; consents stand. The branches
    asked for an opinion go out with the acceptance's event (``ctx.requested``)."""
    # branches exist only if the case was accepted before (then sent back for a correction)
    existing = {b.department_id: b for b in branches_of(session, case)} if ctx.data.get("accepted_again") else {}
    warn = get_settings().warn_working_days
    new_rows: list[dict[str, Any]] = []
    requested: list[events.BranchRequested] = []
    for spec in joint.branches:
        start = WorkClock.start(ctx.cal, ctx.today, spec.limit_value, warn)
        row = existing.get(spec.department_id)
        if row is None:
            # a first fork writes its rows in one INSERT (nothing reads them back in this action)
            new_rows.append({
                "case_id": case.id, "case_no": case.case_no, "item_code": case.item_code,
                "department_id": spec.department_id, "region_code": spec.region_code or case.region_code,
                "status": BranchStatus.PENDING.value, "limit_days": spec.limit_value, "on_timeout": spec.on_timeout,
                "materials": spec.materials, "started_on": ctx.today, "deadline": start.deadline,
                "warn_at": start.warn_at, "paused_on": None, "paused_working_days": 0, "opinion": None,
                "decided_at": None, "decided_by": None, "last_action_at": ctx.now, "version": 1})
            requested.append(events.BranchRequested(
                department_id=spec.department_id, deadline=start.deadline.isoformat() if start.deadline else None))
            continue
        if row.status == BranchStatus.OBJECTED:
            reopen = Context(actor=ctx.actor, action=BranchAction.REOPEN.value, now=ctx.now,
                             data=_data(case, row, spec.department))

            def restart(session: Session, c: Context, b: CaseBranch, start: WorkClock = start) -> None:
                b.opinion, b.decided_at, b.decided_by, b.started_on = None, None, None, c.today
                lifecycle.set_clock(b, start)

            lifecycle.apply(session, machine.BRANCH, row, reopen, effect=restart, check_who=False, nested=True)
        elif row.status in BRANCH_OPEN:
            row.started_on, row.last_action_at = ctx.today, ctx.now
            lifecycle.set_clock(row, start)
        if row.status == BranchStatus.PENDING:
            requested.append(events.BranchRequested(
                department_id=row.department_id, deadline=row.deadline.isoformat() if row.deadline else None))
    if new_rows:
        try:
            session.execute(insert(CaseBranch), new_rows)
        except IntegrityError as exc:  # another acceptance of the same case forked it first
            raise StaleVersion("该办件刚被其他人受理，请刷新后查看最新状态", field="expected_version") from exc
    # published with the acceptance itself (one event): each branch department hears an opinion is due
    ctx.requested = requested
    ctx.data["branches"] = [b.department for b in joint.branches]


def _data(case: Case, branch: CaseBranch, department: str) -> dict[str, Any]:
    return {"department": department, "department_id": branch.department_id,
            "lead_department_id": case.department_id, "item_name": case.item_name}


# --- the branch's side: the opinion --------------------------------------------------------------------------

def own_branch(session: Session, actor: Actor, case: Case) -> CaseBranch | None:
    """The branch of the actor's department on this case, if it is one."""
    if not case.joint or not actor.is_staff or actor.department_id is None:
        return None
    return session.scalars(select(CaseBranch).where(CaseBranch.case_id == case.id,
                                                    CaseBranch.department_id == actor.department_id)).first()


def allowed_for(actor: Actor, case: Case) -> list[str]:
    """The branch actions a page offers this actor on this case."""
    if not case.joint or case.status not in OPINION_STATUSES:
        return []
    branch = own_branch(_session(case), actor, case)
    if branch is None or not machine.branch_officer(actor, branch):
        return []
    return [a for a in machine.BRANCH.allowed(actor, branch) if a in BRANCH_ACTIONS]


def give_opinion(session: Session, actor: Actor, case: Case, *, action: str, comment: str | None,
                 expected_version: int | None = None) -> CaseBranch:
    """A branch department's opinion: consent, or objection with its reason. 409 when the case is no longer
    open for opinions, when the branch already answered (or was deemed to) — a second officer acting at once
    — or when ``expected_version`` (the case version the caller saw) is stale."""
    if not case.joint:
        raise IllegalTransition("该办件不是并联审批办件", field="action", code="not_joint")
    # serialise with the lead's decision: whoever locks the case first acts, the other sees the outcome
    locked = session.scalars(select(Case).where(Case.id == case.id).with_for_update()
                             .execution_options(populate_existing=True)).one()
    lifecycle.check_version(machine.CASE, locked, expected_version)
    branch = own_branch(session, actor, locked)
    if branch is None:
        raise PermissionDenied("您的部门不是该办件的并联审批部门", code="forbidden")
    if locked.status not in OPINION_STATUSES:
        raise IllegalTransition("办件已不在审查中，不能再出具并联审批意见", field="action", code="case_closed")
    session.refresh(branch, with_for_update=True)
    reason = (comment or "").strip()[:2000]
    if action == BranchAction.OBJECT.value and not reason:
        raise ValidationFailed("请填写不同意的理由", field="comment", code="reason_required")
    dept = org_service.department_name(session, branch.department_id)
    ctx = Context(actor=actor, action=action, comment=reason or None, data=_data(locked, branch, dept))

    def decide(session: Session, c: Context, b: CaseBranch) -> None:
        b.opinion, b.decided_at, b.decided_by = reason or None, c.now, c.actor.label
        if b.status == BranchStatus.ESCALATED:
            c.data["late"] = True

    lifecycle.apply(session, machine.BRANCH, branch, ctx, effect=decide)
    return branch


# --- the clock: timeouts (called by the supervision tick) -----------------------------------------------------

@dataclass(frozen=True)
class BranchTimeout:
    case_no: str
    department_id: int
    region_code: str
    item_code: str
    status: str  # deemed_consent | escalated
    deadline: dt.date


def timed_out(session: Session, as_of: dt.date, *, limit: int = 5000) -> Sequence[CaseBranch]:
    """Pending branches of open cases whose running clock ended before ``as_of``: the branches by their
    running-deadline index, each case probed by its key (branches of closed cases never fill the window)."""
    case_open = exists(select(Case.id).where(Case.id == CaseBranch.case_id,
                                             Case.status.in_((Status.ACCEPTED.value, Status.IN_REVIEW.value))))
    return session.scalars(
        select(CaseBranch).where(CaseBranch.status == BranchStatus.PENDING.value,
                                 # repeats the partial index's predicate, so the planner takes the index
                                 CaseBranch.status.in_(tuple(s.value for s in BRANCH_OPEN)),
                                 CaseBranch.deadline < as_of, CaseBranch.paused_on.is_(None), case_open)
        .order_by(CaseBranch.deadline, CaseBranch.id).limit(limit)).all()


def time_out(session: Session, as_of: dt.date | None = None) -> list[BranchTimeout]:
    """Apply each overdue branch's rule: 超时默认同意 (deemed_consent) or escalation to supervision. Audited,
    on the timeline and published (the branch department's supervisors hear of it). Idempotent: a branch
    is timed out once."""
    as_of = as_of or clock.today()
    out = []
    names: dict[int, str] = {}
    for branch in timed_out(session, as_of):
        # under the case's lock, as an opinion or the lead's decision takes it: whoever comes first acts
        case = session.scalars(select(Case).where(Case.id == branch.case_id).with_for_update()
                               .execution_options(populate_existing=True)).one()
        session.refresh(branch, with_for_update=True)
        if case.status not in (Status.ACCEPTED.value, Status.IN_REVIEW.value) or branch.status != BranchStatus.PENDING:
            continue  # decided, or answered, meanwhile
        if branch.department_id not in names:
            names[branch.department_id] = org_service.department_name(session, branch.department_id)
        consent = branch.on_timeout == "consent"
        action = BranchAction.DEEM_CONSENT if consent else BranchAction.ESCALATE
        ctx = Context(actor=SYSTEM, action=action.value,
                      comment=DEEMED_OPINION if consent else "超过并联审批时限未出具意见，已提交电子监察",
                      data=_data(case, branch, names[branch.department_id])
                      | {"as_of": as_of.isoformat(), "deadline": branch.deadline.isoformat() if branch.deadline
                         else None})

        def settle(session: Session, c: Context, b: CaseBranch, consent: bool = consent) -> None:
            if consent:
                b.opinion, b.decided_at, b.decided_by = DEEMED_OPINION, c.now, SYSTEM.label

        lifecycle.apply(session, machine.BRANCH, branch, ctx, effect=settle)
        assert branch.deadline is not None
        out.append(BranchTimeout(case_no=branch.case_no, department_id=branch.department_id,
                                 region_code=branch.region_code, item_code=branch.item_code, status=branch.status,
                                 deadline=branch.deadline))
    return out


def supervision_feed() -> Select[Any]:
    """The running branch clocks as electronic supervision reads them (open branches of cases under review,
    not paused): the case number, the branch department and region, the subject "branch:<department id>" its
    alerts carry, and the deadline."""
    subject = literal_column("'branch:'", String) + cast(CaseBranch.department_id, String)
    return cast_type("Select[Any]", select(CaseBranch.case_no.label("case_no"), CaseBranch.item_code.label("item_code"),
                   CaseBranch.department_id.label("department_id"), CaseBranch.region_code.label("region_code"),
                   subject.label("subject"), CaseBranch.deadline.label("due"), CaseBranch.status.label("status"))
            .join(Case, Case.id == CaseBranch.case_id)
            .where(CaseBranch.status.in_(tuple(s.value for s in BRANCH_OPEN)), CaseBranch.paused_on.is_(None),
                   CaseBranch.deadline.is_not(None),
                   Case.status.in_((Status.ACCEPTED.value, Status.IN_REVIEW.value))))


def touched_since(session: Session, *, since: dt.datetime, windows: Sequence[tuple[dt.date, dt.date]],
                  cap: int = 5000) -> set[str] | None:
    """The joint cases whose branch lights may differ from the last supervision tick's: a branch or its case
    acted on since ``since``, or a running branch deadline inside one of ``windows`` ([from, to) date ranges
    a threshold crossed). A branch whose last action was its timeout is left out: only a tick times a branch
    out, and that tick settled its lights. None when there are more than ``cap`` (look at everything)."""
    acted = and_(CaseBranch.last_action_at >= since,
                 CaseBranch.status.notin_((BranchStatus.DEEMED_CONSENT.value, BranchStatus.ESCALATED.value)))
    parts: list[Select[Any]] = [
        select(CaseBranch.case_no).where(acted),
        select(Case.case_no).where(Case.last_action_at >= since, Case.joint.is_not(None))]
    open_statuses = tuple(s.value for s in BRANCH_OPEN)
    for lo, hi in windows:
        if lo < hi:
            parts.append(select(CaseBranch.case_no).where(CaseBranch.status.in_(open_statuses),
                                                          CaseBranch.deadline >= lo, CaseBranch.deadline < hi))
    found: set[str] = set()
    for part in parts:
        found.update(session.scalars(part.limit(cap + 1)))
        if len(found) > cap:
            return None
    return found


# --- reading ----------------------------------------------------------------------------------------------------

def views(session: Session, case: Case, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The branches as the case JSON and page show them."""
    rows = branches_of(session, case)
    if not rows:
        return []
    cal = get_calendar(session)
    today = today or clock.today()
    warn = get_settings().warn_working_days
    names = org_service.departments_by_ids(session, {b.department_id for b in rows})
    out = []
    for b in rows:
        running = b.status in BRANCH_OPEN and case.status in OPINION_STATUSES
        work = lifecycle.clock_of(b)
        label = BRANCH_STATUS_LABELS[BranchStatus(b.status)]
        if b.status in BRANCH_OPEN and (case.closed_at is not None or case.concluded_at is not None):
            label = "办件已终止，无需出具意见"
        out.append({"department": _name(names, b), "department_id": b.department_id, "status": b.status,
                    "status_label": label, "deadline": b.deadline,
                    "opinion": b.opinion, "decided_at": b.decided_at, "limit_days": b.limit_days,
                    "on_timeout": b.on_timeout, "paused": running and work.paused,
                    "light": work.light(cal, today, warn) if running else None,
                    "remaining_working_days": work.remaining(cal, today) if running else None})
    return out


def timeline(session: Session, case: Case) -> list[lifecycle.LifecycleEvent]:
    """The branches' timeline entries, in order."""
    if not case.joint:
        return []
    return list(session.scalars(
        select(lifecycle.LifecycleEvent).where(lifecycle.LifecycleEvent.kind == machine.BRANCH.name,
                                               lifecycle.LifecycleEvent.subject.startswith(f"{case.case_no}#"))
        .order_by(lifecycle.LifecycleEvent.at, lifecycle.LifecycleEvent.id)))


def event_label(event: lifecycle.LifecycleEvent) -> str:
    department = str((event.data or {}).get("department") or "并联部门")
    return f"{department}：{BRANCH_ACTION_LABELS.get(BranchAction(event.action), event.action)}"


def visible_materials(session: Session, actor: Actor, case: Case) -> list[str] | None:
    """The materials a branch department's staff may see (None: all — the lead, and branches the lead let see
    everything)."""
    if not case.joint or not actor.is_staff or actor.department_id == case.department_id:
        return None
    branch = own_branch(session, actor, case)
    return list(branch.materials) if branch is not None and branch.materials is not None else None
