"""Issue 12 point 10.4: the directory lists the deployment's own region first, then what people apply for
(look-ups and consultations last), then by demand — not pinyin order."""

from __future__ import annotations

from tests import factories as f
from tests.portal.helpers import item, listed_names
from yiwang.core.config import get_settings
from yiwang.core.permissions import SYSTEM
from yiwang.org import service as org_service


def test_own_region_first_lookups_last(client, session) -> None:  # type: ignore[no-untyped-def]
    assert get_settings().home_region_code == "440000"
    org_service.ensure_region(session, SYSTEM, code="510000", name="四川省")
    item(session, "阿坝州事项办理", region_code="510000", department="四川省某厅", level=2)  # outside: last
    item(session, "安全生产信息查询", region_code="440000", department="省应急管理厅", level=2)  # a look-up
    item(session, "政策咨询", level=4)  # a consultation
    item(session, "食品经营许可（新办）", level=4)
    item(session, "户口迁出", region_code="440000", department="省公安厅", level=2)
    session.commit()
    names = listed_names(client.get("/items").text)
    assert names[:2] == ["食品经营许可（新办）", "户口迁出"]  # own region, applied for; the more local first
    assert set(names[2:4]) == {"安全生产信息查询", "政策咨询"}
    assert names[4] == "阿坝州事项办理"


def test_demand_lifts_an_item(client, session) -> None:  # type: ignore[no-untyped-def]
    item(session, "阿拉伯数字登记")  # first in pinyin order
    item(session, "专利代理机构设立")
    session.commit()
    assert listed_names(client.get("/items").text) == ["阿拉伯数字登记", "专利代理机构设立"]
    client.get("/items", params={"q": "专利代理"})
    assert listed_names(client.get("/items").text) == ["专利代理机构设立", "阿拉伯数字登记"]


def test_home_region_setting_moves_the_order(client, session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    org_service.ensure_region(session, SYSTEM, code="510000", name="四川省")
    item(session, "阿坝州事项办理", region_code="510000", department="四川省某厅", level=2)
    item(session, "食品经营许可（新办）", level=4)
    session.commit()
    monkeypatch.setenv("YIWANG_HOME_REGION_CODE", "510000")
    from yiwang.core.config import reset_settings

    reset_settings()
    try:
        assert listed_names(client.get("/items").text) == ["阿坝州事项办理", "食品经营许可（新办）"]
    finally:
        monkeypatch.delenv("YIWANG_HOME_REGION_CODE")
        reset_settings()
