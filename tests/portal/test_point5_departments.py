"""Issue 12 point 10.5: departments grouped by region; a region → department two-step instead of one
long department dropdown."""

from __future__ import annotations

import re

from tests import factories as f
from tests.portal.helpers import item, listed_names
from yiwang.org import service as org_service


def _setup(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    item(session, "食品经营许可（新办）", department="区市场监督管理局")
    item(session, "户口迁出", region_code="440000", department="广东省公安厅", level=2)
    item(session, "建设工程规划许可证核发", region_code="440100", department="广州市规划和自然资源局", level=3)
    session.commit()
    return {d.name: d.id for d in org_service.all_departments(session)}


def test_departments_page_groups_by_region_in_tree_order(client, session) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(session)
    page = client.get("/departments")
    assert page.status_code == 200
    headings = re.findall(r'<h2 id="region-(\d+)">([^<]+?) <span', page.text)
    assert [code for code, _ in headings] == ["440000", "440100", "440104"]
    assert f'href="/items?region=440104&amp;department={ids["区市场监督管理局"]}"' in page.text
    follow = client.get(f"/items?region=440104&department={ids['区市场监督管理局']}")
    assert listed_names(follow.text) == ["食品经营许可（新办）"]


def test_directory_asks_for_a_region_before_a_department(client, session) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(session)
    plain = client.get("/items").text
    assert 'id="f-region"' in plain and 'id="f-department"' not in plain
    narrowed = client.get("/items?region=440100").text
    options = re.findall(r'<option value="(\d+)"', narrowed.split('id="f-department"')[1].split("</select>")[0])
    assert options == [str(ids["广州市规划和自然资源局"])]
    # a city covers its districts
    assert sorted(listed_names(narrowed)) == sorted(["建设工程规划许可证核发", "食品经营许可（新办）"])
    # the province's region filter covers its subtree
    assert len(listed_names(client.get("/items?region=440000").text)) == 3


def test_old_department_links_still_work(client, session) -> None:  # type: ignore[no-untyped-def]
    ids = _setup(session)
    page = client.get(f"/items?department={ids['广东省公安厅']}")
    assert page.status_code == 200
    assert listed_names(page.text) == ["户口迁出"]
    assert '<option value="440000" selected>' in page.text
