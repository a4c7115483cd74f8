"""Issue 12 point 10.2: 个人/法人 browsing with themes as facets; the old query parameters keep working."""

from __future__ import annotations

from tests.portal.helpers import item, listed_names


def _items(session) -> None:  # type: ignore[no-untyped-def]
    item(session, "结婚登记预约", audience=["1"])
    item(session, "养老保险参保缴费凭证申请", audience=["1"])
    item(session, "对纳税人延期缴纳税款的核准", audience=["2", "3"])
    item(session, "建设项目环境影响报告书审批", audience=["2"])
    session.commit()


def test_person_and_enterprise_browsing(client, session) -> None:  # type: ignore[no-untyped-def]
    _items(session)
    person = client.get("/items?audience=person")
    assert person.status_code == 200
    assert "<h1>个人办事</h1>" in person.text
    assert sorted(listed_names(person.text)) == sorted(["结婚登记预约", "养老保险参保缴费凭证申请"])
    enterprise = client.get("/items?audience=enterprise")
    assert sorted(listed_names(enterprise.text)) == sorted(["对纳税人延期缴纳税款的核准", "建设项目环境影响报告书审批"])
    # the old values
    assert sorted(listed_names(client.get("/items?audience=1").text)) == sorted(listed_names(person.text))
    assert sorted(listed_names(client.get("/items?audience=2").text)) == sorted(listed_names(enterprise.text))


def test_themes_are_facets_of_the_directory(client, session) -> None:  # type: ignore[no-untyped-def]
    _items(session)
    page = client.get("/items?audience=person")
    assert 'aria-labelledby="facets-title"' in page.text
    assert 'href="/items?audience=person&amp;theme=marriage"' in page.text
    assert "纳税缴费" not in page.text.split('id="facets-title"')[1]  # only 个人 themes under 个人
    narrowed = client.get("/items?audience=person&theme=marriage")
    assert listed_names(narrowed.text) == ["结婚登记预约"]
    # a query plus a theme facet
    searched = client.get("/items?q=登记&theme=marriage")
    assert listed_names(searched.text) == ["结婚登记预约"]


def test_odd_parameters_never_fail(client, session) -> None:  # type: ignore[no-untyped-def]
    _items(session)
    for url in ("/items?audience=alien", "/items?theme=%00%3Cscript%3E", "/items?region=99999999999999",
                "/items?department=99999999999", "/items?page=-1", "/items?type=zz"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "<script>" not in r.text
