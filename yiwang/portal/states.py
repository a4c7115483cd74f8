"""Announcement statuses and the allowed transitions (pure data)."""

from __future__ import annotations

import enum


class AnnouncementStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


STATUS_NAMES = {AnnouncementStatus.DRAFT: "草稿", AnnouncementStatus.PUBLISHED: "已发布",
                AnnouncementStatus.WITHDRAWN: "已撤回"}

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[AnnouncementStatus], AnnouncementStatus]] = {
    "publish": (frozenset({AnnouncementStatus.DRAFT, AnnouncementStatus.WITHDRAWN}), AnnouncementStatus.PUBLISHED),
    "withdraw": (frozenset({AnnouncementStatus.PUBLISHED}), AnnouncementStatus.WITHDRAWN),
}
