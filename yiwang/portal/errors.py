from __future__ import annotations

from yiwang.core.errors import NotFound
from yiwang.core.lifecycle import IllegalTransition


class AnnouncementNotFound(NotFound):
    code = "announcement_not_found"


class ThemeNotFound(NotFound):
    code = "theme_not_found"


# the lifecycle engine's refusal (409 illegal_transition), under the name the portal's callers know
IllegalAnnouncementTransition = IllegalTransition
