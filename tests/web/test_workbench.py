"""The staff workbench for cases: queues, the case page and its actions, window intake."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from tests.web.helpers import staff_login
from yiwang.cases import service as cases
from yiwang.core import clock

MONDAY_MORNING = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
HEALTH = "区卫生健康局"


def _login(app, login: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    staff_login(client, login)
    return client


def _form_of(html: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    version = re.search(r'name="version" value="(\d+)"', html)
    assert token
    return {"csrf_token": token.group(1), "version": version.group(1) if version else ""}


def _act(client: TestClient, no: str, action: str, **fields: Any):  # type: ignore[no-untyped-def]
    page = client.get(f"/workbench/cases/{no}")
    assert page.status_code == 200, page.text
    assert f'name="action" value="{action}"' in page.text, f"{action} not offered"
    return client.post(f"/workbench/cases/{no}/actions", data=_form_of(page.text) | {"action": action, **fields},
                       follow_redirects=False)


def _case_nos(html: str) -> list[str]:
    return re.findall(r'<a class="code" href="/workbench/cases/([^"]+)">', html)


def _health_case(session, w: cw.World) -> str:  # type: ignore[no-untyped-def]
    code = cf.published(session, department=HEALTH)
    case = cases.submit(session, w.applicant, item_code=code, form={
        "contact_name": "张三", "contact_phone": "13800138000", "description": "卫生许可"},
        materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant)),
                   cases.MaterialIn("身份证明", cw.upload(session, w.applicant, "id.pdf"))])
    return case.case_no


# --- queues -------------------------------------------------------------------------------------------

def test_queue_shows_only_the_departments_cases(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    mine = [cw.submit(session, w), cw.submit(session, w)]
    theirs = _health_case(session, w)
    session.commit()
    handler = _login(app, "handler")
    page = handler.get("/workbench/cases", params={"view": "all"})
    assert page.status_code == 200
    assert sorted(_case_nos(page.text)) == sorted(mine) and "共 2 件" in page.text
    for heading in ("办件编号", "事项", "申请人", "状态", "提交时间", "期限", "剩余工作日", "灯色"):
        assert f'<th scope="col">{heading}</th>' in page.text
    assert "张三" in page.text and "已提交，待受理" in page.text
    other = _login(app, "other")
    assert _case_nos(other.get("/workbench/cases", params={"view": "all"}).text) == [theirs]
    # the search does not reach across departments either
    assert _case_nos(other.get("/workbench/cases", params={"view": "all", "q": mine[0]}).text) == []


def test_my_queue_follows_the_steps_my_roles_take(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    waiting, at_handle, at_check = cw.submit(session, w), cw.submit(session, w), cw.submit(session, w)
    cases.apply(session, w.handler, case_no=at_handle, action="accept")
    cases.apply(session, w.handler, case_no=at_check, action="accept")
    cases.apply(session, w.handler, case_no=at_check, action="review")
    session.commit()
    handler = _login(app, "handler")
    page = handler.get("/workbench/cases")  # 我的待办 is the default tab
    assert 'aria-current="page">我的待办' in page.text
    assert sorted(_case_nos(page.text)) == sorted([waiting, at_handle])
    assert "承办环节" in page.text
    checker = _login(app, "checker")
    found = _case_nos(checker.get("/workbench/cases", params={"view": "mine"}).text)
    assert at_check in found and at_handle not in found
    assert sorted(_case_nos(checker.get("/workbench/cases", params={"view": "all"}).text)) == sorted(
        [waiting, at_handle, at_check])
    home = handler.get("/workbench").text
    assert "我的待办" in home and '<strong class="count">2</strong>' in home and "本部门办件" in home
    assert "窗口收件" not in home


def test_light_and_status_filters(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(MONDAY_MORNING):
        late = cw.submit(session, w)  # to be answered by Monday 9 March
    with clock.frozen(MONDAY_MORNING + dt.timedelta(days=7)):
        fresh = cw.submit(session, w)  # by Monday 16 March
    session.commit()
    handler = _login(app, "handler")
    with clock.frozen(MONDAY_MORNING + dt.timedelta(days=8)):  # Tuesday 10 March
        page = handler.get("/workbench/cases", params={"view": "all"}).text
        assert _case_nos(page) == [late, fresh]  # the most urgent first
        red = handler.get("/workbench/cases", params={"view": "all", "light": "red"}).text
        assert _case_nos(red) == [late]
        assert "红灯·已超期" in red and "已超期 1 个工作日" in red  # in words, not colour alone
        green = handler.get("/workbench/cases", params={"view": "all", "light": "green"}).text
        assert _case_nos(green) == [fresh] and "绿灯·正常" in green
        assert _case_nos(handler.get("/workbench/cases", params={"view": "all", "light": "yellow"}).text) == []
    cases.apply(session, w.handler, case_no=fresh, action="accept")
    session.commit()
    accepted = handler.get("/workbench/cases", params={"view": "all", "status": "accepted"}).text
    assert _case_nos(accepted) == [fresh] and '<option value="accepted" selected>' in accepted
    # odd filter values are ignored rather than failing
    assert handler.get("/workbench/cases", params={"light": "purple", "status": "nope", "page": "x"}).status_code == 200


def test_search_by_case_number_and_item_name(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    a, b = cw.submit(session, w), cw.submit(session, w)
    session.commit()
    handler = _login(app, "handler")
    assert _case_nos(handler.get("/workbench/cases", params={"view": "all", "q": b}).text) == [b]
    by_name = handler.get("/workbench/cases", params={"view": "all", "q": "测试许可"}).text
    assert sorted(_case_nos(by_name)) == sorted([a, b])
    nothing = handler.get("/workbench/cases", params={"view": "all", "q": "不存在的事项"}).text
    assert "没有符合条件的办件" in nothing and "清除筛选" in nothing


def test_queue_needs_a_staff_login(client, session) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/workbench/cases", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")


# --- the case page ---------------------------------------------------------------------------------------

def test_case_page_offers_only_the_allowed_actions(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    handler = _login(app, "handler")
    page = handler.get(f"/workbench/cases/{no}").text
    offered = set(re.findall(r'name="action" value="([a-z_]+)"', page))
    assert offered == {"accept", "reject", "request_correction"}
    assert "一次性告知" in page and 'value="申请书"' in page and 'value="身份证明"' in page
    for part in ("办件概况", "申请表", "申请材料", "办理过程", "联系人", "13800138000", "网上申请", "承诺件"):
        assert part in page, part
    checker = _login(app, "checker")
    page = checker.get(f"/workbench/cases/{no}").text
    assert 'name="action"' not in page and "没有可执行的操作" in page


def test_a_case_goes_from_acceptance_to_delivery_through_the_pages(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    handler, checker, approver = _login(app, "handler"), _login(app, "checker"), _login(app, "approver")
    r = _act(handler, no, "accept", comment="材料齐全，予以受理")
    assert r.status_code == 303 and r.headers["location"] == f"/workbench/cases/{no}?done=accept"
    page = handler.get(r.headers["location"]).text
    assert "已完成：受理" in page and "承办意见" in page and "承办通过，转审核" in page
    assert _act(handler, no, "review", comment="符合条件").status_code == 303
    page = checker.get(f"/workbench/cases/{no}").text
    assert "审核意见" in page and "审核通过，转审批" in page
    assert _act(checker, no, "review", comment="同意").status_code == 303
    page = approver.get(f"/workbench/cases/{no}").text
    assert set(re.findall(r'name="action" value="([a-z_]+)"', page)) == {"approve", "deny", "extend", "return_previous"}
    assert _act(approver, no, "approve", comment="准予").status_code == 303
    assert _act(handler, no, "deliver", comment="窗口领取").status_code == 303
    page = handler.get(f"/workbench/cases/{no}").text
    assert "已送达" in page and "准予许可" in page and "窗口领取" in page and "handler员" in page
    case = cases.get_case(session, w.applicant, no)
    session.refresh(case)
    assert case.status == "delivered" and case.outcome == "approved"
    assert [e.action for e in cases.timeline(session, case)] == [
        "submit", "accept", "review", "review", "approve", "deliver"]


def test_stale_version_is_a_conflict_and_does_not_act(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    first, second = _login(app, "handler"), _login(app, "clerk")
    stale = _form_of(first.get(f"/workbench/cases/{no}").text)
    assert _act(second, no, "accept").status_code == 303  # the other clerk was quicker
    r = first.post(f"/workbench/cases/{no}/actions", data=stale | {"action": "reject", "comment": "不属于本部门"})
    assert r.status_code == 409
    assert "已被其他人处理" in r.text and "您的操作没有执行" in r.text
    assert "已受理" in r.text and 'name="action" value="review"' in r.text  # the fresh page
    case = cases.get_case(session, w.handler, no)
    session.refresh(case)
    assert case.status == "accepted" and len(cases.timeline(session, case)) == 2


def test_reasons_are_required_and_errors_show_on_the_page(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    handler = _login(app, "handler")
    r = _act(handler, no, "reject", comment="   ")
    assert r.status_code == 422
    assert "请填写不予受理的理由" in r.text and 'aria-invalid="true"' in r.text and 'href="#act-reject"' in r.text
    r = _act(handler, no, "request_correction", comment="请补正")
    assert r.status_code == 422 and "一次性告知" in r.text
    # the checker may not accept: said on the case page, not as a bare error page
    checker = _login(app, "checker")
    form = _form_of(checker.get(f"/workbench/cases/{no}").text)
    r = checker.post(f"/workbench/cases/{no}/actions", data=form | {"action": "accept", "version": "1"})
    assert r.status_code == 403 and "办件概况" in r.text and "不能执行" in r.text
    r = _act(handler, no, "request_correction", materials=["申请书"], other="申请表联系人与身份证明不一致")
    assert r.status_code == 303
    page = handler.get(f"/workbench/cases/{no}").text
    assert "第 1 次告知" in page and "申请书、申请表联系人与身份证明不一致" in page
    case = cases.get_case(session, w.handler, no)
    session.refresh(case)
    assert case.status == "correction_requested"


def test_suspend_and_extend_through_the_page(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session, promised_limit={"value": 10, "unit": "working_day"})
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    session.commit()
    handler, approver = _login(app, "handler"), _login(app, "approver")
    r = _act(handler, no, "suspend", kind="bogus", days="3")
    assert r.status_code == 422 and "请选择特别程序种类" in r.text
    r = _act(handler, no, "suspend", kind="expert_review", days="x")
    assert r.status_code == 422 and "天数请填写整数" in r.text
    assert _act(handler, no, "suspend", kind="expert_review", days="5", comment="组织专家评审").status_code == 303
    page = handler.get(f"/workbench/cases/{no}").text
    assert "专家评审" in page and "暂停计时" in page and "特别程序期间不计入办理时限" in page
    assert _act(handler, no, "resume").status_code == 303
    r = _act(approver, no, "extend", days="11", comment="需补充核查")
    assert r.status_code == 422 and "延长天数" in r.text
    assert _act(approver, no, "extend", days="3", comment="需补充核查").status_code == 303
    assert "已延长 3 个工作日" in approver.get(f"/workbench/cases/{no}").text


def test_other_departments_cases_are_not_found(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    case = cases.get_case(session, w.handler, no)
    file_id = cases.case_materials(session, case)[0].file_id
    session.commit()
    handler = _login(app, "handler")
    preview = handler.get(f"/workbench/cases/{no}/files/{file_id}")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert preview.headers["content-disposition"].startswith("inline")
    assert preview.headers["x-content-type-options"] == "nosniff"
    assert f'/workbench/cases/{no}/files/{file_id}' in handler.get(f"/workbench/cases/{no}").text
    other = _login(app, "other")
    form = _form_of(other.get("/workbench").text)
    assert other.get(f"/workbench/cases/{no}").status_code == 404
    assert other.get(f"/workbench/cases/{no}/files/{file_id}").status_code == 404
    r = other.post(f"/workbench/cases/{no}/actions", data=form | {"action": "accept", "version": "1"})
    assert r.status_code == 404 and "办件不存在" in r.text
    assert cases.get_case(session, w.handler, no).status == "submitted"
    assert handler.get(f"/workbench/cases/{no}/files/not-a-file").status_code == 404


def test_actions_without_csrf_are_refused(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    handler = _login(app, "handler")
    handler.get(f"/workbench/cases/{no}")
    r = handler.post(f"/workbench/cases/{no}/actions", data={"action": "accept", "version": "1"})
    assert r.status_code == 403 and "页面已过期" in r.text
    r = handler.post(f"/workbench/cases/{no}/actions", data={"action": "accept", "version": "1",
                                                             "csrf_token": "forged.value"})
    assert r.status_code == 403
    assert cases.get_case(session, w.handler, no).status == "submitted"


def test_script_in_the_applicants_form_is_escaped(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w, form={"contact_name": "<script>alert(1)</script>", "contact_phone": "13800138000",
                                     "description": "<img src=x onerror=alert(2)>"})
    session.commit()
    page = _login(app, "handler").get(f"/workbench/cases/{no}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


# --- window intake ---------------------------------------------------------------------------------------

def _intake_post(client: TestClient, code: str, applicant: str, token: str = "t-1", **form: str):  # type: ignore[no-untyped-def]
    page = client.get("/workbench/intake", params={"item_code": code})
    assert page.status_code == 200
    data = {"csrf_token": _form_of(page.text)["csrf_token"], "_item": code, "_applicant": applicant, "_token": token,
            "contact_name": "王大爷", "contact_phone": "13900139000", "description": "窗口代为申请", **form}
    files = {"_file_0": ("申请书.pdf", cw.PDF + b"a", "application/pdf"),
             "_file_1": ("身份证.pdf", cw.PDF + b"b", "application/pdf")}
    return client.post("/workbench/intake", data=data, files=files, follow_redirects=False)


def test_window_clerk_files_for_a_registered_person(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    session.commit()
    clerk = _login(app, "clerk")
    assert "窗口收件" in clerk.get("/workbench").text
    page = clerk.get("/workbench/intake", params={"item_code": w.code})
    assert "已找到事项" in page.text and "测试许可事项" in page.text and 'name="_file_1"' in page.text
    r = _intake_post(clerk, w.code, w.applicant_id)
    assert r.status_code == 303, r.text
    no = r.headers["location"].split("/")[-1].split("?")[0]
    page = clerk.get(r.headers["location"]).text
    assert "收件成功" in page and "窗口收件" in page and "王大爷" in page
    # the same form token again does not create a second case
    again = _intake_post(clerk, w.code, w.applicant_id)
    assert again.status_code == 303 and again.headers["location"].split("/")[-1].split("?")[0] == no
    total, found = cases.list_cases(session, w.applicant)
    assert total == 1 and found[0].case_no == no and found[0].channel == "window"
    assert cases.get_case(session, w.handler, no).status == "submitted"  # on to the department


def test_intake_refuses_an_unregistered_applicant_and_bad_input(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    session.commit()
    clerk = _login(app, "clerk")
    r = _intake_post(clerk, w.code, f.id_number())
    assert r.status_code == 422 and "尚未注册" in r.text and 'value="王大爷"' in r.text
    assert 'aria-invalid="true"' in r.text
    r = _intake_post(clerk, w.code, "")
    assert r.status_code == 422 and "请输入申请人的身份证号码" in r.text
    r = _intake_post(clerk, w.code, w.applicant_id, contact_phone="abc")
    assert r.status_code == 422 and "联系电话" in r.text
    lookup = clerk.get("/workbench/intake", params={"item_code": "NO-SUCH-ITEM"})
    assert lookup.status_code == 404 and 'aria-invalid="true"' in lookup.text
    assert cases.list_cases(session, w.applicant)[0] == 0
    # staff without the intake permission are refused
    assert _login(app, "checker").get("/workbench/intake").status_code == 403


def test_conflicts_from_the_service_are_shown_with_the_fresh_page(app, session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang.cases.errors import CaseConflict

    w = cw.world(session)
    no = cw.submit(session, w)
    for actor, action in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review")):
        cases.apply(session, actor, case_no=no, action=action)
    session.commit()
    approver = _login(app, "approver")
    form = _form_of(approver.get(f"/workbench/cases/{no}").text)
    # an action the case's situation does not allow: 409 with the reason, on the case page
    r = approver.post(f"/workbench/cases/{no}/actions", data=form | {"action": "review"})
    assert r.status_code == 409 and "请作出准予或不予许可的决定" in r.text and "办件概况" in r.text

    def lost_race(*args: Any, **kwargs: Any) -> Any:
        raise CaseConflict("该办件刚被其他人处理过，请刷新后查看最新状态", field="case_no")

    monkeypatch.setattr(cases, "apply", lost_race)
    r = approver.post(f"/workbench/cases/{no}/actions", data=form | {"action": "approve"})
    assert r.status_code == 409 and "刚被其他人处理过" in r.text and 'name="action" value="approve"' in r.text


def test_staff_print_the_notices(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    session.commit()
    handler = _login(app, "handler")
    page = handler.get(f"/workbench/cases/{no}")
    assert f"/workbench/cases/{no}/notices/accept" in page.text
    pdf = handler.get(f"/workbench/cases/{no}/notices/accept")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _login(app, "other").get(f"/workbench/cases/{no}/notices/accept").status_code == 404
