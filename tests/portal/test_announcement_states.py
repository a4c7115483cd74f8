"""Announcement lifecycle: every status × action, table-driven; refused transitions change nothing."""

from __future__ import annotations

import pytest

from tests import factories as f
from yiwang.portal import service as portal
from yiwang.portal.errors import IllegalAnnouncementTransition
from yiwang.portal.states import TRANSITIONS, AnnouncementStatus

ACTIONS = {"publish": portal.publish_announcement, "withdraw": portal.withdraw_announcement}


def _at(session, admin, status: AnnouncementStatus) -> int:  # type: ignore[no-untyped-def]
    row = portal.create_announcement(session, admin, title="通知", body="正文")
    if status is not AnnouncementStatus.DRAFT:
        portal.publish_announcement(session, admin, announcement_id=row.id)
    if status is AnnouncementStatus.WITHDRAWN:
        portal.withdraw_announcement(session, admin, announcement_id=row.id)
    assert row.status == status.value
    return row.id


@pytest.mark.parametrize("status", list(AnnouncementStatus))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition(session, status: AnnouncementStatus, action: str) -> None:  # type: ignore[no-untyped-def]
    admin = f.staff(session, "dadmin", ["admin"], "区政务服务数据管理局")
    number = _at(session, admin, status)
    transition = TRANSITIONS.get((status, action))
    if transition is not None:
        target = AnnouncementStatus(transition.target)
        row = ACTIONS[action](session, admin, announcement_id=number)
        assert row.status == target.value
        assert (row.published_at is not None) if target is AnnouncementStatus.PUBLISHED else row.withdrawn_at
    else:
        with pytest.raises(IllegalAnnouncementTransition):
            ACTIONS[action](session, admin, announcement_id=number)
        assert portal.staff_announcements(session, admin)[0].status == status.value
