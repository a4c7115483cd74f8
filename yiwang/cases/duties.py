"""Who may decide a case, beyond holding the permission for the step.

- **Window decisions** (即办件当场决定): an immediate application is decided at intake, in one window
  action, only when the owning department has marked the item ``window_may_decide``; otherwise the
  window only accepts and the case goes to the owning department's own review chain.
- **The owning department decides**: review steps, special procedures, extensions and the decision in the
  review chain belong to staff of the department that owns the case — a person whose roles reach other
  departments' cases (a window clerk who is also an approver at home) never decides them.
- **Separation of duties** (``YIWANG_SEPARATION_OF_DUTIES``): whoever handled a case (accepted it, or took
  its 承办 step) does not also decide it — for items whose result is a licence (``licensing``, the
  default), for every item (``all``) or never (``off``). Departments marked 一人多岗 are exempt.

``service.apply`` calls :func:`check` once, after the transition and the permission are known to be
fine; `without_refused` tells the pages which decisions to hide from a person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, object_session

from yiwang.cases import branches, crossregion
from yiwang.cases import repository as repo
from yiwang.cases.models import Case
from yiwang.cases.states import Action, Status, Step, rule_for
from yiwang.catalog import service as catalog
from yiwang.core.config import get_settings
from yiwang.core.errors import Conflict, PermissionDenied
from yiwang.core.permissions import Actor, Perm
from yiwang.org import service as org_service

DECISIONS = (Action.APPROVE, Action.DENY)
# the steps of the owning department's review chain (a window may accept, correct, reject and deliver)
CHAIN_ACTIONS = (Action.REVIEW, Action.RETURN_PREVIOUS, Action.APPROVE, Action.DENY, Action.EXTEND, Action.SUSPEND,
                 Action.RESUME, Action.FORWARD)

WINDOW_REFUSAL = ("该即办件的实施部门未授权窗口当场办结：请先受理，办件将转实施部门审批。"
                  "（授权由实施部门在事项目录中设置“窗口可当场办结”）")
SOD_REFUSAL = "职责分离：您已承办（受理或初审）本件，不能再作出审批决定，请由本部门其他审批人员决定。"
DEPARTMENT_REFUSAL = "只有办件实施部门的工作人员可以审查和作出决定"
BRANCH_REFUSAL = "并联审批部门只出具本部门的意见；受理、补正、审查、决定和送达由牵头部门办理"


class WindowDecisionRefused(Conflict):
    code = "window_decision_not_allowed"


class SeparationOfDuties(Conflict):
    code = "separation_of_duties"


def _intake_decision(case: Case, act: Action) -> bool:
    return act in DECISIONS and case.status == Status.SUBMITTED.value


def handlers_of(session: Session, case: Case) -> set[str]:
    """Who handled the case: accepted it, or took its 承办 (handle) step."""
    return {e.actor for e in repo.events(session, case.id)
            if e.action == Action.ACCEPT.value
            or (e.action == Action.REVIEW.value and (e.data or {}).get("step") == Step.HANDLE.value)}


def separation_applies(session: Session, case: Case) -> bool:
    """Whether separation of duties holds for this case under the setting and its department."""
    mode = get_settings().separation_of_duties
    if mode == "off":
        return False
    if mode == "licensing":
        spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
        if not spec.result_license_type:
            return False
    return not org_service.combined_duties(session, case.department_id)


def _problem(session: Session, actor: Actor, case: Case, act: Action) -> Exception | None:
    allowed: dict[str, Any] = {}
    cross = crossregion.refusal(actor, case, act)  # 通办 windows and departments that forwarded a case only read it
    if cross is not None:
        return cross
    if _intake_decision(case, act):
        if case.case_type == "immediate" and not catalog.window_may_decide(session, case.item_code):
            return WindowDecisionRefused(WINDOW_REFUSAL, field="action", extra=allowed)
        return None  # the owner let the window decide on the spot: one person, by the owner's choice
    if act in CHAIN_ACTIONS and actor.department_id != case.department_id:
        return PermissionDenied(DEPARTMENT_REFUSAL, field="action", code="not_owning_department", extra=allowed)
    if case.joint and actor.department_id != case.department_id and branches.own_branch(session, actor, case):
        # a branch department gives its own opinion; the lead's actions (accept, correction, delivery …) are not its
        return PermissionDenied(BRANCH_REFUSAL, field="action", code="branch_department", extra=allowed)
    if act in DECISIONS and actor.label in handlers_of(session, case) and separation_applies(session, case):
        return SeparationOfDuties(SOD_REFUSAL, field="action", extra=allowed)
    return None


def check(session: Session, actor: Actor, case: Case, act: Action, data: dict[str, Any]) -> None:
    """Refuse an action these rules forbid; record on a decision which department decided, and how."""
    if not actor.is_staff:
        return
    problem = _problem(session, actor, case, act)
    if problem is not None:
        raise problem
    crossregion.note_delivery(actor, case, act, data)
    if act in DECISIONS:
        data["deciding_department_id"] = actor.department_id
        if _intake_decision(case, act):
            data["window_decision"] = True


def refused(session: Session, actor: Actor, case: Case, act: Action) -> Exception | None:
    """Why these rules refuse ``act`` to the actor on this case (None: they do not)."""
    return _problem(session, actor, case, act)


def without_refused(actor: Actor, case: Case, candidates: list[str]) -> list[str]:
    """``candidates`` (actions the actor's roles allow now) less those these rules forbid, so that pages
    do not offer them (the case's own session answers the questions)."""
    session = object_session(case)
    if not actor.is_staff or session is None:
        return candidates
    return [name for name in candidates
            if ((Action(name) not in CHAIN_ACTIONS and not case.joint)
                or _problem(session, actor, case, Action(name)) is None)
            and crossregion.refusal(actor, case, Action(name)) is None]


def may_issue_license(session: Session, case: Case, ctx: Any) -> bool:
    """Whether the case being approved now (``ctx``: the approval's context) may get its licence in the owning
    department's name: whoever decides must belong to that department, unless the owner let windows decide
    this item on the spot (``check`` records a window decision it let through in ``ctx.data``, so the
    licence follows even if the owner withdraws the flag before it is issued)."""
    decider: Actor = ctx.actor
    if not decider.is_staff:
        return True  # the system
    if decider.department_id == case.department_id:
        return True  # the owner's staff
    if ctx.data.get("window_decision"):
        return True
    return catalog.window_may_decide(session, case.item_code)


def notes(session: Session, actor: Actor, case: Case) -> list[str]:
    """Why a decision the actor's roles would allow is not offered to them on this case (for the workbench)."""
    if not actor.is_staff:
        return []
    out: list[str] = []
    for act in DECISIONS:
        rule = rule_for(Status(case.status), act)
        if rule is None or not isinstance(rule.who, Perm) or not actor.can(rule.who):
            continue
        if case.status != Status.SUBMITTED.value and case.review_step != (case.review_steps or [None])[-1]:
            continue
        if case.status == Status.SUBMITTED.value and case.case_type != "immediate":
            continue
        problem = _problem(session, actor, case, act)
        if problem is not None and str(problem) not in out:
            out.append(str(problem))
    return out
