"""The work order lifecycle, kinds, channels and default time limits as data (no I/O).

Roles of the machine: ``OPERATOR`` is a hotline operator of the order's region (受理, 派单, 审核, 回访);
``UNIT`` is a liaison of the department the order is dispatched to (签收, 办理, 答复); ``SYSTEM_ONLY`` is not used:
orders never change status on their own, supervision only lights them.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import Transition

OPERATOR = "operator"
UNIT = "unit"


class Kind(enum.StrEnum):
    CONSULT = "consult"
    SUGGESTION = "suggestion"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    PRAISE = "praise"


KIND_LABELS: dict[str, str] = {Kind.CONSULT: "咨询", Kind.SUGGESTION: "建议", Kind.HELP: "求助",
                               Kind.COMPLAINT: "投诉", Kind.REPORT: "举报", Kind.PRAISE: "表扬"}


class Channel(enum.StrEnum):
    PHONE = "phone"  # a 12345 call, registered by an operator
    WEB = "web"  # filed by the caller on the portal
    BOARD = "board"  # the platform's own message board
    FORWARDED = "forwarded"  # forwarded from a national or provincial board (领导留言板, 中国政府网)
    ENTERPRISE = "enterprise"  # an enterprise request (涉企诉求)


CHANNEL_LABELS: dict[str, str] = {Channel.PHONE: "12345 电话", Channel.WEB: "网站", Channel.BOARD: "留言板",
                                  Channel.FORWARDED: "上级转办留言", Channel.ENTERPRISE: "企业诉求"}
# what callers and department systems may send instead of the codes
KIND_ALIASES: dict[str, str] = {**{v: k for k, v in KIND_LABELS.items()}, "咨询类": "consult", "建议类": "suggestion",
                                "求助类": "help", "投诉类": "complaint", "举报类": "report", "表扬类": "praise"}
CHANNEL_ALIASES: dict[str, str] = {"电话": "phone", "12345": "phone", "热线": "phone", "网站": "web", "网上": "web",
                                   "留言板": "board", "留言": "board", "转办": "forwarded", "领导留言板": "forwarded",
                                   "中国政府网": "forwarded", "企业": "enterprise", "涉企诉求": "enterprise",
                                   **{v: k for k, v in CHANNEL_LABELS.items()}}

# Default limits in working days (seed 003 tasks 42, 44–45; 国办发〔2020〕53号): consultations and suggestions one
# working day, complaints two; other orders and forwarded board messages seven, at most fifteen with extensions
# (a forwarded message needs a progress reply before it may run past seven). The centre may change them
# (``hotline_limit``); a channel's limit applies before a kind's.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "kind:consult": (1, 3), "kind:suggestion": (1, 3), "kind:complaint": (2, 7), "kind:help": (7, 15),
    "kind:report": (7, 15), "kind:praise": (1, 3), "channel:forwarded": (7, 15), "channel:board": (7, 15),
}
# node limits (受理 / 审核) in working days after the node begins; 办理 runs to the order's deadline
ACCEPT_DAYS = 1
REVIEW_DAYS = 1
WARN_DAYS = 1


class Status(enum.StrEnum):
    REGISTERED = "registered"  # 受理登记
    DISPATCHED = "dispatched"  # 已派单, waiting for the unit to sign for it
    RETURNED = "returned"  # the unit says it is not theirs: back to the centre for re-dispatch
    IN_PROGRESS = "in_progress"  # 办理中
    ANSWERED = "answered"  # 已答复, waiting for review
    REVIEWED = "reviewed"  # 审核通过, waiting for the callback
    CLOSED = "closed"  # 已办结 (after the callback, or answered by the centre directly)
    VOIDED = "voided"  # 无效工单 (duplicate, nonsense, withdrawn)


class Action(enum.StrEnum):
    DISPATCH = "dispatch"
    RETURN = "return"
    ACCEPT = "accept"
    PROGRESS = "progress"
    EXTEND = "extend"
    ANSWER = "answer"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    CALLBACK = "callback"
    REOPEN = "reopen"
    RESOLVE = "resolve"
    VOID = "void"


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (Status.REGISTERED, Action.DISPATCH): Transition(Status.DISPATCHED.value, OPERATOR),
    (Status.RETURNED, Action.DISPATCH): Transition(Status.DISPATCHED.value, OPERATOR),
    (Status.REGISTERED, Action.RESOLVE): Transition(Status.CLOSED.value, OPERATOR),
    (Status.REGISTERED, Action.VOID): Transition(Status.VOIDED.value, OPERATOR),
    (Status.RETURNED, Action.VOID): Transition(Status.VOIDED.value, OPERATOR),
    (Status.DISPATCHED, Action.RETURN): Transition(Status.RETURNED.value, UNIT),
    (Status.DISPATCHED, Action.ACCEPT): Transition(Status.IN_PROGRESS.value, UNIT),
    (Status.IN_PROGRESS, Action.PROGRESS): Transition(None, UNIT),
    (Status.IN_PROGRESS, Action.EXTEND): Transition(None, UNIT),
    (Status.IN_PROGRESS, Action.ANSWER): Transition(Status.ANSWERED.value, UNIT),
    (Status.ANSWERED, Action.APPROVE): Transition(Status.REVIEWED.value, OPERATOR),
    (Status.ANSWERED, Action.SEND_BACK): Transition(Status.IN_PROGRESS.value, OPERATOR),
    (Status.REVIEWED, Action.CALLBACK): Transition(Status.CLOSED.value, OPERATOR),
    (Status.REVIEWED, Action.REOPEN): Transition(Status.IN_PROGRESS.value, OPERATOR),
}

STATUS_LABELS: dict[str, str] = {
    Status.REGISTERED: "已登记", Status.DISPATCHED: "已派单", Status.RETURNED: "退回待重派",
    Status.IN_PROGRESS: "办理中", Status.ANSWERED: "已答复待审核", Status.REVIEWED: "审核通过待回访",
    Status.CLOSED: "已办结", Status.VOIDED: "无效工单"}
ACTION_LABELS: dict[str, str] = {
    Action.DISPATCH: "派单", Action.RETURN: "退回（非本单位职责）", Action.ACCEPT: "签收", Action.PROGRESS: "回复办理进展",
    Action.EXTEND: "申请延期", Action.ANSWER: "答复", Action.APPROVE: "审核通过", Action.SEND_BACK: "退回重办",
    Action.CALLBACK: "回访办结", Action.REOPEN: "不满意，二次办理", Action.RESOLVE: "直接答复办结",
    Action.VOID: "作废"}
# which actions need a comment (the reason or the text itself)
NEEDS_COMMENT = frozenset({Action.RETURN, Action.PROGRESS, Action.EXTEND, Action.ANSWER, Action.SEND_BACK,
                           Action.REOPEN, Action.RESOLVE, Action.VOID})
OPEN_STATUSES = frozenset({Status.REGISTERED, Status.DISPATCHED, Status.RETURNED, Status.IN_PROGRESS,
                           Status.ANSWERED, Status.REVIEWED})
# the clock runs from dispatch until the unit's answer (the centre's review and callback are its own nodes)
CLOCKED_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})
STEP_LABELS: dict[str, str] = {"accept": "签收", "handle": "办理", "review": "审核"}

SATISFACTION_LABELS: dict[str, str] = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}
SATISFIED = frozenset({"satisfied", "basically"})
