"""The demo's halls: a window of every type at the county centre with its staff, a township centre and a village
station, tablets whose addresses work, and — seeded on a working-day noon — a morning queue that was called,
served and rated, one rating bad enough to open a rectification. Seeding again makes nothing twice."""

from __future__ import annotations

import datetime as dt

from yiwang import demo, demo_hall
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ItemIn
from yiwang.core import clock
from yiwang.core.permissions import SYSTEM
from yiwang.evaluation import service as evaluation
from yiwang.hall import service as hall
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity

NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)  # Monday 12:00 in Guangzhou


def test_demo_halls_and_a_morning_queue(session) -> None:  # type: ignore[no-untyped-def]
    depts = demo.seed_departments(session)
    for record in demo.local_items(depts):
        catalog.import_record(session, SYSTEM, ItemIn.model_validate(record), publish=True)
    for _, login, name, idx, roles in demo.STAFF:
        identity.add_staff(session, SYSTEM, login=login, password=demo.DEMO_PASSWORD, name=name,
                           department_id=depts[idx].id, roles=roles)
    session.commit()
    with clock.frozen(NOON):
        demo.seed_hall(session, depts)
        session.commit()
        demo.seed_hall(session, depts)  # again: nothing twice
        session.commit()
        halls = {h.code: h for h in hall.public_halls(session)}
        assert set(halls) == {demo_hall.COUNTY_HALL, demo_hall.TOWNSHIP_HALL, demo_hall.VILLAGE_HALL}
        county = halls[demo_hall.COUNTY_HALL]
        assert {w["type"] for w in county.windows} == {"综合", "投资项目", "专项", "一件事", "帮办代办"}
        assert all(w["staff"] and w["tablet"] for w in county.windows)
        assert halls[demo_hall.VILLAGE_HALL].level == "村（社区）便民服务站"
        assert hall.daily_ticket_count(session, demo_hall.COUNTY_HALL, clock.today()) == len(demo_hall.MORNING)
        # nothing left waiting: a first call in the demo gets the caller's own ticket
        board = hall.board(session, demo_hall.COUNTY_HALL)
        assert all(q.waiting == 0 for q in board.queues)
        window, waiting = hall.tablet_visit(session, "YX-A01", demo_hall.tablet_key("YX-A01"))
        assert window.code == "YX-A01" and waiting is None  # the last visit there was rated
    manager = identity.actor_for_staff(session, identity_repo.staff_by_login(session, "hall_manager"))
    total, tasks = evaluation.list_rectifications(session, manager, limit=10, offset=0)
    assert total == 1 and tasks[0].case_no.startswith("V")  # the bad window rating, for the centre to rectify
