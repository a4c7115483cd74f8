"""Guide pages for the public and catalog administration pages for staff."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from tests import factories as f
from tests.web.helpers import csrf as _csrf
from tests.web.helpers import staff_login as _staff_login
from yiwang.catalog import searching
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ItemIn
from yiwang.core import storage
from yiwang.core.permissions import SYSTEM

MARKET = "越秀区市场监督管理局"
HEALTH = "越秀区卫生健康局"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_codes = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    searching.reset()  # the in-process index is keyed by database URL and each test wipes the database


def _item(session, name: str, *, publish: bool = True, **fields: Any) -> str:  # type: ignore[no-untyped-def]
    code = f"11440104MB0000000X4{next(_codes):012d}"
    record: dict[str, Any] = {
        "code": code, "name": name, "department": MARKET, "region_code": "440104", "item_type": "01",
        "audience": ["2"], "legal_limit": {"value": 20, "unit": "working_day"},
        "promised_limit": {"value": 7, "unit": "working_day"}, "consult_phone": "020-83000001",
        "complaint_phone": "020-83000002", "visits": 0, "online": True, "online_depth": 4,
        "materials": [{"name": "营业执照申请书", "originals": 1}, {"name": "经营场所证明", "copies": 1,
                                                                   "required": False}],
        "themes": ["开办企业"],
    }
    record.update(fields)
    catalog.import_record(session, SYSTEM, ItemIn(**record), publish=publish)
    session.commit()
    return code


def _dept_id(session, name: str) -> int:  # type: ignore[no-untyped-def]
    from yiwang.org import service as org_service

    dept = org_service.find_department(session, name, "440104")
    assert dept is not None
    return dept.id


# --- public pages ---------------------------------------------------------------------------------------

def test_directory_lists_everything_and_filters_narrow(client, session) -> None:  # type: ignore[no-untyped-def]
    f.department(session, MARKET)
    f.department(session, HEALTH)
    _item(session, "个体工商户注册登记")
    _item(session, "食品经营许可", promised_limit="immediate", legal_limit="immediate", online=False,
          online_depth=2, visits=1, visit_reason="现场核验原件")
    _item(session, "出生医学证明首次签发", department=HEALTH, item_type="20", audience=["1"], themes=["出生"])
    _item(session, "未发布的事项", publish=False, consult_phone=None)

    page = client.get("/items")
    assert page.status_code == 200
    assert "共 3 项" in page.text
    for name in ("个体工商户注册登记", "食品经营许可", "出生医学证明首次签发"):
        assert name in page.text
    assert "未发布的事项" not in page.text
    assert "承诺 7 个工作日" in page.text and "即办" in page.text
    assert "可网上办理" in page.text and "零跑动" in page.text and "到现场 1 次" in page.text
    # departments are chosen in two steps (region, then that region's departments), not from one long list
    assert '<label for="f-region">' in page.text and '<label for="f-department">' not in page.text
    in_region = client.get("/items", params={"region": "440104"}).text
    assert '<label for="f-department">' in in_region and MARKET in in_region

    def names(html: str) -> list[str]:
        return re.findall(r'<h3><a href="/items/[^"]+">([^<]+)</a></h3>', html)

    assert names(client.get("/items", params={"q": "出生医学证明"}).text)[0] == "出生医学证明首次签发"
    assert names(client.get("/items", params={"q": "食品经营"}).text)[0] == "食品经营许可"
    narrowed = client.get("/items", params={"q": "出生医学证明", "department": _dept_id(session, HEALTH)}).text
    assert names(narrowed) == ["出生医学证明首次签发"]

    by_type = client.get("/items", params={"type": "20"}).text
    assert "共 1 项" in by_type and "出生医学证明首次签发" in by_type and "食品经营许可" not in by_type
    by_dept = client.get("/items", params={"department": _dept_id(session, MARKET)}).text
    assert "共 2 项" in by_dept and "出生医学证明首次签发" not in by_dept
    by_audience = client.get("/items", params={"audience": "1"}).text
    assert "共 1 项" in by_audience and "出生医学证明首次签发" in by_audience
    by_theme = client.get("/items", params={"theme": "出生"}).text
    assert "共 1 项" in by_theme

    nothing = client.get("/items", params={"q": "潜水艇驾驶执照", "type": "02"})
    assert nothing.status_code == 200
    assert "没有找到" in nothing.text and "拼音" in nothing.text and "清除筛选" in nothing.text


def test_directory_pages_through_results(client, session) -> None:  # type: ignore[no-untyped-def]
    for n in range(23):
        _item(session, f"测试事项{n:02d}")
    first = client.get("/items").text
    assert "共 23 项" in first and 'href="/items?page=2"' in first and 'aria-current="page"' in first
    assert first.count('class="result"') == 20
    second = client.get("/items", params={"page": "2"}).text
    assert second.count('class="result"') == 3 and "上一页" in second
    assert client.get("/items", params={"page": "oops"}).status_code == 200


def test_guide_page_shows_every_element_and_escapes_text(client, session) -> None:  # type: ignore[no-untyped-def]
    code = _item(session, "个体工商户注册登记", conditions="<script>alert(1)</script>年满 18 周岁",
                 fees=[{"item": "工本费", "standard": "10 元", "waivable": True}],
                 faq=[{"q": "可以委托他人办理吗？", "a": "可以，须提交委托书。"}], appointment=True)
    page = client.get(f"/items/{code}")
    assert page.status_code == 200
    text = page.text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    for part in ("基本信息", "办理时限", "受理条件", "设定依据", "办理流程", "申请材料", "收费", "办理结果",
                 "办理地点和时间", "咨询和投诉", "到现场次数", "网上办理", "常见问题", "主题"):
        assert f">{part}</h2>" in text, part
    assert "营业执照申请书" in text and "经营场所证明" in text and "非必要" in text and "原件 1 份" in text
    assert "020-83000001" in text and "020-83000002" in text
    assert "20 个工作日" in text and "7 个工作日" in text and "承诺件" in text
    assert "工本费" in text and "可以委托他人办理吗？" in text and "四级（全程网办）" in text
    assert 'scope="col"' in text
    assert "javascript:" not in text.split('<main', 1)[1].split("</main>")[0]


def test_unknown_or_unpublished_guide_is_a_chinese_404(client, session) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/items/NO-SUCH-CODE")
    assert r.status_code == 404 and "找不到该页面" in r.text and "事项不存在或未发布" in r.text
    draft = _item(session, "草稿事项", publish=False, consult_phone=None)
    assert client.get(f"/items/{draft}").status_code == 404


def test_catalog_files_are_public_only_when_a_published_material_refers_to_them(client, session) -> None:  # type: ignore[no-untyped-def]
    code = _item(session, "个体工商户注册登记")
    blank = storage.store(session, data=PDF, filename="申请书（空白）.pdf", declared_type="application/pdf",
                          owner="catalog")
    stray = storage.store(session, data=PDF + b" ", filename="other.pdf", declared_type=None, owner="person:1")
    catalog.attach_material_file(session, SYSTEM, code=code, material_seq=1, kind="blank_form", file_id=blank.id)
    session.commit()
    assert client.get(f"/catalog-files/{blank.id}").status_code == 404  # still only in the draft
    catalog.publish(session, SYSTEM, code=code)
    session.commit()
    r = client.get(f"/catalog-files/{blank.id}")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E7%94%B3%E8%AF%B7" in disposition
    assert f'href="/catalog-files/{blank.id}"' in client.get(f"/items/{code}").text
    assert client.get(f"/catalog-files/{stray.id}").status_code == 404
    assert client.get("/catalog-files/nothing").status_code == 404


# --- administration ---------------------------------------------------------------------------------------

def test_admin_list_is_scoped_to_the_staff_department(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "hdl", ["handler"], MARKET)
    f.staff(session, "edu", ["handler"], "越秀区教育局")
    session.commit()
    code = _item(session, "个体工商户注册登记")
    _staff_login(client, "hdl")
    listing = client.get("/admin/catalog").text
    assert "个体工商户注册登记" in listing and "共 1 项" in listing and "已发布" in listing
    assert "个体工商户注册登记" in client.get("/admin/catalog", params={"status": "published"}).text
    assert "共 0 项" in client.get("/admin/catalog", params={"status": "draft"}).text
    detail = client.get(f"/admin/catalog/{code}")
    assert detail.status_code == 200 and "版本记录" in detail.text
    assert "停用事项" not in detail.text  # a handler edits, but does not publish or retire
    client.cookies.clear()
    _staff_login(client, "edu")
    other = client.get("/admin/catalog").text
    assert "个体工商户注册登记" not in other and "共 0 项" in other
    assert client.get(f"/admin/catalog/{code}").status_code == 404
    assert client.get(f"/admin/catalog/{code}/edit").status_code == 404
    client.cookies.clear()
    assert client.get("/admin/catalog", follow_redirects=False).status_code == 303  # to the staff login


def test_publish_refuses_and_lists_every_problem(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    session.commit()
    code = _item(session, "食品经营许可", consult_phone=None, complaint_phone=None, visits=2, online_depth=2,
                 promised_limit={"value": 30, "unit": "working_day"}, materials=[])
    _staff_login(client, "adm")
    detail = client.get(f"/admin/catalog/{code}").text
    assert "质量检查" in detail and "2 个阻止发布的问题" in detail
    assert "不影响发布" in detail and "缺少咨询电话" in detail  # warnings listed apart
    token = _csrf(client, f"/admin/catalog/{code}")
    r = client.post(f"/admin/catalog/{code}/publish", data={"csrf_token": token})
    assert r.status_code == 422
    assert "不得超过法定时限" in r.text and "申请材料目录" in r.text
    assert "请修改后再发布" in r.text


def test_warnings_do_not_keep_an_item_from_citizens(client, session) -> None:  # type: ignore[no-untyped-def]
    """Issue 13, point 2: identical or missing phones are warnings: the guide is published."""
    code = _item(session, "居民身份证申领", consult_phone="020-83000001", complaint_phone="020-83000001",
                 visits=1, online_depth=2)
    guide = client.get(f"/items/{code}")
    assert guide.status_code == 200 and "居民身份证申领" in guide.text


def _edit_form(page: str) -> dict[str, Any]:
    """The posted fields of the edit form as a browser would send them (selected options, checked boxes)."""
    form = page.split('class="edit-form"', 1)[1].split("</form>", 1)[0]
    data: dict[str, Any] = {}

    def add(name: str, value: str) -> None:
        value = value.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">") \
            .replace("&amp;", "&")
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value

    for tag in re.finditer(r"<input ([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(1)))
        if "name" not in attrs:
            continue
        if attrs.get("type") == "checkbox":
            if re.search(r"\bchecked\b", tag.group(1)):
                add(attrs["name"], attrs.get("value", "on"))
        else:
            add(attrs["name"], attrs.get("value", ""))
    for tag in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        add(tag.group(1), tag.group(2))
    for tag in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', tag.group(2)) or \
            re.search(r'<option value="([^"]*)"', tag.group(2))
        add(tag.group(1), chosen.group(1) if chosen else "")
    return data


def test_edit_then_publish(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    session.commit()
    code = _item(session, "食品经营许可", consult_phone=None, visits=1, online_depth=2, publish=False)
    _staff_login(client, "adm")
    page = client.get(f"/admin/catalog/{code}/edit")
    assert page.status_code == 200 and 'value="营业执照申请书"' in page.text
    data = _edit_form(page.text)
    assert data["name"] == "食品经营许可" and data["material_rows"] == "5"

    bad = dict(data, consult_phone="020-83000009", form_schema="{not json")
    r = client.post(f"/admin/catalog/{code}/edit", data=bad)
    assert r.status_code == 422 and "电子表单不是有效的 JSON" in r.text
    assert "{not json" in r.text and 'value="020-83000009"' in r.text
    assert re.search(r'name="form_schema"[^>]*aria-invalid="true" aria-describedby="form-error"', r.text)

    bad = dict(data, **{"m0.copies": "many"})
    r = client.post(f"/admin/catalog/{code}/edit", data=bad)
    assert r.status_code == 422 and "第 1 行材料复印件份数应为 0–99 之间的整数" in r.text

    good = dict(data, consult_phone="020-83000009", visit_reason="现场核验经营场所",
                **{"m1.name": "", "m2.name": "食品安全管理制度", "m2.copies": "1"})
    good["form_schema"] = json.dumps({"type": "object", "properties": {"shop": {"type": "string", "title": "店名"}}})
    r = client.post(f"/admin/catalog/{code}/edit", data=good, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"]).text
    assert "草稿已保存" in detail and "没有阻止发布的问题" in detail and "食品安全管理制度" in detail
    assert "经营场所证明" not in detail

    token = _csrf(client, f"/admin/catalog/{code}")
    r = client.post(f"/admin/catalog/{code}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    guide = client.get(f"/items/{code}").text
    assert "020-83000009" in guide and "现场核验经营场所" in guide and "食品安全管理制度" in guide
    assert "已发布" in client.get("/admin/catalog").text


def test_material_attachment_upload(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "hdl", ["handler"], MARKET)
    session.commit()
    code = _item(session, "个体工商户注册登记")
    _staff_login(client, "hdl")
    token = _csrf(client, f"/admin/catalog/{code}")
    r = client.post(f"/admin/catalog/{code}/materials/1/file", data={"csrf_token": token, "kind": "sample"},
                    files={"file": ("样表.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"]).text
    assert "附件已上传到草稿" in detail and "已有示例样表" in detail
    link = re.search(r'href="(/admin/catalog/[^"]+/files/([0-9a-f]+))"', detail)
    assert link
    assert client.get(link.group(1)).content == PDF
    assert client.get(f"/catalog-files/{link.group(2)}").status_code == 404  # not published yet
    r = client.post(f"/admin/catalog/{code}/materials/1/file", data={"csrf_token": token, "kind": "sample"},
                    files={"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert r.status_code == 415 and "不支持的文件类型" in r.text and 'aria-invalid="true"' in r.text


def test_retire_needs_a_reason(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    session.commit()
    code = _item(session, "个体工商户注册登记")
    _staff_login(client, "adm")
    token = _csrf(client, f"/admin/catalog/{code}")
    r = client.post(f"/admin/catalog/{code}/retire", data={"csrf_token": token, "reason": "  "})
    assert r.status_code == 422 and "请填写停用理由" in r.text
    assert re.search(r'name="reason"[^>]*aria-invalid="true" aria-describedby="form-error"', r.text)
    r = client.post(f"/admin/catalog/{code}/retire", data={"csrf_token": token, "reason": "职能调整，事项取消"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/items/{code}").status_code == 404
    assert "已停用" in client.get(f"/admin/catalog/{code}").text


def test_import_page_reports_bad_lines(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    f.staff(session, "hdl", ["handler"], MARKET)
    session.commit()
    good = {"code": "11440104MB0000000X4442100100000", "name": "导入的事项", "department": MARKET,
            "region_code": "440104", "item_type": "01", "consult_phone": "020-1", "complaint_phone": "020-2",
            "materials": [{"name": "申请书"}]}
    draft = dict(good, code="11440104MB0000000X4442100200000", name="缺材料的许可", materials=[])
    lines = [json.dumps(good, ensure_ascii=False), "{broken", json.dumps({"code": "X1", "department": MARKET,
                                                                         "item_type": "01"}),
             json.dumps(draft, ensure_ascii=False)]
    upload = ("items.jsonl", "\n".join(lines).encode(), "application/x-ndjson")
    _staff_login(client, "hdl")
    assert client.get("/admin/catalog/import").status_code == 403
    client.cookies.clear()
    _staff_login(client, "adm")
    token = _csrf(client, "/admin/catalog/import")
    r = client.post("/admin/catalog/import", data={"csrf_token": token, "publish": "1"}, files={"file": upload})
    assert r.status_code == 200, r.text
    assert "共 4 行" in r.text and "已发布 1" in r.text
    assert "第 2 行" in r.text and "不是有效的 JSON" in r.text
    assert "第 3 行" in r.text and "缺少必填字段 name" in r.text
    assert "第 4 行" in r.text and "申请材料目录" in r.text
    assert client.get("/items/11440104MB0000000X4442100100000").status_code == 200
    r = client.post("/admin/catalog/import", data={"csrf_token": token},
                    files={"file": ("empty.jsonl", b"", "application/octet-stream")})
    assert r.status_code == 422 and "请选择要导入的文件" in r.text


def test_template_and_export_downloads(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    f.staff(session, "hdl", ["handler"], MARKET)
    session.commit()
    _item(session, "个体工商户注册登记")
    _staff_login(client, "hdl")
    r = client.get("/admin/catalog/template.xlsx")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert {"事项", "申请材料"} <= set(wb.sheetnames)
    assert client.get("/admin/catalog/export.xlsx").status_code == 403
    client.cookies.clear()
    _staff_login(client, "adm")
    r = client.get("/admin/catalog/export.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content))["事项"]
    assert any(row[1] == "个体工商户注册登记" for row in sheet.iter_rows(min_row=2, values_only=True))
    assert "/admin/catalog" in client.get("/admin").text


def test_catalog_forms_without_csrf_are_refused(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局")
    session.commit()
    code = _item(session, "个体工商户注册登记", consult_phone=None)
    _staff_login(client, "adm")
    _csrf(client, f"/admin/catalog/{code}")
    r = client.post(f"/admin/catalog/{code}/publish", data={})
    assert r.status_code == 403 and "页面已过期" in r.text
    r = client.post(f"/admin/catalog/{code}/retire", data={"reason": "x", "csrf_token": "forged.value"})
    assert r.status_code == 403
    r = client.post(f"/admin/catalog/{code}/edit", data={"name": "改名"})
    assert r.status_code == 403
    assert "改名" not in client.get(f"/admin/catalog/{code}").text


def test_eform_renders_accessibly_and_validates_on_the_server(client, session) -> None:  # type: ignore[no-untyped-def]
    import re as _re

    from tests.catalog import factories as cf

    schema = {"type": "object", "title": "测试申请表", "properties": {
        "shop": {"type": "string", "title": "店名", "maxLength": 5, "description": "与营业执照一致"},
        "kind": {"type": "string", "title": "业态", "enum": ["餐饮", "销售"]},
        "staff": {"type": "integer", "title": "人数", "minimum": 1},
        "online": {"type": "boolean", "title": "网络经营"}}, "required": ["shop", "kind"]}
    code = cf.published(session, form_schema=schema)
    session.commit()
    page = client.get(f"/items/{code}/form")
    assert page.status_code == 200
    html = page.text
    assert '<label for="f-shop">店名' in html and 'aria-describedby="f-shop-hint"' in html
    assert '<select id="f-kind"' in html and 'type="checkbox" id="f-online"' in html
    token = _re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    bad = client.post(f"/items/{code}/form", data={"csrf_token": token, "shop": "一个很长的店名啊", "staff": "0"})
    assert bad.status_code == 422
    assert "店名：内容过长" in bad.text and "业态：必填" in bad.text and "人数：数值过小" in bad.text
    assert 'aria-invalid="true"' in bad.text and 'value="一个很长的店名啊"' in bad.text
    good = client.post(f"/items/{code}/form", data={"csrf_token": token, "shop": "小店", "kind": "餐饮",
                                                    "staff": "3", "online": "on"})
    assert good.status_code == 200 and "表单填写正确" in good.text
    assert client.post(f"/items/{code}/form", data={"shop": "x"}).status_code == 403
