"""The catalog admin pages show and edit an item's 并联审批 configuration."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from tests.web.helpers import csrf as _csrf
from tests.web.helpers import staff_login as _staff_login
from tests.web.test_catalog_pages import MARKET, _edit_form, _item
from yiwang.catalog import searching
from yiwang.catalog import service as catalog
from yiwang.core.permissions import SYSTEM

FIRE, ECO = "越秀区消防救援大队", "越秀区生态环境分局"


@pytest.fixture(autouse=True)
def _setup(session) -> None:  # type: ignore[no-untyped-def]
    searching.reset()
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    for name in (MARKET, FIRE, ECO):
        f.department(session, name)
    session.commit()


def test_detail_page_shows_the_joint_configuration(client, session) -> None:  # type: ignore[no-untyped-def]
    code = _item(session, "餐饮服务开业", joint={"lead": MARKET, "branches": [
        {"department": FIRE, "limit": {"value": 5, "unit": "working_day"}, "on_timeout": "escalate"},
        {"department": ECO, "limit": {"value": 3, "unit": "working_day"}, "on_timeout": "consent",
         "materials": ["营业执照申请书"]}]})
    plain = _item(session, "普通事项")
    _staff_login(client, "adm")
    page = client.get(f"/admin/catalog/{code}").text
    section = page.split('id="h-joint"', 1)[1].split("</section>", 1)[0]
    assert f"牵头部门：<strong>{MARKET}</strong>" in section
    assert re.search(rf"{FIRE}</th><td>5 个工作日</td>\s*<td>提交监察</td>\s*<td>全部材料</td>", section)
    assert re.search(rf"{ECO}</th><td>3 个工作日</td>\s*<td>超时默认同意</td>\s*<td>营业执照申请书</td>", section)
    assert "不是并联审批事项" in client.get(f"/admin/catalog/{plain}").text


def test_edit_form_adds_changes_and_removes_branches(client, session) -> None:  # type: ignore[no-untyped-def]
    code = _item(session, "餐饮服务开业")
    _staff_login(client, "adm")
    page = client.get(f"/admin/catalog/{code}/edit").text
    assert "并联审批" in page and f"<strong>{MARKET}</strong>" in page
    data = _edit_form(page)
    assert data["joint_rows"] == "2" and data["j0.department"] == ""
    data.update({"j0.department": FIRE, "j0.limit": "5", "j0.on_timeout": "escalate",
                 "j1.department": ECO, "j1.limit": "3", "j1.on_timeout": "consent",
                 "j1.materials": ["经营场所证明"]})
    r = client.post(f"/admin/catalog/{code}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    version, _ = catalog.newest_version(session, SYSTEM, code=code)
    spec = catalog.joint_spec(session, version)
    assert spec is not None and [(b.department, b.limit_value, b.on_timeout, b.materials)
                                 for b in spec.branches] == [(FIRE, 5, "escalate", None),
                                                              (ECO, 3, "consent", ["经营场所证明"])]

    page = client.get(f"/admin/catalog/{code}/edit").text
    data = _edit_form(page)
    assert data["joint_rows"] == "4" and data["j1.department"] == ECO and data["j1.materials"] == "经营场所证明"
    data.update({"j0.department": "", "j1.limit": "4"})  # remove the first branch, change the second
    r = client.post(f"/admin/catalog/{code}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(f"/admin/catalog/{code}").text
    assert "4 个工作日" in detail and FIRE not in detail.split('id="h-joint"', 1)[1].split("</section>", 1)[0]

    data = _edit_form(client.get(f"/admin/catalog/{code}/edit").text)
    data.update({"j0.department": ""})
    r = client.post(f"/admin/catalog/{code}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert "不是并联审批事项" in client.get(f"/admin/catalog/{code}").text


@pytest.mark.parametrize(("row", "field", "message"), [
    ({"j1.department": "不存在的局"}, "j1.department", "部门“不存在的局”不存在"),
    ({"j1.department": MARKET}, "j1.department", "并联部门不能是牵头部门"),
    ({"j1.department": FIRE}, "j1.department", "并联部门“越秀区消防救援大队”重复"),
    ({"j1.limit": "90"}, "j1.limit", "1–60 之间的整数"),
    ({"j1.limit": "五"}, "j1.limit", "1–60 之间的整数"),
    ({"j1.on_timeout": "ignore"}, "j1.on_timeout", "超时规则只能是"),
])
def test_edit_form_shows_joint_errors_next_to_the_row(client, session, row, field, message) -> None:  # type: ignore[no-untyped-def]
    code = _item(session, "餐饮服务开业")
    _staff_login(client, "adm")
    data = _edit_form(client.get(f"/admin/catalog/{code}/edit").text)
    # a blank row between branches: errors still point at the row the clerk filled
    data.update({"j0.department": FIRE, "j0.limit": "5", "j0.on_timeout": "escalate",
                 "joint_rows": "3", "j2.department": ECO, "j2.limit": "3", "j2.on_timeout": "consent"})
    data.update({k.replace("j1.", "j2."): v for k, v in row.items()})
    r = client.post(f"/admin/catalog/{code}/edit", data=data)
    assert r.status_code == 422 and message in r.text
    target = field.replace("j1.", "j2.")
    assert re.search(rf'name="{re.escape(target)}"[^>]*aria-invalid="true"', r.text)
    row_html = r.text.split(f'id="{target}"', 1)[1].split("</fieldset>", 1)[0]
    assert '<p class="field-error">并联部门 3：' in row_html and message in row_html
    token = _csrf(client, f"/admin/catalog/{code}")
    assert token  # the item page still renders: nothing was saved
    assert "不是并联审批事项" in client.get(f"/admin/catalog/{code}").text

