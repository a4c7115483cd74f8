"""A licence's statuses, the actions that change them and the transition table — data, no I/O.

Only the issuing department's staff holding LICENSE_REVOKE change a licence's status, always with a reason.
"Revoked" is final. "Expired" is never stored: it follows from the validity dates.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import Transition
from yiwang.core.permissions import Perm


class LicenseStatus(enum.StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


EXPIRED = "expired"  # shown, never stored
STATUS_LABELS: dict[str, str] = {LicenseStatus.VALID: "有效", LicenseStatus.SUSPENDED: "已暂扣",
                                 LicenseStatus.REVOKED: "已注销", EXPIRED: "已过期"}
FINAL = frozenset({LicenseStatus.REVOKED})


class LicenseAction(enum.StrEnum):
    SUSPEND = "suspend"  # 暂扣
    REVOKE = "revoke"  # 注销
    REINSTATE = "reinstate"  # 恢复


ACTION_WORDS: dict[str, str] = {LicenseAction.SUSPEND: "暂扣", LicenseAction.REVOKE: "注销",
                                LicenseAction.REINSTATE: "恢复"}

_BY_ISSUER = Perm.LICENSE_REVOKE  # and of the issuing department (the machine's ``holds`` checks that)

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (LicenseStatus.VALID, LicenseAction.SUSPEND): Transition(LicenseStatus.SUSPENDED.value, _BY_ISSUER),
    (LicenseStatus.VALID, LicenseAction.REVOKE): Transition(LicenseStatus.REVOKED.value, _BY_ISSUER),
    (LicenseStatus.SUSPENDED, LicenseAction.REVOKE): Transition(LicenseStatus.REVOKED.value, _BY_ISSUER),
    (LicenseStatus.SUSPENDED, LicenseAction.REINSTATE): Transition(LicenseStatus.VALID.value, _BY_ISSUER),
}
