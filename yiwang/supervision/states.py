"""A supervision order's statuses, actions and transition table — data, no I/O.

Issued → replied (the ordered department's reply) → closed (the supervisor). Replying again while replied
amends the reply: a transition replied → replied. A closed order is final.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import Transition
from yiwang.core.permissions import Perm


class OrderStatus(enum.StrEnum):
    ISSUED = "issued"
    REPLIED = "replied"
    CLOSED = "closed"


ORDER_STATUS_LABELS: dict[str, str] = {OrderStatus.ISSUED: "待答复", OrderStatus.REPLIED: "已答复",
                                       OrderStatus.CLOSED: "已办结"}


class OrderAction(enum.StrEnum):
    REPLY = "reply"  # the ordered department reports what it did (again: amends the reply)
    CLOSE = "close"  # the supervisor closes the order after the reply


ORDER_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (OrderStatus.ISSUED, OrderAction.REPLY): Transition(OrderStatus.REPLIED.value, Perm.SUPERVISION_REPLY),
    (OrderStatus.REPLIED, OrderAction.REPLY): Transition(OrderStatus.REPLIED.value, Perm.SUPERVISION_REPLY),
    (OrderStatus.REPLIED, OrderAction.CLOSE): Transition(OrderStatus.CLOSED.value, Perm.SUPERVISION_ORDER),
}
