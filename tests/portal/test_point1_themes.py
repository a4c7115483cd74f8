"""Issue 12 point 10.1: theme entrances with item counts, assigned by rules over the catalog."""

from __future__ import annotations

from importlib import resources

from tests.portal.helpers import item, listed_names, theme_count
from yiwang.catalog import transfer
from yiwang.core.permissions import SYSTEM
from yiwang.portal import service as portal


def test_home_shows_theme_entrances_with_counts(client, session) -> None:  # type: ignore[no-untyped-def]
    item(session, "结婚登记预约", audience=["1"])
    item(session, "补领结婚证预约", audience=["1"])
    item(session, "个体工商户设立登记", audience=["1", "2"])
    item(session, "对纳税人延期缴纳税款的核准", audience=["2"])
    item(session, "建设项目环境影响报告书审批", audience=["2"])
    session.commit()
    home = client.get("/")
    assert home.status_code == 200
    assert 'aria-labelledby="themes-title"' in home.text
    assert theme_count(home.text, "婚姻登记") == 2
    assert theme_count(home.text, "开办企业") == 1
    assert theme_count(home.text, "纳税缴费") == 1
    assert theme_count(home.text, "生育收养") == 0  # every theme is shown, with its count
    assert 'href="/themes/marriage"' in home.text


def test_theme_page_lists_its_items_only(client, session) -> None:  # type: ignore[no-untyped-def]
    item(session, "结婚登记预约", audience=["1"])
    item(session, "个体工商户设立登记", audience=["1", "2"])
    session.commit()
    page = client.get("/themes/marriage")
    assert page.status_code == 200
    assert "<h1>婚姻登记</h1>" in page.text
    assert listed_names(page.text) == ["结婚登记预约"]
    assert "共 1 项" in page.text
    index = client.get("/themes")
    assert index.status_code == 200 and 'href="/themes/start-business"' in index.text


def test_unknown_theme_is_a_chinese_404(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/themes/no-such-theme")
    assert page.status_code == 404
    assert "没有这个主题" in page.text


def test_source_catalog_themes_still_count(client, session) -> None:  # type: ignore[no-untyped-def]
    # an item whose name says nothing of a theme but which the source catalog tagged 开办企业
    item(session, "企业名称自主申报承诺", themes=["开办企业"])
    session.commit()
    assert [t.count for t in portal.theme_counts(session) if t.slug == "start-business"] == [1]


def test_real_guangdong_catalog_gets_sensible_counts(session) -> None:  # type: ignore[no-untyped-def]
    seed = resources.files("yiwang.catalog") / "seed_data" / "guangdong.jsonl.gz"
    with resources.as_file(seed) as path:
        transfer.import_records(session, SYSTEM, transfer.read_jsonl(path), publish=True, commit=session.commit)
    counts = {t.slug: t.count for t in portal.theme_counts(session)}
    assert all(n > 0 for n in counts.values()), counts
    assert counts["marriage"] >= 5 and counts["tax"] >= 40 and counts["construction"] >= 50
    # no theme swallows the catalog
    assert max(counts.values()) < 400, counts
    page = portal.browse(session, theme="marriage", limit=50)
    names = [i.name for i in page.items]
    assert "结婚登记预约" in names and "离婚登记预约" in names
    assert all(any(w in n for w in ("婚", "结婚", "离婚")) for n in names), names
