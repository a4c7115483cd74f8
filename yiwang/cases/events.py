"""Events the case domain publishes: topic constants and their typed payloads.

Every case action publishes ``case.<action>`` with a :class:`CaseChanged` payload; an approval also carries
the :class:`LicenceBasis` of the licence it earns, so the licence domain issues it from the event alone (cases
do not call the licence service to issue). The branch actions of a joint case (并联审批) publish
``case.branch_*`` with a :class:`BranchChanged` payload. Other domains may import this module (it depends on
nothing but core) to listen.
"""

from __future__ import annotations

from pydantic import BaseModel

from yiwang.core.lifecycle import Event

CASE_SUBMITTED = "case.submitted"
CASE_ACCEPTED = "case.accept"
CASE_REJECTED = "case.reject"
CASE_CORRECTION_REQUESTED = "case.request_correction"
CASE_RESUBMITTED = "case.resubmit"
CASE_REVIEWED = "case.review"
CASE_SUSPENDED = "case.suspend"
CASE_RESUMED = "case.resume"
CASE_EXTENDED = "case.extend"
CASE_APPROVED = "case.approve"
CASE_DENIED = "case.deny"
CASE_DELIVERED = "case.deliver"
CASE_WITHDRAWN = "case.withdraw"
CASE_SUPPLEMENTED = "case.supplement"
CASE_RETURNED = "case.return_previous"
CASE_FORWARDED = "case.forward"  # 转报: the case now belongs to an upper department
CASE_REVOKED = "case.revoke"
CASE_REPEATED_CORRECTION = "case.repeated_correction"
CASE_SUPPLEMENT_REMINDER = "case.supplement_reminder"
# the licence basis of an approval published before approvals carried it (events queued across an upgrade)
CASE_LICENCE_BASIS = "case.licence_basis"

BRANCH_CONSENTED = "case.branch_consent"
BRANCH_OBJECTED = "case.branch_object"
BRANCH_DEEMED_CONSENT = "case.branch_deem_consent"
BRANCH_ESCALATED = "case.branch_escalate"
BRANCH_REOPENED = "case.branch_reopen"

# the topic of each case action (the engine looks the action up here)
ACTION_TOPICS: dict[str, str] = {
    "accept": CASE_ACCEPTED, "reject": CASE_REJECTED, "request_correction": CASE_CORRECTION_REQUESTED,
    "resubmit": CASE_RESUBMITTED, "review": CASE_REVIEWED, "suspend": CASE_SUSPENDED, "resume": CASE_RESUMED,
    "extend": CASE_EXTENDED, "approve": CASE_APPROVED, "deny": CASE_DENIED, "deliver": CASE_DELIVERED,
    "withdraw": CASE_WITHDRAWN, "supplement": CASE_SUPPLEMENTED, "return_previous": CASE_RETURNED,
    "forward": CASE_FORWARDED,
    "revoke": CASE_REVOKED,
}
BRANCH_TOPICS: dict[str, str] = {
    "branch_consent": BRANCH_CONSENTED, "branch_object": BRANCH_OBJECTED, "deem_consent": BRANCH_DEEMED_CONSENT,
    "escalate": BRANCH_ESCALATED, "reopen": BRANCH_REOPENED,
}


class LicenceBasis(BaseModel):
    """What the licence an approval earns states and whose it is, fixed when the decision is taken."""

    type_ref: str
    department_id: int
    holder: str
    holder_kind: str
    holder_name: str
    holder_code: str
    case_no: str
    fields: list[list[str]]  # [[label, value], …] in print order
    # False: decided outside the owning department on an item it never let a window decide (no licence in its name)
    may_issue: bool = True


class BranchRequested(BaseModel):
    """A branch an acceptance forked (or asked again after a correction): its department owes an opinion."""

    department_id: int
    deadline: str | None


class CaseChanged(Event):
    case_no: str
    status: str
    outcome: str | None
    applicant: str
    department_id: int
    item_code: str
    item_name: str
    region_code: str
    # 容缺后补: what the applicant still owes and by when (only while something is owed)
    deferred: list[str] | None = None
    supplement_due: str | None = None
    license: LicenceBasis | None = None  # on an approval whose item issues a licence
    branches: list[BranchRequested] | None = None  # on the acceptance of a joint case (并联审批)
    bundle_application_id: int | None = None  # 一件事: the application the case was filed under


class RepeatedCorrection(BaseModel):
    case_no: str
    notice: int


class BranchChanged(Event):
    """A branch of a joint case changed: its department, its status now, and the lead's case."""

    case_no: str
    department_id: int  # the branch department (whose supervisors hear of a timeout)
    lead_department_id: int
    region_code: str
    item_name: str
    status: str
    deadline: str | None
    opinion: str | None = None
