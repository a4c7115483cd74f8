"""The demo's hotline: the district's units, an operator and liaisons, answers in the knowledge base (some past
their review date) and weeks of work orders in every state. Seeding again makes nothing twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from yiwang import demo, demo_hotline
from yiwang.core import clock
from yiwang.core.permissions import SYSTEM
from yiwang.hotline import board, knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.models import HotlineTicket
from yiwang.identity import service as identity

NOON = dt.datetime(2026, 3, 20, 4, 0, tzinfo=dt.UTC)  # a Friday, 12:00 in Guangzhou


def test_demo_hotline(session) -> None:  # type: ignore[no-untyped-def]
    depts = demo.seed_departments(session)
    for _, login, name, idx, roles in demo.STAFF:
        identity.add_staff(session, SYSTEM, login=login, password=demo.DEMO_PASSWORD, name=name,
                           department_id=depts[idx].id, roles=roles)
    identity.register_person(session, name=demo.PERSON[0], id_number=demo.PERSON[1], phone=demo.PERSON[2],
                             password=demo.DEMO_PASSWORD)
    session.commit()
    with clock.frozen(NOON):
        accounts = demo.seed_hotline(session)
        session.commit()
        assert {a[1] for a in accounts} == {"operator", "police"}
        demo.seed_hotline(session)  # again: nothing twice
        session.commit()
        total = len(demo_hotline.ORDERS) + len(demo_hotline.BOARD)
        assert session.scalar(select(func.count()).select_from(HotlineTicket)) == total
        public = board.public_page(session)
        assert public.total == 2  # one post still waits for moderation
        exposed = board.public_page(session, exposure=True)
        assert exposed.total == 1 and "张三" not in exposed.rows[0].post.public_content
        assert "13800138000" not in exposed.rows[0].post.public_content
        statuses = dict(session.execute(select(HotlineTicket.status, func.count()).group_by(HotlineTicket.status))
                        .all())
        assert statuses["closed"] == 4 and statuses["in_progress"] >= 3 and statuses["reviewed"] == 2
        fumes = session.scalars(select(HotlineTicket).where(HotlineTicket.content.like("%烧烤店%"))).one()
        assert hotline.view(session, SYSTEM, fumes).department == "广州市生态环境局越秀分局"
        red = hotline.list_tickets(session, SYSTEM, light="red")
        assert red.total >= 1
        figures = knowledge.figures(session, SYSTEM)
        assert figures["total"] == len(demo_hotline.KNOWLEDGE) and figures["stale"] == 2
