"""Applicant pages: apply online, my affairs (list, detail, correction, withdraw, files, notices) and the
public progress query — without JavaScript, with CSRF, each applicant seeing only their own cases."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from tests import factories as f
from tests.cases import factories as cw
from tests.web.helpers import applicant_login as _login
from tests.web.helpers import csrf_of as _csrf
from yiwang.cases import service as cases
from yiwang.cases.models import ApplicationDraft, Case

PDF = cw.PDF
FORM = {"contact_name": "张三", "contact_phone": "13800138000", "description": "申请办理"}


def _world(session, **item: Any) -> cw.World:  # type: ignore[no-untyped-def]
    w = cw.world(session, **item)
    session.commit()
    return w


def _apply_form(client, code: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/apply/{code}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token
    return {"csrf_token": _csrf(page.text), "form_token": token.group(1)}


def _pdf_file(name: str) -> tuple[str, bytes, str]:
    return (name, PDF + name.encode(), "application/pdf")


def _case_count(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()  # see what the app committed
    return session.scalar(select(func.count()).select_from(Case)) or 0


def _case_no(location: str) -> str:
    m = re.match(r"/my/cases/([^?/]+)", location)
    assert m, location
    return m.group(1)


def test_apply_needs_an_applicant_login(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    r = client.get(f"/apply/{w.code}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/apply/{w.code}"
    assert client.get("/my/cases", follow_redirects=False).status_code == 303


def test_apply_page_shows_item_form_materials_and_pledge(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session, pledge_allowed=True, materials=[
        {"name": "申请书", "required": True}, {"name": "身份证明", "required": True, "deficiency_allowed": True},
        {"name": "其他证明", "required": False}])
    _login(client, w.applicant_id)
    page = client.get(f"/apply/{w.code}").text
    assert "区市场监督管理局" in page and 'enctype="multipart/form-data"' in page
    assert 'id="f-contact_name"' in page and 'name="form_token"' in page
    for word in ("必要", "容缺后补", "可选"):
        assert word in page
    assert 'name="pledge"' in page and "本人承诺" in page
    assert "保存草稿" in page and "提交申请" in page and "<script" not in page


def test_apply_with_uploads_creates_exactly_one_case_even_when_posted_twice(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    _login(client, w.applicant_id)
    data = {**_apply_form(client, w.code), **FORM, "intent": "submit"}
    files = [("m0", _pdf_file("申请书.pdf")), ("m1", _pdf_file("身份证.pdf"))]
    first = client.post(f"/apply/{w.code}", data=data, files=files, follow_redirects=False)
    assert first.status_code == 303, first.text
    assert first.headers["location"].endswith("?done=submitted")
    again = client.post(f"/apply/{w.code}", data=data, files=files, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert _case_count(session) == 1
    no = _case_no(first.headers["location"])
    page = client.get(first.headers["location"])
    assert page.status_code == 200 and "申请已提交" in page.text and no in page.text
    assert "提交申请" in page.text and "申请书" in page.text and "张三" in page.text
    case = cases.get_case(session, w.applicant, no)
    assert case.status == "submitted" and len(cases.case_materials(session, case)) == 2


def test_missing_required_material_is_listed_and_input_kept(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    _login(client, w.applicant_id)
    data = {**_apply_form(client, w.code), **FORM, "intent": "submit"}
    # the identity input is left empty, as a browser sends it
    r = client.post(f"/apply/{w.code}", data=data,
                    files=[("m0", _pdf_file("申请书.pdf")), ("m1", ("", b"", "application/octet-stream"))])
    assert r.status_code == 422
    assert "请修改以下 1 处问题" in r.text and "身份证明：缺少此项必要材料" in r.text and 'href="#m1"' in r.text
    assert re.search(r'id="m1"[^>]*aria-invalid="true"', r.text)
    assert 'value="张三"' in r.text and "已上传：申请书.pdf" in r.text
    kept = re.search(r'name="keep0" value="([^"]+)"', r.text)
    assert kept and _case_count(session) == 0
    # the kept file is used again: only the missing one is uploaded
    data["keep0"] = kept.group(1)
    r = client.post(f"/apply/{w.code}", data=data, files=[("m1", _pdf_file("身份证.pdf"))], follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _case_count(session) == 1


def test_form_problems_are_shown_per_field(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    _login(client, w.applicant_id)
    data = {**_apply_form(client, w.code), **FORM, "contact_phone": "abc", "intent": "submit"}
    r = client.post(f"/apply/{w.code}", data=data,
                    files=[("m0", _pdf_file("a.pdf")), ("m1", _pdf_file("b.pdf"))])
    assert r.status_code == 422
    assert re.search(r'id="f-contact_phone"[^>]*aria-invalid="true"', r.text, re.S)
    assert 'aria-describedby="f-contact_phone-hint f-contact_phone-error"' in r.text
    assert "联系电话：格式不正确" in r.text and 'value="abc"' in r.text
    bad = client.post(f"/apply/{w.code}", data=data, files=[("m0", ("x.pdf", b"not a pdf", "application/pdf"))])
    assert bad.status_code == 422 and "不支持的文件类型" in bad.text


def test_draft_save_and_continue(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    _login(client, w.applicant_id)
    data = {**_apply_form(client, w.code), "contact_name": "张三", "intent": "draft"}
    r = client.post(f"/apply/{w.code}", data=data, files=[("m0", _pdf_file("申请书.pdf"))], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/apply/{w.code}?saved=1"
    page = client.get(r.headers["location"]).text
    assert "草稿已保存" in page and 'value="张三"' in page and "已上传：申请书.pdf" in page
    listing = client.get("/my/cases").text
    assert "未提交的草稿" in listing and f'href="/apply/{w.code}"' in listing and "继续填写" in listing
    # continue: the kept file plus the missing one and the rest of the form
    form = {**_apply_form(client, w.code), **FORM, "intent": "submit",
            "keep0": re.search(r'name="keep0" value="([^"]+)"', page).group(1)}  # type: ignore[union-attr]
    r = client.post(f"/apply/{w.code}", data=form, files=[("m1", _pdf_file("id.pdf"))], follow_redirects=False)
    assert r.status_code == 303, r.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ApplicationDraft)) == 0
    assert "未提交的草稿" not in client.get("/my/cases").text


def test_someone_elses_kept_file_is_not_used(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    other, _ = f.person(session, "李四")
    foreign = cw.upload(session, other)
    session.commit()
    _login(client, w.applicant_id)
    data = {**_apply_form(client, w.code), **FORM, "intent": "submit", "keep0": foreign}
    r = client.post(f"/apply/{w.code}", data=data, files=[("m1", _pdf_file("id.pdf"))])
    assert r.status_code == 422 and "申请书：缺少此项必要材料" in r.text and foreign not in r.text


def test_my_cases_lists_only_own_cases(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    mine = cw.submit(session, w)
    other, other_id = f.person(session, "李四")
    theirs = cw.submit(session, w, actor=other, materials=[
        cases.MaterialIn("申请书", cw.upload(session, other)), cases.MaterialIn("身份证明", cw.upload(session, other))])
    session.commit()
    _login(client, w.applicant_id)
    page = client.get("/my/cases")
    assert page.status_code == 200
    assert mine in page.text and theirs not in page.text
    assert "已提交，待受理" in page.text and "正常" in page.text and '<th scope="col">' in page.text


def test_another_persons_case_is_a_404_everywhere(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    other, _ = f.person(session, "李四")
    file_id = cw.upload(session, other)
    theirs = cw.submit(session, w, actor=other, materials=[
        cases.MaterialIn("申请书", file_id), cases.MaterialIn("身份证明", cw.upload(session, other, "id.pdf"))])
    cases.apply(session, w.handler, case_no=theirs, action="accept")
    session.commit()
    _login(client, w.applicant_id)
    for url in (f"/my/cases/{theirs}", f"/my/cases/{theirs}/files/{file_id}", f"/my/cases/{theirs}/notices/accept",
                "/my/cases/44010420990101999999"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "办件不存在" in r.text or "文件不存在" in r.text
    page = client.get("/my/cases/x")
    assert page.status_code == 404
    token = _csrf(client.get("/my/cases").text)
    r = client.post(f"/my/cases/{theirs}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 404
    session.rollback()
    assert cases.get_case(session, other, theirs).status == "accepted"


def test_own_material_file_downloads(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    file_id = cw.upload(session, w.applicant, "申请书.pdf")
    no = cw.submit(session, w, materials=[cases.MaterialIn("申请书", file_id),
                                          cases.MaterialIn("身份证明", cw.upload(session, w.applicant, "id.pdf"))])
    session.commit()
    _login(client, w.applicant_id)
    page = client.get(f"/my/cases/{no}").text
    assert f"/my/cases/{no}/files/{file_id}" in page
    r = client.get(f"/my/cases/{no}/files/{file_id}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and "attachment" in r.headers["content-disposition"]


def test_correction_notice_is_answered_through_the_page(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="request_correction", materials=["申请书", "身份证明"],
                comment="申请书未签字；身份证明不清晰")
    session.commit()
    _login(client, w.applicant_id)
    page = client.get(f"/my/cases/{no}").text
    assert "请补正材料" in page and "申请书未签字" in page and "一次性告知补正" in page
    assert 'name="c0"' in page and 'name="c1"' in page
    assert f"/my/cases/{no}/notices/correction?seq=1" in page
    pdf = client.get(f"/my/cases/{no}/notices/correction?seq=1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    token = _csrf(page)
    # nothing chosen and nothing said: refused with the Chinese message, still waiting
    r = client.post(f"/my/cases/{no}/resubmit", data={"csrf_token": token, "comment": ""},
                    files=[("c0", ("", b"", "application/octet-stream"))])
    assert r.status_code == 422 and "请上传补正的材料" in r.text
    r = client.post(f"/my/cases/{no}/resubmit", data={"csrf_token": token, "comment": "已补签"},
                    files=[("c0", _pdf_file("signed.pdf")), ("c1", _pdf_file("id2.pdf"))], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=resubmitted")
    page = client.get(r.headers["location"]).text
    assert "补正材料已提交" in page and "补正后重新提交" in page and "请补正材料" not in page
    session.rollback()
    case = cases.get_case(session, w.applicant, no)
    assert case.status == "submitted"
    assert [m.round for m in cases.case_materials(session, case)] == [1, 1, 2, 2]


def test_withdraw_needs_confirmation(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    no = cw.submit(session, w)
    session.commit()
    _login(client, w.applicant_id)
    page = client.get(f"/my/cases/{no}").text
    assert "撤回申请" in page and 'name="confirm"' in page
    token = _csrf(page)
    r = client.post(f"/my/cases/{no}/withdraw", data={"csrf_token": token, "comment": "不办了"})
    assert r.status_code == 422 and "请勾选" in r.text and 'aria-invalid="true"' in r.text and "不办了" in r.text
    r = client.post(f"/my/cases/{no}/withdraw", data={"csrf_token": token, "confirm": "yes", "comment": "不办了"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "申请已撤回" in page and "已撤回" in page and 'name="confirm"' not in page
    # withdrawing twice is refused in Chinese, not a 500
    r = client.post(f"/my/cases/{no}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 409 and "不能执行" in r.text


def test_notices_follow_the_case_history(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    accepted = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=accepted, action="accept")
    rejected = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=rejected, action="reject", comment="不属于本机关职权范围")
    session.commit()
    _login(client, w.applicant_id)
    r = client.get(f"/my/cases/{accepted}/notices/accept")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert "attachment" in r.headers["content-disposition"]
    assert client.get(f"/my/cases/{accepted}/notices/reject").status_code == 404
    assert client.get(f"/my/cases/{accepted}/notices/correction").status_code == 404
    assert client.get(f"/my/cases/{accepted}/notices/licence").status_code == 404
    page = client.get(f"/my/cases/{rejected}").text
    assert "不予受理理由" in page and "不属于本机关职权范围" in page and "/notices/reject" in page
    assert client.get(f"/my/cases/{rejected}/notices/reject").content.startswith(b"%PDF")
    assert client.get(f"/my/cases/{rejected}/notices/accept").status_code == 404


def test_progress_query_with_right_and_wrong_tail(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    session.commit()
    phone = cases.get_case(session, w.applicant, no).applicant_phone
    form = client.get("/progress")
    assert form.status_code == 200 and 'name="case_no"' in form.text and 'for="tail"' in form.text
    r = client.get("/progress", params={"case_no": no, "tail": phone[-4:]})
    assert r.status_code == 200
    assert "查询结果" in r.text and "测试许可事项" in r.text and "已受理" in r.text and "受理" in r.text
    assert "张三" not in r.text and phone not in r.text and w.applicant_id not in r.text
    by_id = client.get("/progress", params={"case_no": no, "tail": w.applicant_id[-4:]})
    assert by_id.status_code == 200 and "已受理" in by_id.text
    wrong = client.get("/progress", params={"case_no": no, "tail": "0000" if phone[-4:] != "0000" else "1111"})
    unknown = client.get("/progress", params={"case_no": "44010420990101999999", "tail": phone[-4:]})
    assert wrong.status_code == unknown.status_code == 404
    message = "未找到该办件，请核对办件编号和手机号或证件号码后四位"
    assert message in wrong.text and message in unknown.text and "查询结果" not in wrong.text
    short = client.get("/progress", params={"case_no": no, "tail": "12"})
    assert short.status_code == 422 and 'aria-invalid="true"' in short.text


def test_forms_without_csrf_are_refused(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    no = cw.submit(session, w)
    session.commit()
    _login(client, w.applicant_id)
    data = {**_apply_form(client, w.code), **FORM, "intent": "submit"}
    data.pop("csrf_token")
    r = client.post(f"/apply/{w.code}", data=data, files=[("m0", _pdf_file("a.pdf")), ("m1", _pdf_file("b.pdf"))])
    assert r.status_code == 403 and "页面已过期" in r.text
    r = client.post(f"/my/cases/{no}/withdraw", data={"confirm": "yes", "csrf_token": "forged.value"})
    assert r.status_code == 403
    assert _case_count(session) == 1
    assert cases.get_case(session, w.applicant, no).status == "submitted"


def test_navigation_and_escaping(client, session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    no = cw.submit(session, w, form={**FORM, "description": "<script>alert(1)</script>"})
    session.commit()
    home = client.get("/").text
    assert 'href="/progress"' in home and 'href="/my/cases"' not in home
    _login(client, w.applicant_id)
    home = client.get("/").text
    assert 'href="/my/cases"' in home
    page = client.get(f"/my/cases/{no}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    guide = client.get(f"/items/{w.code}").text
    assert f'href="/apply/{w.code}"' in guide
