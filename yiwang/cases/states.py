"""Statuses, actions and the transition table of a case — pure data, no I/O.

Who may take an action is part of the table: an applicant action belongs to the case's owner; a staff
action needs a named permission (and, for review steps, the permission of the current step). Guards
that need the case's data (one-time correction, immediate items, reasons) live in the service.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import APPLICANT as APPLICANT
from yiwang.core.lifecycle import SYSTEM_ONLY, Transition
from yiwang.core.permissions import Perm


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    CORRECTION_REQUESTED = "correction_requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_REVIEW = "in_review"
    SUSPENDED = "suspended"
    CONCLUDED = "concluded"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"  # 撤销: an approval revoked afterwards (告知承诺不实)


class Action(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REQUEST_CORRECTION = "request_correction"
    RESUBMIT = "resubmit"
    REVIEW = "review"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    APPROVE = "approve"
    DENY = "deny"
    DELIVER = "deliver"
    WITHDRAW = "withdraw"
    SUPPLEMENT = "supplement"
    RETURN_PREVIOUS = "return_previous"
    # 并联审批: a branch department's opinion, given through the case's action endpoint
    BRANCH_CONSENT = "branch_consent"
    BRANCH_OBJECT = "branch_object"
    # 转报: the owning department forwards the case to a department of an ancestor region, which decides it
    FORWARD = "forward"
    REVOKE = "revoke"


class Outcome(enum.StrEnum):
    APPROVED = "approved"
    DENIED = "denied"


class Step(enum.StrEnum):
    """Review steps (承办 → 审核 → 审批); an item may configure fewer."""

    HANDLE = "handle"
    CHECK = "check"
    APPROVE = "approve"


DEFAULT_STEPS: tuple[Step, ...] = (Step.HANDLE, Step.CHECK, Step.APPROVE)
STEP_PERMISSION = {Step.HANDLE: Perm.CASE_HANDLE, Step.CHECK: Perm.CASE_CHECK, Step.APPROVE: Perm.CASE_APPROVE}

# A transition names its target (None: stays, as an extension does, or the effect chooses it, as resume and
# return do) and who may take it: a permission, or APPLICANT (the case's owner, or the proxy who filed it).
Rule = Transition


OPEN = (Status.SUBMITTED, Status.CORRECTION_REQUESTED, Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED)
UNDER_REVIEW = (Status.ACCEPTED, Status.IN_REVIEW)

TRANSITIONS: dict[tuple[Status, Action], Rule] = {
    (Status.SUBMITTED, Action.ACCEPT): Rule(Status.ACCEPTED, Perm.CASE_ACCEPT),
    (Status.SUBMITTED, Action.REJECT): Rule(Status.REJECTED, Perm.CASE_ACCEPT),
    (Status.SUBMITTED, Action.REQUEST_CORRECTION): Rule(Status.CORRECTION_REQUESTED, Perm.CASE_ACCEPT),
    # 即办件: accepted and approved in one window action (guarded: immediate items only)
    (Status.SUBMITTED, Action.APPROVE): Rule(Status.CONCLUDED, Perm.CASE_ACCEPT),
    (Status.SUBMITTED, Action.DENY): Rule(Status.CONCLUDED, Perm.CASE_ACCEPT),
    (Status.CORRECTION_REQUESTED, Action.RESUBMIT): Rule(Status.SUBMITTED, APPLICANT),
    (Status.ACCEPTED, Action.REVIEW): Rule(Status.IN_REVIEW, Perm.CASE_HANDLE),
    (Status.IN_REVIEW, Action.REVIEW): Rule(Status.IN_REVIEW, Perm.CASE_CHECK),
    (Status.ACCEPTED, Action.SUSPEND): Rule(Status.SUSPENDED, Perm.CASE_HANDLE),
    (Status.IN_REVIEW, Action.SUSPEND): Rule(Status.SUSPENDED, Perm.CASE_HANDLE),
    (Status.SUSPENDED, Action.RESUME): Rule(None, Perm.CASE_HANDLE),
    (Status.ACCEPTED, Action.EXTEND): Rule(None, Perm.CASE_APPROVE),
    (Status.IN_REVIEW, Action.EXTEND): Rule(None, Perm.CASE_APPROVE),
    # the decision belongs to the last review step (approve), wherever the configured steps end
    (Status.ACCEPTED, Action.APPROVE): Rule(Status.CONCLUDED, Perm.CASE_APPROVE),
    (Status.ACCEPTED, Action.DENY): Rule(Status.CONCLUDED, Perm.CASE_APPROVE),
    (Status.IN_REVIEW, Action.APPROVE): Rule(Status.CONCLUDED, Perm.CASE_APPROVE),
    (Status.IN_REVIEW, Action.DENY): Rule(Status.CONCLUDED, Perm.CASE_APPROVE),
    (Status.CONCLUDED, Action.DELIVER): Rule(Status.DELIVERED, Perm.CASE_DELIVER),
    # 退回: the checker or approver sends the case back to the previous review step, with a reason; back at
    # the first step the case is "accepted" again (the current step's permission is checked, like review)
    (Status.IN_REVIEW, Action.RETURN_PREVIOUS): Rule(None, Perm.CASE_CHECK),
}
# 并联审批: when a branch department objects, the lead may send the application back for correction (the
# service guards it: only after an objection)
for _status in (Status.ACCEPTED, Status.IN_REVIEW):
    TRANSITIONS[(_status, Action.REQUEST_CORRECTION)] = Rule(Status.CORRECTION_REQUESTED, Perm.CASE_HANDLE)
for _status in (Status.SUBMITTED, Status.CORRECTION_REQUESTED, Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED):
    TRANSITIONS[(_status, Action.WITHDRAW)] = Rule(Status.WITHDRAWN, APPLICANT)
# 容缺后补: a material the office accepted the case without arrives later; the status stays
for _status in (Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED):
    TRANSITIONS[(_status, Action.SUPPLEMENT)] = Rule(None, APPLICANT)
# 撤销: an approval found to rest on a false pledge is revoked. Never an action someone takes on the case itself:
# the system takes it as the consequence of the finding the deciding department's approver records on the
# post-check task (the pledges domain), so no decision is revoked without the finding, the licence revocation and
# the credit record that go with it (the finding names who recorded it in the timeline's data)
for _status in (Status.CONCLUDED, Status.DELIVERED):
    TRANSITIONS[(_status, Action.REVOKE)] = Rule(Status.REVOKED, SYSTEM_ONLY)


# 转报 is a case action with a target department, taken through its own endpoint (cases.forwarding) rather than the
# action endpoint, so it has a table of its own on the same case machine: the upper department receives the case
# at its first review step (its own 承办 → 审核 → 审批)
FORWARD_TRANSITIONS: dict[tuple[Status, Action], Rule] = {
    (_status, Action.FORWARD): Rule(Status.ACCEPTED, Perm.CASE_HANDLE) for _status in UNDER_REVIEW}


def rule_for(status: Status, action: Action) -> Rule | None:
    return TRANSITIONS.get((status, action))


def actions_from(status: Status) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == status]


STATUS_LABELS = {
    Status.SUBMITTED: "已提交，待受理", Status.CORRECTION_REQUESTED: "待补正材料", Status.ACCEPTED: "已受理",
    Status.REJECTED: "不予受理", Status.IN_REVIEW: "审查中", Status.SUSPENDED: "特别程序中（暂停计时）",
    Status.CONCLUDED: "已办结", Status.DELIVERED: "已送达", Status.WITHDRAWN: "已撤回",
    Status.REVOKED: "已撤销（承诺不实）",
}
ACTION_LABELS = {
    Action.ACCEPT: "受理", Action.REJECT: "不予受理", Action.REQUEST_CORRECTION: "一次性告知补正",
    Action.RESUBMIT: "补正后重新提交", Action.REVIEW: "审查通过，转下一环节", Action.SUSPEND: "启动特别程序",
    Action.RESUME: "结束特别程序", Action.EXTEND: "延长办理期限", Action.APPROVE: "准予许可",
    Action.DENY: "不予许可", Action.DELIVER: "送达", Action.WITHDRAW: "撤回申请", Action.SUPPLEMENT: "补交容缺材料",
    Action.RETURN_PREVIOUS: "退回上一环节", Action.BRANCH_CONSENT: "出具同意意见（并联审批）",
    Action.BRANCH_OBJECT: "出具不同意意见（并联审批）", Action.FORWARD: "转报上级部门",
    Action.BRANCH_OBJECT: "出具不同意意见（并联审批）", Action.REVOKE: "撤销准予许可决定（告知承诺不实）",
}
OUTCOME_LABELS = {Outcome.APPROVED: "准予", Outcome.DENIED: "不予"}
STEP_LABELS = {Step.HANDLE: "承办", Step.CHECK: "审核", Step.APPROVE: "审批"}
SUSPENSION_KINDS = {
    "hearing": "听证", "tender": "招标", "auction": "拍卖", "inspection": "检验", "testing": "检测",
    "quarantine": "检疫", "appraisal": "鉴定", "expert_review": "专家评审",
}


# --- 并联审批: a branch of a joint case ------------------------------------------------------------------

class BranchStatus(enum.StrEnum):
    PENDING = "pending"
    CONSENTED = "consented"
    OBJECTED = "objected"
    DEEMED_CONSENT = "deemed_consent"  # 超时默认同意
    ESCALATED = "escalated"  # past the limit, raised to supervision; the branch still owes its opinion


class BranchAction(enum.StrEnum):
    CONSENT = "branch_consent"
    OBJECT = "branch_object"
    DEEM_CONSENT = "deem_consent"  # the supervision tick, past the limit, when the item says silence consents
    ESCALATE = "escalate"  # the supervision tick, past the limit, otherwise
    REOPEN = "reopen"  # the applicant corrected after an objection and the lead accepted again


BRANCH_OPEN = (BranchStatus.PENDING, BranchStatus.ESCALATED)
BRANCH_AGREED = (BranchStatus.CONSENTED, BranchStatus.DEEMED_CONSENT)
BRANCH_STATUS_LABELS = {
    BranchStatus.PENDING: "待出具意见", BranchStatus.CONSENTED: "同意", BranchStatus.OBJECTED: "不同意",
    BranchStatus.DEEMED_CONSENT: "超时默认同意", BranchStatus.ESCALATED: "超时，已提交监察",
}
BRANCH_ACTION_LABELS = {
    BranchAction.CONSENT: "并联部门同意", BranchAction.OBJECT: "并联部门不同意",
    BranchAction.DEEM_CONSENT: "超时默认同意", BranchAction.ESCALATE: "并联部门超时，提交监察",
    BranchAction.REOPEN: "补正后重新征求意见",
}

BRANCH_OFFICER = "branch_officer"  # staff of the branch's department who handle or approve cases

BRANCH_TRANSITIONS: dict[tuple[BranchStatus, BranchAction], Transition] = {
    (BranchStatus.PENDING, BranchAction.CONSENT): Transition(BranchStatus.CONSENTED, BRANCH_OFFICER),
    (BranchStatus.PENDING, BranchAction.OBJECT): Transition(BranchStatus.OBJECTED, BRANCH_OFFICER),
    # escalated: still owes its opinion, now late (consent-on-timeout branches never get here)
    (BranchStatus.ESCALATED, BranchAction.CONSENT): Transition(BranchStatus.CONSENTED, BRANCH_OFFICER),
    (BranchStatus.ESCALATED, BranchAction.OBJECT): Transition(BranchStatus.OBJECTED, BRANCH_OFFICER),
    (BranchStatus.PENDING, BranchAction.DEEM_CONSENT): Transition(BranchStatus.DEEMED_CONSENT, SYSTEM_ONLY),
    (BranchStatus.PENDING, BranchAction.ESCALATE): Transition(BranchStatus.ESCALATED, SYSTEM_ONLY),
    # taken inside the lead's acceptance after a correction (not by a person directly)
    (BranchStatus.OBJECTED, BranchAction.REOPEN): Transition(BranchStatus.PENDING, SYSTEM_ONLY),
}


# --- 通办: paper originals sent from the receiving window to the deciding office ------------------------------

class PaperStatus(enum.StrEnum):
    SENT = "sent"
    RECEIVED = "received"


class PaperAction(enum.StrEnum):
    RECEIVE = "receive"


PAPER_STATUS_LABELS = {PaperStatus.SENT: "已寄出，待签收", PaperStatus.RECEIVED: "已签收"}
PAPER_ACTION_LABELS = {PaperAction.RECEIVE: "签收纸质材料"}
PAPER_RECEIVER = "paper_receiver"  # staff of the deciding department, or region-scoped staff covering the case

PAPER_TRANSITIONS: dict[tuple[PaperStatus, PaperAction], Transition] = {
    (PaperStatus.SENT, PaperAction.RECEIVE): Transition(PaperStatus.RECEIVED, PAPER_RECEIVER),
}
