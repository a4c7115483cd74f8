"""转报 (upward forwarding): the department that owns a case forwards it to the level that decides it — a department
in an ancestor region (a county bureau to the city or provincial bureau).

The forward is a case action (``Action.FORWARD``) on the lifecycle engine: checked, on the timeline, audited and
published like any other. The case's department becomes the upper department, whose staff then act on it from their
first review step (the case is "accepted" there); the lower department keeps read access (``case_forward`` and
``repository._visible``) but may no longer act (``crossregion.refusal``). The case keeps its number and its region,
so region-scoped staff who saw it still do, and nobody outside those scopes sees more than before.

The clock, per item (the guide's 转报 rule, item version ``extra.forward_clock``):

- ``continue`` (the default): the promised limit covers both levels; the deadline stays where it was;
- ``restart``: the upper level's limit runs afresh from its receipt (the forward's day, not counted); the
  special-procedure days and extensions of the lower level are not carried over.

Only while the case is accepted or in review, by staff of the owning department holding ``CASE_HANDLE``; not for a
joint case (its branches answer to the lead). A department that is not in an ancestor region is refused
with 422 ``forward_not_upward``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import deadlines, duties, machine
from yiwang.cases import repository as repo
from yiwang.cases.actions import CaseContext, recompute_due
from yiwang.cases.errors import CaseNotFound, IllegalTransition
from yiwang.cases.models import Case, CaseForward
from yiwang.cases.states import FORWARD_TRANSITIONS, Action, Status
from yiwang.catalog import service as catalog
from yiwang.core import lifecycle
from yiwang.core.calendar import get_calendar
from yiwang.core.config import get_settings
from yiwang.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.org import service as org_service

# the case machine with the forward's own table: the same timeline (case_event), audit name ("case.forward"),
# version and event as every case action
FORWARDING = dataclasses.replace(machine.CASE, transitions=FORWARD_TRANSITIONS)

CLOCK_RULES = {"continue": "转报后继续计算原办理时限（上下级合计不超过承诺时限）",
               "restart": "上级部门自收到转报之日起重新计算办理时限"}


def is_ancestor(upper: str, lower: str) -> bool:
    """Whether region ``upper`` is a proper ancestor of region ``lower`` (行政区划 prefix, different region)."""
    return upper != lower and lower.startswith(region_prefix(upper)) and region_prefix(upper) != region_prefix(lower)


def upper_departments(session: Session, case: Case) -> list[Any]:
    """The departments a case may be forwarded to: those of the regions above its department's, nearest first."""
    own = org_service.get_department(session, case.department_id).region_code
    found = [d for d in org_service.all_departments(session) if is_ancestor(d.region_code, own)]
    return sorted(found, key=lambda d: (-len(region_prefix(d.region_code)), d.name))


def forward(session: Session, actor: Actor, *, case_no: str, to_department_id: int, reason: str | None,
            expected_version: int | None = None) -> Case:
    """转报: hand the case to a department of an ancestor region, which decides it from now on."""
    case = repo.visible_case(session, actor, (case_no or "").strip()[:40])
    if case is None:
        raise CaseNotFound("办件不存在", field="case_no")
    act = Action.FORWARD
    if not actor.is_staff or not actor.can(Perm.CASE_HANDLE):
        raise PermissionDenied("只有承办部门的承办人员可以转报", code="forbidden")
    if (Status(case.status), act) not in FORWARD_TRANSITIONS:
        raise IllegalTransition("只有已受理、审查中的办件可以转报", field="action",
                                extra={"allowed_actions": []})
    ctx = CaseContext(actor=actor, action=act.value, comment=reason, cal=get_calendar(session))
    duties.check(session, actor, case, act, ctx.data)  # the owning department's staff only
    if case.joint:
        raise Conflict("并联审批办件由牵头部门决定，不能转报", field="action", code="forward_joint")
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed("请填写转报理由", field="reason", code="reason_required")
    try:
        target = org_service.get_department(session, int(to_department_id))
    except (DomainError, TypeError, ValueError) as exc:
        raise ValidationFailed("请选择要转报的上级部门", field="to_department_id", code="unknown_department") from exc
    current = org_service.get_department(session, case.department_id)
    if not is_ancestor(target.region_code, current.region_code):
        raise ValidationFailed(f"只能转报上级区划的部门：{target.name}不在{current.name}的上级区划", field="to_department_id",
                               code="forward_not_upward")
    lifecycle.check_version(machine.CASE, case, expected_version)
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    rule = spec.forward_clock
    ctx.comment = text
    ctx.data.update(from_department_id=current.id, from_department=current.name, to_department_id=target.id,
                    to_department=target.name, clock_rule=rule, reason=text[:2000])

    def effect(session: Session, c: Any, row: Case) -> None:
        session.add(CaseForward(case_id=row.id, from_department_id=current.id, to_department_id=target.id, at=c.now,
                                reason=text[:2000], forwarded_by=c.actor.label, clock_rule=rule))
        row.department_id = target.id
        row.review_step = row.review_steps[0]
        if rule == "restart" and row.base_deadline is not None:
            row.base_deadline = deadlines.decision_deadline(c.cal, c.now, row.limit_value, row.limit_unit)
            row.suspended_working_days, row.extension_days = 0, 0
            row.deadline = deadlines.shifted(c.cal, row.base_deadline, 0)
            row.warn_at = deadlines.warn_date(c.cal, row.deadline, get_settings().warn_working_days)
            c.data["deadline"] = row.deadline.isoformat() if row.deadline else None

    lifecycle.apply(session, FORWARDING, case, ctx, effect=effect, after=lambda s, c, row: recompute_due(row),
                    check_who=False)
    return case


def forwards_view(session: Session, case: Case) -> list[dict[str, Any]]:
    """The forwards of a case, in order, as the case JSON shows them."""
    return [{"from_department": org_service.department_name(session, f.from_department_id),
             "from_department_id": f.from_department_id,
             "to_department": org_service.department_name(session, f.to_department_id),
             "to_department_id": f.to_department_id, "at": f.at, "reason": f.reason, "clock_rule": f.clock_rule,
             "clock_rule_label": CLOCK_RULES.get(f.clock_rule, f.clock_rule)}
            for f in repo.forwards(session, case.id)]


def may_forward(actor: Actor, case: Case) -> bool:
    """Whether a page should offer the actor the 转报 form (the API's ``may_forward``)."""
    from sqlalchemy.orm import object_session

    session = object_session(case)
    if (session is None or not actor.is_staff or not actor.can(Perm.CASE_HANDLE) or case.joint
            or (Status(case.status), Action.FORWARD) not in FORWARD_TRANSITIONS):
        return False
    return duties.refused(session, actor, case, Action.FORWARD) is None
