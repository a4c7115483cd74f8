"""What a review of the hotline found, each pinned: internal answers stay internal, lights follow the unit, the
unit's clock starts at dispatch, a late answer stays late, weak routing waits for an operator, readers do not see
callers' phones, several districts share one platform, search words are literal."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hotline import factories as hf
from yiwang.core import clock
from yiwang.core.errors import DomainError
from yiwang.core.permissions import SYSTEM
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import ActionIn, KnowledgeIn, TicketIn
from yiwang.org import service as org
from yiwang.supervision import service as supervision
from yiwang.supervision.models import Alert


def _fumes(session: Session, actor, **over):  # type: ignore[no-untyped-def]
    body = {"channel": "phone", "kind": "complaint", "content": "楼下烧烤店每天晚上油烟很大，熏得家里都是味道",
            "contact_phone": "13800138000", **over}
    return hotline.create_ticket(session, actor, TicketIn(**body))


def test_internal_answers_stay_internal(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    knowledge.save(session, SYSTEM, KnowledgeIn(title="内部口径：油烟投诉暂缓处理名单", topic="油烟", public=False,
                                                answer="内部掌握，暂缓处理以下商户的油烟投诉。", keywords="油烟 烧烤",
                                                department_id=w.depts["生态环境"]))
    clerk = f.staff(session, "clerk_lw2", ["window_clerk"], "荔湾窗口", "440103")
    session.commit()
    r = client.post("/api/v1/hotline/routing/dry-run", json={"content": "楼下烧烤店油烟太大"})
    assert "内部口径" not in r.text
    from tests.hostile import login_token

    outsider = {"Authorization": f"Bearer {login_token(session, clerk)}"}
    session.commit()
    eco = f.api_login(client, "eco")
    assert client.get("/api/v1/hotline/knowledge", params={"q": "油烟"}, headers=outsider).json()["total"] == 0
    assert client.get("/api/v1/hotline/knowledge", params={"q": "油烟"}).json()["total"] == 0
    assert client.get("/api/v1/hotline/knowledge", params={"q": "油烟"}, headers=eco).json()["total"] == 1


def test_the_units_clock_starts_at_dispatch_and_lights_follow_the_unit(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = _fumes(session, w.operator, dispatch=False)
        assert t.status == "registered" and t.deadline is None
    with clock.frozen(hf.MONDAY + dt.timedelta(days=7)):  # held a week by the centre, then sent to the police
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="dispatch", department_id=w.depts["公安"]))
        assert t.deadline == dt.date(2026, 3, 11)  # two working days from the dispatch, not from registration
        session.commit()
    supervision.tick(session, SYSTEM, as_of=dt.date(2026, 3, 12), full=True)
    session.commit()
    lights = session.scalars(select(Alert).where(Alert.case_no == t.ticket_no, Alert.status == "open")).all()
    assert {(a.rule, a.department_id) for a in lights} == {("hotline_overdue", w.depts["公安"]),
                                                          ("hotline_step_overdue", w.depts["公安"])}
    with clock.frozen(hf.MONDAY + dt.timedelta(days=10)):
        hotline.act(session, w.psb, t.ticket_no, ActionIn(action="return", comment="油烟不归公安管"))
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="dispatch", department_id=w.depts["生态环境"]))
        session.commit()
    supervision.tick(session, SYSTEM, as_of=dt.date(2026, 3, 12), full=True)
    session.commit()
    open_now = session.scalars(select(Alert).where(Alert.case_no == t.ticket_no, Alert.status == "open")).all()
    assert all(a.department_id != w.depts["公安"] for a in open_now)  # the police's lights ended with the return


def test_a_late_answer_stays_late_and_no_extension_after_the_deadline(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = _fumes(session, w.operator)
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
    with clock.frozen(hf.MONDAY + dt.timedelta(days=3)):  # Thursday: due Wednesday
        with pytest.raises(DomainError) as late:
            hotline.act(session, w.eco, t.ticket_no, ActionIn(action="extend", days=2, comment="需要时间"))
        assert late.value.code == "past_deadline"
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="answer", comment="已处理"))
        assert t.on_time is False
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="send_back", comment="请补充"))
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="answer", comment="已责令整改并复查"))
        assert t.on_time is False  # answered again within the new limit: the first answer was still late
    with clock.frozen(hf.MONDAY + dt.timedelta(days=3)):
        q = _fumes(session, w.operator, kind="咨询", dispatch=False, content="餐馆油烟有什么排放标准？")
        hotline.act(session, w.operator, q.ticket_no, ActionIn(action="resolve", comment="见标准"))
        assert q.on_time is True
    with clock.frozen(hf.MONDAY):
        old = _fumes(session, w.operator, kind="咨询", dispatch=False, content="餐馆油烟有什么排放标准吗？")
    with clock.frozen(hf.MONDAY + dt.timedelta(days=8)):
        hotline.act(session, w.operator, old.ticket_no, ActionIn(action="resolve", comment="见标准"))
        assert old.on_time is False  # answered directly, but a week after a one-day limit


def test_weak_routing_waits_for_an_operator(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        thanks = _fumes(session, w.person, kind="表扬", content="谢谢你们，辛苦了！")
        assert thanks.status == "registered" and thanks.department_id is None
        strong = _fumes(session, w.person)
        assert strong.status == "dispatched" and strong.department_id == w.depts["生态环境"]


def test_readers_do_not_see_the_callers_phone(session: Session) -> None:
    w = hf.build(session)
    supervisor = f.staff(session, "jc", ["supervisor"], "区纪委监委")
    with clock.frozen(hf.MONDAY):
        t = _fumes(session, w.operator, contact_name="李女士")
    seen = hotline.view(session, supervisor, hotline.get_ticket(session, supervisor, t.ticket_no))
    assert seen.contact_phone is None and seen.contact_name is None
    for handler in (w.operator, w.eco):
        assert hotline.view(session, handler, t).contact_phone == "13800138000"


def test_several_districts_share_one_platform(session: Session) -> None:
    w = hf.build(session)
    lw = org.ensure_department(session, SYSTEM, name="广州市生态环境局荔湾分局", region_code="440103")
    assert hotline.import_units(session, SYSTEM, [("生态环境", lw.name, "440103", "餐饮油烟、废气")]) == []
    with clock.frozen(hf.MONDAY):
        t = _fumes(session, w.person, region_code="440103")
    assert t.department_id == lw.id  # the unit of the request's own district


def test_search_words_are_literal(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        _fumes(session, w.operator)
    assert hotline.list_tickets(session, w.operator, q="%").total == 0
    assert hotline.list_tickets(session, w.operator, q="烧烤").total == 1


def test_a_past_months_overdue_figure_stays_when_the_order_is_answered_later(session: Session) -> None:
    from yiwang.hotline import report

    w = hf.build(session)
    with clock.frozen(hf.MONDAY):  # 2 March: a complaint due 4 March
        t = _fumes(session, w.operator)
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
    with clock.frozen(dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)):
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="answer", comment="已处理"))
    with clock.frozen(dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)):
        march = report.monthly_report(session, w.operator, report.parse_month("2026-03"))
        april = report.monthly_report(session, w.operator, report.parse_month("2026-04"))
    assert march.total.overdue_open == 1  # still with its unit, late, when March ended
    assert april.total.overdue_open == 0 and april.total.answered == 1
