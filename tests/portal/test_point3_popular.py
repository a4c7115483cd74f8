"""Issue 12 point 10.3: 热门事项 from real demand — portal searches and applications of the last 30 days."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.cases import factories as case_factories
from tests.portal.helpers import item
from yiwang.core import clock
from yiwang.portal import service as portal
from yiwang.portal.models import SearchCount


def _popular(html: str) -> list[str]:
    block = html.split('id="popular-title"')[1].split("</section>")[0]
    return re.findall(r'<a href="/items/[^"]+">([^<]+)</a>', block)


def test_searches_are_counted_normalised_per_day(client, session) -> None:  # type: ignore[no-untyped-def]
    item(session, "结婚登记预约")
    session.commit()
    for q in ("结婚登记", " 结婚登记 ", "结婚登记"):
        assert client.get("/items", params={"q": q}).status_code == 200
    client.get("/items", params={"q": "结婚登记", "page": "2"})  # paging is not a new search
    client.get("/items", params={"q": "婚"})  # one character: not counted
    rows = session.scalars(select(SearchCount)).all()
    assert [(r.query, r.count, r.day) for r in rows] == [("结婚登记", 3, clock.today())]


def test_home_lists_items_people_search_for(client, session) -> None:  # type: ignore[no-untyped-def]
    item(session, "个体工商户设立登记")
    item(session, "结婚登记预约")
    item(session, "食品经营许可查询")  # a look-up never becomes a popular item
    session.commit()
    assert _popular(client.get("/").text) == []
    for _ in range(3):
        client.get("/items", params={"q": "个体工商户"})
    portal.seed_searches(session, "食品经营许可", day=clock.today() - dt.timedelta(days=3), n=50)
    portal.seed_searches(session, "结婚登记", day=clock.today() - dt.timedelta(days=40), n=500)  # too old
    session.commit()
    home = client.get("/").text
    assert _popular(home) == ["个体工商户设立登记"]
    assert "大家都在搜" in home and "个体工商户" in home


def test_applications_make_an_item_popular(client, session) -> None:  # type: ignore[no-untyped-def]
    w = case_factories.world(session, name="公共场所卫生许可（新办）", themes=[])
    item(session, "个体工商户设立登记")
    session.commit()
    client.get("/items", params={"q": "个体工商户"})
    case_factories.submit(session, w)
    session.commit()
    home = client.get("/").text
    # one application (weight 3) beats one search
    assert _popular(home) == ["公共场所卫生许可（新办）", "个体工商户设立登记"]


def test_a_script_cannot_make_a_query_popular(session) -> None:  # type: ignore[no-untyped-def]
    counted = sum(portal.record_search(session, "刷量", client="203.0.113.9") for _ in range(100))
    assert counted == 30
