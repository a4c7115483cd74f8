"""Supervision lights 12345 work orders on their clocks: yellow near the deadline, red past it, a node light when
the unit does not sign for an order in time; each clears itself once the condition ends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hotline import factories as hf
from yiwang.core import clock
from yiwang.core.permissions import SYSTEM
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import ActionIn, TicketIn
from yiwang.supervision import service as supervision
from yiwang.supervision.models import Alert


def _open(session: Session, no: str) -> set[str]:
    return set(session.scalars(select(Alert.rule).where(Alert.case_no == no, Alert.status == "open",
                                                        Alert.subject == "hotline")))


def test_lights_follow_the_clock(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = hotline.create_ticket(session, w.operator, TicketIn(
            channel="phone", kind="complaint", content="楼下餐馆油烟很大，熏得家里都是味道", contact_phone="13800138000"))
        session.commit()
    assert t.deadline == dt.date(2026, 3, 4) and t.department_id == w.depts["生态环境"]
    supervision.tick(session, SYSTEM, as_of=dt.date(2026, 3, 2), full=True)
    session.commit()
    assert _open(session, t.ticket_no) == set()
    supervision.tick(session, SYSTEM, as_of=dt.date(2026, 3, 4), full=True)  # due today, not signed for
    session.commit()
    assert _open(session, t.ticket_no) == {"hotline_approaching", "hotline_step_overdue"}
    alert = session.scalars(select(Alert).where(Alert.case_no == t.ticket_no,
                                                Alert.rule == "hotline_approaching")).one()
    assert alert.department_id == w.depts["生态环境"] and alert.level == "yellow"
    with clock.frozen(hf.MONDAY + dt.timedelta(days=2)):
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
        session.commit()
    supervision.tick(session, SYSTEM, as_of=dt.date(2026, 3, 5), full=True)  # past due, signed for
    session.commit()
    assert _open(session, t.ticket_no) == {"hotline_overdue"}
    with clock.frozen(hf.MONDAY + dt.timedelta(days=3)):
        done = hotline.act(session, w.eco, t.ticket_no, ActionIn(action="answer", comment="已责令整改"))
        session.commit()
    assert done.on_time is False
    supervision.tick(session, SYSTEM, as_of=dt.date(2026, 3, 5), full=True)
    session.commit()
    assert _open(session, t.ticket_no) == set()
