"""Announcement statuses, actions and the transition table (pure data)."""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import Transition
from yiwang.core.permissions import Perm


class AnnouncementStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


STATUS_NAMES = {AnnouncementStatus.DRAFT: "草稿", AnnouncementStatus.PUBLISHED: "已发布",
                AnnouncementStatus.WITHDRAWN: "已撤回"}



class AnnouncementAction(enum.StrEnum):
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


# (status, action) → transition, run by the core lifecycle engine (portal.service)
TRANSITIONS: dict[tuple[AnnouncementStatus, AnnouncementAction], Transition] = {
    (AnnouncementStatus.DRAFT, AnnouncementAction.PUBLISH): Transition(AnnouncementStatus.PUBLISHED,
                                                                      Perm.PORTAL_ANNOUNCE),
    (AnnouncementStatus.WITHDRAWN, AnnouncementAction.PUBLISH): Transition(AnnouncementStatus.PUBLISHED,
                                                                          Perm.PORTAL_ANNOUNCE),
    (AnnouncementStatus.PUBLISHED, AnnouncementAction.WITHDRAW): Transition(AnnouncementStatus.WITHDRAWN,
                                                                           Perm.PORTAL_ANNOUNCE),
}
