"""Errors of the notify domain."""

from __future__ import annotations

from yiwang.core.errors import NotFound


class MessageNotFound(NotFound):
    code = "message_not_found"
