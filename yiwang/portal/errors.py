from __future__ import annotations

from yiwang.core.errors import Conflict, NotFound


class AnnouncementNotFound(NotFound):
    code = "announcement_not_found"


class ThemeNotFound(NotFound):
    code = "theme_not_found"


class IllegalAnnouncementTransition(Conflict):
    code = "illegal_transition"
