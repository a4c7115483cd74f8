"""How a case reads: its clocks as a person sees them, the actions a person may take now, the case JSON with
its materials, corrections, suspensions, licences and merged timeline (its branches' entries included), the
list line and the public progress. Read-only: the writers are in ``service`` and ``branches``."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import branches, crossregion, deadlines, duties, forwarding, machine
from yiwang.cases import repository as repo
from yiwang.cases.models import Case, CaseEvent, CaseMaterial
from yiwang.cases.schemas import BranchOut, CaseListItem, CaseMaterialOut, CaseOut, TimelineEntry
from yiwang.cases.states import SUSPENSION_KINDS, Action, Status, actions_from
from yiwang.core import clock, outbox
from yiwang.core.calendar import CalendarYearMissing, get_calendar
from yiwang.core.config import get_settings
from yiwang.core.permissions import Actor
from yiwang.licenses import service as licenses

awaiting_supplement = machine.awaiting_supplement


def supplement_view(session: Session, case: Case, today: dt.date | None = None) -> dict[str, Any] | None:
    """What is owed and by when, as pages show it: None when nothing is."""
    if not awaiting_supplement(case):
        return None
    due = case.supplement_due
    left = deadlines.remaining(get_calendar(session), today or clock.today(), due) if due else None
    return {"materials": list(case.deferred or []), "due": due, "remaining_working_days": left,
            "overdue": left is not None and left < 0, "reminded_at": case.supplement_reminded_at}


def allowed_actions(actor: Actor, case: Case) -> list[str]:
    permitted = [a.value for a in actions_from(Status(case.status)) if machine.permitted(actor, case, a)
                 and branches.lead_may(case, a)
                 and not (a is Action.DELIVER and case.bundle_application_id is not None)]  # delivered together
    return duties.without_refused(actor, case, permitted) + branches.allowed_for(actor, case)


CLOCK_LABELS = {"answer": "受理答复期限", "decision": "办理期限", "delivery": "送达期限"}


def clock_view(session: Session, case: Case, today: dt.date | None = None) -> dict[str, Any]:
    """The case's clock as a person sees it now — the one every page and list shows.

    ``kind`` is the clock that runs (answer before acceptance, decision under review, delivery after the
    decision) with its ``label``; ``state`` is running | paused (special procedure: what was left when it
    began) | waiting (for the applicant's correction) | stopped (decided or closed). A stopped decision clock
    is told as ``summary`` ("已办结，用时 N 个工作日，按期"), never as a light next to a passed date; after the
    decision the delivery clock runs on its own due date. ``deadline`` is the running clock's due date
    (the decision deadline while paused)."""
    cal = get_calendar(session)
    today = today or clock.today()
    status = Status(case.status)
    warn = get_settings().warn_working_days
    out: dict[str, Any] = {"deadline": None, "due": None, "remaining_working_days": None, "light": None,
                           "paused": False, "kind": None, "label": None, "state": "stopped", "summary": None,
                           "used_working_days": None, "on_time": case.on_time}
    if case.concluded_at is not None:
        used = _working_days_used(session, case)
        out["used_working_days"] = used
        verdict = "" if case.on_time is None else ("，按期办结" if case.on_time else "，超期办结")
        out["summary"] = f"已办结，用时 {used} 个工作日{verdict}" if used is not None else "已办结" + verdict
    elif status is Status.REJECTED:
        out["summary"] = "不予受理，办理终止"
    elif status is Status.WITHDRAWN:
        out["summary"] = "申请已撤回，办理终止"
    if status is Status.REVOKED:
        out["summary"] = "准予许可决定已撤销（告知承诺不实）"
    if status is Status.SUSPENDED and case.deadline and case.suspended_on:
        left = deadlines.remaining(cal, case.suspended_on, case.deadline)
        return out | {"deadline": case.deadline, "remaining_working_days": left, "paused": True, "kind": "decision",
                      "label": CLOCK_LABELS["decision"], "state": "paused"}
    if status is Status.CORRECTION_REQUESTED:
        return out | {"state": "waiting", "label": CLOCK_LABELS["answer"],
                      "summary": "等待申请人补正，补正后重新计算受理答复期限"}
    kind = {Status.SUBMITTED: "answer", Status.ACCEPTED: "decision", Status.IN_REVIEW: "decision",
            Status.CONCLUDED: "delivery"}.get(status)
    due = case.due
    if kind is None or due is None:
        return out
    return out | {"deadline": due, "due": due, "remaining_working_days": deadlines.remaining(cal, today, due),
                  "light": deadlines.light(cal, today, due, warn), "kind": kind, "label": CLOCK_LABELS[kind],
                  "state": "running"}


def _working_days_used(session: Session, case: Case) -> int | None:
    """Working days from acceptance (not counted) to the decision, special procedures left out."""
    if case.concluded_at is None or case.accepted_at is None:
        return None
    try:
        days = get_calendar(session).working_days_between(deadlines.local_day(case.accepted_at),
                                                          deadlines.local_day(case.concluded_at))
    except CalendarYearMissing:  # a year not imported: say nothing rather than guess
        return None
    return max(0, days - (case.suspended_working_days or 0))


# --- views ------------------------------------------------------------------------------------------

# the timeline and materials a filing just wrote, by case object: (version, events, materials)
_filed: weakref.WeakKeyDictionary[Case, tuple[int, list[CaseEvent], list[CaseMaterial]]] = weakref.WeakKeyDictionary()


def remember_filed(case: Case, events: list[CaseEvent], materials: list[CaseMaterial]) -> None:
    """Keep what a filing wrote beside its case, so the answer to the filing is built from memory."""
    _filed[case] = (case.version, events, materials)


def view(session: Session, actor: Actor, case: Case) -> CaseOut:
    """The case as ``actor`` sees it now: clocks, allowed actions, materials, timeline."""
    from yiwang.cases.states import ACTION_LABELS, STATUS_LABELS
    from yiwang.org import service as org_service

    clock_now = clock_view(session, case)
    dept_name = org_service.department_name(session, case.department_id)
    filed = _filed.get(case)  # just filed, nothing done to it since: the rows are known, no need to read them back
    events, case_materials = ((filed[1], filed[2]) if filed is not None and filed[0] == case.version
                              else (repo.events(session, case.id), repo.materials(session, case.id)))
    labels = {a.value: label for a, label in ACTION_LABELS.items()} | {"submit": "提交申请"}
    applicant_view = actor.is_applicant
    shown_materials = branches.visible_materials(session, actor, case)
    return CaseOut(
        case_no=case.case_no, item_code=case.item_code, item_name=case.item_name, status=case.status,
        status_label=STATUS_LABELS[Status(case.status)], outcome=case.outcome, outcome_reason=case.outcome_reason,
        department=dept_name, applicant_name=case.applicant_name, channel=case.channel, pledge=case.pledge,
        case_type=case.case_type, review_step=case.review_step, submitted_at=case.submitted_at,
        accepted_at=case.accepted_at, concluded_at=case.concluded_at, delivered_at=case.delivered_at,
        deadline=clock_now["deadline"], due=clock_now["due"], clock=clock_now,
        remaining_working_days=clock_now["remaining_working_days"],
        light=clock_now["light"], paused=clock_now["paused"], allowed_actions=allowed_actions(actor, case),
        form=case.form,
        materials=[CaseMaterialOut(name=m.name, file_id=m.file_id, license_ref=m.license_ref, round=m.round,
                                   provided_at=m.provided_at) for m in case_materials
                   if shown_materials is None or m.name in shown_materials],
        corrections=[{"seq": c.seq, "materials": c.materials, "comment": c.comment, "requested_at": c.requested_at,
                      "answered_at": c.answered_at} for c in (repo.corrections(session, case.id)
                                                              if case.correction_count or case.joint else ())],
        suspensions=[{"kind": s.kind, "kind_label": SUSPENSION_KINDS.get(s.kind, s.kind),
                      "expected_days": s.expected_days, "started_on": s.started_on, "ended_on": s.ended_on,
                      "working_days": s.working_days}
                     for s in (repo.suspensions(session, case.id) if any(e.action == "suspend" for e in events) else ())],
        timeline=_timeline_entries(session, case, events, labels, applicant_view),
        licenses=licenses.for_case(session, case.case_no) if case.outcome == "approved" else [],
        supplement=supplement_view(session, case),
        license_failed=case.outcome == "approved" and license_failed(session, case.case_no),
        branches=[BranchOut(**b) for b in branches.views(session, case)], version=case.version,
        intake=crossregion.intake_view(session, case),
        paper_transfers=crossregion.transfers_view(session, actor, case) if not applicant_view else [],
        forwards=forwarding.forwards_view(session, case) if not applicant_view else [],
        may_forward=forwarding.may_forward(actor, case))


def _timeline_entries(session: Session, case: Case, events: Sequence[CaseEvent], labels: dict[str, str],
                      applicant_view: bool) -> list[TimelineEntry]:
    """The case's own timeline, with its branches' entries (并联审批) merged in by time."""
    entries = [(e.at, e.seq, TimelineEntry(at=e.at, action=e.action, action_label=event_label(e, labels),
                                           actor=_actor_shown(e, applicant_view),
                                           comment=_comment_shown(e, applicant_view), from_status=e.from_status,
                                           to_status=e.to_status)) for e in events]
    for i, b in enumerate(branches.timeline(session, case)):
        shown = "工作人员" if applicant_view and b.actor.startswith("staff:") else b.actor_name
        entries.append((b.at, 10**6 + i, TimelineEntry(
            at=b.at, action=b.action, action_label=branches.event_label(b), actor=shown,
            comment=None if applicant_view and b.action == "branch_consent" else b.comment,
            from_status=b.from_status, to_status=b.to_status)))
    return [entry for _, _, entry in sorted(entries, key=lambda t: (t[0], t[1]))]


def event_label(event: CaseEvent, labels: dict[str, str]) -> str:
    """A timeline line's words: review steps and returns name the step, so consecutive review lines read
    differently ("承办通过，转审核", "审核通过，转审批", "退回：审批 → 审核") rather than repeating one label."""
    from yiwang.cases.states import STEP_LABELS

    data = event.data or {}
    steps = {s.value: label for s, label in STEP_LABELS.items()}
    step, to_step = steps.get(str(data.get("step"))), steps.get(str(data.get("to_step")))
    if event.action == Action.REVIEW.value and step:
        return f"{step}通过，转{to_step or '下一环节'}"
    if event.action == Action.RETURN_PREVIOUS.value and step and to_step:
        return f"退回：{step} → {to_step}"
    if event.action == Action.FORWARD.value and data.get("to_department"):
        return f"转报{data['to_department']}"
    return labels.get(event.action, event.action)


def license_failed(session: Session, case_no: str) -> bool:
    """Whether issuing the case's license failed for good (its approval event died in the outbox): the case
    page then says so, and the administrators have been told."""
    return bool(outbox.dead_for(session, f"case:{case_no}", ("case.approve",)))


APPLICANT_COMMENTS = frozenset({"reject", "request_correction", "deny", "suspend", "extend", "withdraw", "resubmit",
                                "supplement", "submit", "revoke"})


def _comment_shown(event: CaseEvent, applicant_view: bool) -> str | None:
    return event.comment if not applicant_view or event.action in APPLICANT_COMMENTS else None


def _actor_shown(event: CaseEvent, applicant_view: bool) -> str:
    """Applicants see "工作人员" rather than staff names; staff see names."""
    if applicant_view and event.actor.startswith("staff:"):
        return "工作人员"
    return event.actor_name


def list_view(session: Session, case: Case) -> CaseListItem:
    from yiwang.cases.states import STATUS_LABELS

    c = clock_view(session, case)
    return CaseListItem(case_no=case.case_no, item_code=case.item_code, item_name=case.item_name, status=case.status,
                        status_label=STATUS_LABELS[Status(case.status)], outcome=case.outcome,
                        applicant_name=case.applicant_name, submitted_at=case.submitted_at, deadline=c["deadline"],
                        remaining_working_days=c["remaining_working_days"], light=c["light"],
                        clock_label=c["label"], clock_state=c["state"], clock_summary=c["summary"],
                        deferred=list(case.deferred or []) if awaiting_supplement(case) else [],
                        supplement_due=case.supplement_due if awaiting_supplement(case) else None)


def public_view(session: Session, case: Case) -> dict[str, Any]:
    """What anyone holding the case number and the tail may read: no names, no form, no files."""
    from yiwang.cases.states import ACTION_LABELS, STATUS_LABELS

    c = clock_view(session, case)
    steps = [{"at": e.at.isoformat(), "step": ACTION_LABELS.get(Action(e.action), "提交申请")
              if e.action != "submit" else "提交申请"} for e in repo.events(session, case.id)]
    return {"case_no": case.case_no, "item_name": case.item_name, "status": case.status,
            "status_label": STATUS_LABELS[Status(case.status)], "outcome": case.outcome,
            "deadline": c["deadline"].isoformat() if c["deadline"] else None, "clock_label": c["label"],
            "clock_summary": c["summary"], "steps": steps}
