"""Levels, reasons, channels and the lifecycles of a rectification and an appeal — data, no I/O.

Levels follow GB/T 39046 A.8 (1 非常满意 … 5 非常不满意); 4 and 5 are bad reviews (差评) and need at least one
reason from ``BAD_REASONS``. Outside systems that count the other way round (5 = best) must be mapped
explicitly with ``from_five_is_best``.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import APPLICANT, Transition
from yiwang.core.permissions import Perm


class Level(enum.IntEnum):
    VERY_SATISFIED = 1
    SATISFIED = 2
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 4
    VERY_DISSATISFIED = 5


LEVEL_LABELS: dict[int, str] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASICALLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
SATISFIED_LEVELS = frozenset({1, 2, 3})
BAD_LEVELS = frozenset({4, 5})


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


def from_five_is_best(score: int) -> int:
    """A 1–5 score from a system where 5 is best, as a GB/T 39046 level (1 is best)."""
    return 6 - score


# Reasons a bad review must give (in the spirit of the national 好差评 差评原因 list). Codes are stored; labels shown.
BAD_REASONS: dict[str, str] = {
    "attitude": "服务态度差",
    "slow": "办理超时或拖延",
    "repeat_visits": "多次跑腿",
    "extra_materials": "要求额外材料",
    "unclear_guide": "办事指南不清楚",
    "system": "系统操作不便",
    "result": "对办理结果不满意",
    "fees": "乱收费",
    "other": "其他",
}
REASON_NEEDS_COMMENT = frozenset({"other"})  # "其他" says nothing by itself: the comment must explain it


class Channel(enum.StrEnum):
    PC = "pc"
    MOBILE = "mobile"
    QR = "qr"
    TERMINAL = "terminal"
    SMS = "sms"
    PHONE = "phone"


CHANNEL_LABELS: dict[str, str] = {
    Channel.PC: "电脑端",
    Channel.MOBILE: "移动端",
    Channel.QR: "二维码",
    Channel.TERMINAL: "大厅评价终端",
    Channel.SMS: "短信",
    Channel.PHONE: "电话",
}

# A case may be rated once it has ended for the applicant (办结, 送达, or 不予受理).
RATEABLE_CASE_STATUSES = frozenset({"concluded", "delivered", "rejected"})


class RectStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the department's callback and reply
    REPLIED = "replied"  # the department answered; the applicant may re-rate
    CLOSED = "closed"  # settled: re-rated 1–3, superseded by a new bad rating, or the appeal was upheld


RECT_STATUS_LABELS: dict[str, str] = {RectStatus.OPEN: "待整改", RectStatus.REPLIED: "已答复",
                                      RectStatus.CLOSED: "已办结"}


class RectAction(enum.StrEnum):
    REPLY = "reply"  # the department reports what it fixed or explained
    SETTLE = "settle"  # the applicant re-rated 1–3 after the reply
    SUPERSEDE = "supersede"  # the applicant re-rated 4–5 after the reply: a new task replaces this one
    EXCLUDE = "exclude"  # a supervisor upheld the department's appeal


# who takes each action: the handling department's rectifiers reply; the applicant's re-rating settles or
# supersedes; a supervisor's upheld appeal excludes
RECT_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (RectStatus.OPEN, RectAction.REPLY): Transition(RectStatus.REPLIED.value, Perm.EVALUATION_RECTIFY),
    (RectStatus.REPLIED, RectAction.SETTLE): Transition(RectStatus.CLOSED.value, APPLICANT),
    (RectStatus.REPLIED, RectAction.SUPERSEDE): Transition(RectStatus.CLOSED.value, APPLICANT),
    (RectStatus.OPEN, RectAction.EXCLUDE): Transition(RectStatus.CLOSED.value, Perm.EVALUATION_APPEAL),
    (RectStatus.REPLIED, RectAction.EXCLUDE): Transition(RectStatus.CLOSED.value, Perm.EVALUATION_APPEAL),
}


def rect_target(status: str, action: RectAction) -> RectStatus | None:
    """The status ``action`` leads to from ``status``, or None when it is not allowed."""
    rule = RECT_TRANSITIONS.get((status, action))
    return RectStatus(rule.target) if rule is not None and rule.target is not None else None


class AppealStatus(enum.StrEnum):
    REQUESTED = "requested"
    UPHELD = "upheld"
    REJECTED = "rejected"


APPEAL_STATUS_LABELS: dict[str, str] = {AppealStatus.REQUESTED: "申诉审核中", AppealStatus.UPHELD: "申诉成立",
                                        AppealStatus.REJECTED: "申诉不成立"}
