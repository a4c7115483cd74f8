"""The bundle domain's errors (一件事)."""

from __future__ import annotations

from yiwang.core.errors import NotFound


class ApplicationNotFound(NotFound):
    """Someone else's application answers the same as none at all."""

    code = "bundle_application_not_found"
