"""Named permissions (``domain:resource:action``), the roles that hold them, the acting principal and
its data scope. Handlers never filter by hand: repositories call ``scope_clause``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from yiwang.core.errors import PermissionDenied, Unauthenticated


class Perm(enum.StrEnum):
    # org and identity administration
    ORG_REGION_MANAGE = "org:region:manage"
    ORG_DEPARTMENT_MANAGE = "org:department:manage"
    IDENTITY_STAFF_MANAGE = "identity:staff:manage"
    CALENDAR_MANAGE = "core:calendar:manage"
    AUDIT_READ = "core:audit:read"
    # catalog
    CATALOG_ITEM_EDIT = "catalog:item:edit"
    CATALOG_ITEM_PUBLISH = "catalog:item:publish"
    # cases (used from the case lifecycle on)
    CASE_READ = "cases:case:read"
    CASE_INTAKE = "cases:case:intake"
    CASE_PROXY_SUBMIT = "cases:case:proxy_submit"
    CASE_ACCEPT = "cases:case:accept"
    CASE_HANDLE = "cases:case:handle"
    CASE_CHECK = "cases:case:check"
    CASE_APPROVE = "cases:case:approve"
    CASE_DELIVER = "cases:case:deliver"
    # electronic licenses and seals
    LICENSE_READ = "licenses:license:read"
    LICENSE_REVOKE = "licenses:license:revoke"
    SEAL_MANAGE = "seals:seal:manage"
    # supervision, hotline, data
    SUPERVISION_READ = "supervision:alert:read"
    SUPERVISION_ORDER = "supervision:order:issue"
    SUPERVISION_REPLY = "supervision:order:reply"
    SUPERVISION_RULE_MANAGE = "supervision:rule:manage"
    # evaluation (好差评)
    EVALUATION_RECTIFY = "evaluation:rectification:handle"
    EVALUATION_APPEAL = "evaluation:appeal:decide"
    HOTLINE_TICKET = "hotline:ticket:handle"
    DATA_RESOURCE_MANAGE = "datahub:resource:manage"
    # licences: finding a person's licences by their full ID number (the issuing department's case roles)
    LICENSE_SEARCH_HOLDER = "licenses:license:search_holder"
    # portal: announcements (通知公告)
    PORTAL_ANNOUNCE = "portal:announcement:publish"
    # failed outbox events (dead letters): list and resend
    OUTBOX_MANAGE = "core:outbox:manage"
    # the service hall: setting up halls and windows; the front desk (tickets for others, re-queueing, check-in);
    # the hall's daily report
    HALL_MANAGE = "hall:hall:manage"
    HALL_DESK = "hall:ticket:desk"
    HALL_REPORT = "hall:report:read"
    # the 12345 hotline: a unit's liaison signs for, handles and answers its work orders and keeps its knowledge
    # base answers; the centre's operators keep the routing rules and moderate the message board; the figures
    HOTLINE_HANDLE = "hotline:ticket:answer"
    HOTLINE_KNOWLEDGE = "hotline:knowledge:edit"
    HOTLINE_RULES = "hotline:rule:manage"
    HOTLINE_MODERATE = "hotline:board:moderate"
    HOTLINE_REPORT = "hotline:report:read"
    # indicators (seed 003): reading them, the operations screen and the monthly report; choosing what the public
    # figures page shows, entering the population figures per-capita indicators divide by, recomputing a month
    METRICS_READ = "metrics:indicator:read"
    METRICS_REGION = "metrics:indicator:read_region"  # the whole region subtree and any department in it
    METRICS_MANAGE = "metrics:indicator:manage"


class Role(enum.StrEnum):
    WINDOW_CLERK = "window_clerk"
    PROXY = "proxy"
    HANDLER = "handler"
    CHECKER = "checker"
    APPROVER = "approver"
    SUPERVISOR = "supervisor"
    HOTLINE_OPERATOR = "hotline_operator"
    HOTLINE_LIAISON = "hotline_liaison"
    DATA_OFFICER = "data_officer"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.WINDOW_CLERK: "综合窗口人员",
    Role.PROXY: "代办员",
    Role.HANDLER: "承办人",
    Role.CHECKER: "审核人",
    Role.APPROVER: "审批人",
    Role.SUPERVISOR: "监察员",
    Role.HOTLINE_OPERATOR: "12345 话务员",
    Role.HOTLINE_LIAISON: "热线联络员",
    Role.DATA_OFFICER: "数据专员",
    Role.ADMIN: "系统管理员",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.WINDOW_CLERK: frozenset({Perm.CASE_READ, Perm.CASE_INTAKE, Perm.CASE_ACCEPT, Perm.CASE_DELIVER}),
    Role.PROXY: frozenset({Perm.CASE_READ, Perm.CASE_PROXY_SUBMIT}),
    Role.HANDLER: frozenset({Perm.CASE_READ, Perm.CASE_ACCEPT, Perm.CASE_HANDLE, Perm.CASE_DELIVER,
                             Perm.CATALOG_ITEM_EDIT, Perm.LICENSE_READ, Perm.EVALUATION_RECTIFY,
                             Perm.SUPERVISION_REPLY}),
    Role.CHECKER: frozenset({Perm.CASE_READ, Perm.CASE_CHECK, Perm.LICENSE_READ}),
    Role.APPROVER: frozenset({Perm.CASE_READ, Perm.CASE_APPROVE, Perm.LICENSE_READ, Perm.LICENSE_REVOKE,
                              Perm.EVALUATION_RECTIFY, Perm.SUPERVISION_REPLY}),
    Role.SUPERVISOR: frozenset({Perm.CASE_READ, Perm.SUPERVISION_READ, Perm.SUPERVISION_ORDER, Perm.AUDIT_READ,
                                Perm.LICENSE_READ, Perm.EVALUATION_APPEAL,
                                Perm.SUPERVISION_RULE_MANAGE}),  # rules within the supervisor's region
    Role.HOTLINE_OPERATOR: frozenset({Perm.HOTLINE_TICKET}),
    Role.DATA_OFFICER: frozenset({Perm.DATA_RESOURCE_MANAGE}),
    Role.ADMIN: frozenset({Perm.ORG_REGION_MANAGE, Perm.ORG_DEPARTMENT_MANAGE, Perm.IDENTITY_STAFF_MANAGE,
                           Perm.CALENDAR_MANAGE, Perm.AUDIT_READ, Perm.CATALOG_ITEM_EDIT,
                           Perm.CATALOG_ITEM_PUBLISH, Perm.SEAL_MANAGE, Perm.LICENSE_READ,
                           Perm.SUPERVISION_RULE_MANAGE, Perm.PORTAL_ANNOUNCE}),
}
# administrators see and resend outbox events that died
ROLE_PERMISSIONS[Role.ADMIN] = ROLE_PERMISSIONS[Role.ADMIN] | {Perm.OUTBOX_MANAGE}
# the hall: administrators set it up; window clerks keep the front desk; the centre's leaders (administrators,
# supervisors) and the clerks read its daily report
ROLE_PERMISSIONS[Role.ADMIN] = ROLE_PERMISSIONS[Role.ADMIN] | {Perm.HALL_MANAGE, Perm.HALL_REPORT}
ROLE_PERMISSIONS[Role.WINDOW_CLERK] = ROLE_PERMISSIONS[Role.WINDOW_CLERK] | {Perm.HALL_DESK, Perm.HALL_REPORT}
ROLE_PERMISSIONS[Role.SUPERVISOR] = ROLE_PERMISSIONS[Role.SUPERVISOR] | {Perm.HALL_REPORT}

# the hotline: operators of the centre's region take calls, dispatch, review, call back, keep the rules and the
# board; each unit's liaisons (their department only) handle its orders and keep its answers (答复口径); the
# centre's leaders read the figures
ROLE_PERMISSIONS[Role.HOTLINE_OPERATOR] = ROLE_PERMISSIONS[Role.HOTLINE_OPERATOR] | {
    Perm.HOTLINE_RULES, Perm.HOTLINE_MODERATE, Perm.HOTLINE_REPORT, Perm.HOTLINE_KNOWLEDGE}
ROLE_PERMISSIONS[Role.HOTLINE_LIAISON] = frozenset({Perm.HOTLINE_HANDLE, Perm.HOTLINE_KNOWLEDGE})
ROLE_PERMISSIONS[Role.SUPERVISOR] = ROLE_PERMISSIONS[Role.SUPERVISOR] | {Perm.HOTLINE_REPORT}
ROLE_PERMISSIONS[Role.ADMIN] = ROLE_PERMISSIONS[Role.ADMIN] | {Perm.HOTLINE_REPORT, Perm.HOTLINE_RULES}

# the indicators: the centre's leaders (supervisors, administrators, data officers) read their region's, a
# department's approvers (its leaders) their department's; administrators choose what is published
for _role in (Role.SUPERVISOR, Role.ADMIN, Role.DATA_OFFICER, Role.APPROVER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.METRICS_READ}
for _role in (Role.SUPERVISOR, Role.ADMIN, Role.DATA_OFFICER):  # not a window clerk who also approves
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.METRICS_REGION}
ROLE_PERMISSIONS[Role.ADMIN] = ROLE_PERMISSIONS[Role.ADMIN] | {Perm.METRICS_MANAGE}

# Searching licences by a holder's full ID number belongs to the case roles of the issuing department (who
# handle the holder's cases); administrators, supervisors and catalog staff see ID numbers masked.
for _role in (Role.HANDLER, Role.CHECKER, Role.APPROVER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.LICENSE_SEARCH_HOLDER}

# Roles whose data scope is the whole region subtree rather than their own department.
REGION_SCOPED_ROLES = frozenset({Role.WINDOW_CLERK, Role.PROXY, Role.SUPERVISOR, Role.HOTLINE_OPERATOR,
                                 Role.DATA_OFFICER, Role.ADMIN})


def permissions_for(roles: Iterable[str]) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(granted)


class ActorKind(enum.StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"
    STAFF = "staff"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    """Who is acting. Applicants (person/enterprise) act on their own records; staff act within
    their department, or their region subtree for region-scoped roles."""

    kind: ActorKind
    id: int | None = None
    name: str = ""
    department_id: int | None = None
    department_name: str | None = None
    region_code: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def permissions(self) -> frozenset[Perm]:
        return permissions_for(self.roles)

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    @property
    def is_applicant(self) -> bool:
        return self.kind in (ActorKind.PERSON, ActorKind.ENTERPRISE)

    @property
    def label(self) -> str:
        return f"{self.kind.value}:{self.id}" if self.id is not None else self.kind.value

    def can(self, perm: Perm) -> bool:
        return self.kind is ActorKind.SYSTEM or perm in self.permissions

    def require(self, perm: Perm) -> None:
        if self.kind is ActorKind.ANONYMOUS:
            raise Unauthenticated("请先登录")
        if not self.can(perm):
            raise PermissionDenied("您没有执行此操作的权限", code="forbidden", extra={"permission": perm.value})

    @property
    def region_scoped(self) -> bool:
        return any(Role(r) in REGION_SCOPED_ROLES for r in self.roles)


SYSTEM = Actor(kind=ActorKind.SYSTEM, name="系统")
ANONYMOUS = Actor(kind=ActorKind.ANONYMOUS, name="访客")


def region_prefix(code: str) -> str:
    """The 行政区划 prefix that covers a region's subtree: 440000 → 44, 440100 → 4401, 440104 → 440104.
    Codes may be 6 digits or 12 digits (with township/village parts); trailing zero pairs are dropped."""
    code = code.strip()
    six, rest = code[:6], code[6:]
    rest = rest.rstrip("0")
    if rest:
        return six + rest if len(rest) % 3 == 0 else six + rest + "0" * (3 - len(rest) % 3)
    trimmed = six
    while trimmed.endswith("00") and len(trimmed) > 2:
        trimmed = trimmed[:-2]
    return trimmed


def scope_clause(actor: Actor, *, department_col: Any = None, region_col: Any = None,
                 owner_col: Any = None) -> ColumnElement[bool]:
    """The WHERE clause limiting rows to what ``actor`` may see.

    Staff see their department's rows; region-scoped roles see their region subtree. Applicants see
    rows they own (``owner_col`` holds ``actor.label``). The system sees everything; anyone else nothing.
    """
    if actor.kind is ActorKind.SYSTEM:
        return true()
    if actor.is_applicant:
        return owner_col == actor.label if owner_col is not None else false()
    if actor.is_staff:
        clauses: list[ColumnElement[bool]] = []
        if actor.region_scoped and region_col is not None and actor.region_code:
            clauses.append(region_col.startswith(region_prefix(actor.region_code)))
        if department_col is not None and actor.department_id is not None:
            clauses.append(department_col == actor.department_id)
        return or_(*clauses) if clauses else false()
    return false()
