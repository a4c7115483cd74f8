"""Supervision's domain errors (mapped to HTTP in api/errors.py through their base classes)."""

from __future__ import annotations

from yiwang.core.errors import Conflict, NotFound


class AlertNotFound(NotFound):
    """No such alert within the caller's scope (outside it, the same answer: nothing can be probed)."""


class OrderNotFound(NotFound):
    """No such supervision order within the caller's scope."""


class LightNotClosable(Conflict):
    """Lights end with the case's handling; only cards (findings) are closed by hand."""

    code = "light_not_closable"
