"""A post-check task's statuses, actions and transition table — data, no I/O.

Who records a result is a role of the machine: ``CHECKER`` is staff of the case's (deciding) department who
handle or approve cases — enough to find a pledge true; ``DECIDER`` is that department's approvers, because a
false pledge revokes the decision and the licence, which only the deciding level (who also hold the licence
revocation permission) may do.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import Transition


class CheckStatus(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"  # the pledge was false


class CheckAction(enum.StrEnum):
    CONFIRM = "passed"  # the pledge was true
    FALSE_PLEDGE = "false_pledge"


RESULTS = {CheckAction.CONFIRM.value, CheckAction.FALSE_PLEDGE.value}
CHECKER = "pledge_checker"
DECIDER = "pledge_decider"

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (CheckStatus.PENDING, CheckAction.CONFIRM): Transition(CheckStatus.PASSED.value, CHECKER),
    (CheckStatus.PENDING, CheckAction.FALSE_PLEDGE): Transition(CheckStatus.FAILED.value, DECIDER),
}

STATUS_LABELS: dict[str, str] = {CheckStatus.PENDING: "待核查", CheckStatus.PASSED: "核查通过",
                                 CheckStatus.FAILED: "承诺不实"}
# what the public page says of a check (公示): the decision stands, or it was revoked
PUBLIC_LABELS: dict[str, str] = {CheckStatus.PENDING: "待核查", CheckStatus.PASSED: "核查属实",
                                 CheckStatus.FAILED: "承诺不实，已撤销许可"}
ACTION_LABELS: dict[str, str] = {CheckAction.CONFIRM: "核查属实", CheckAction.FALSE_PLEDGE: "承诺不实"}
REVOKE_REASON = "告知承诺不实"
