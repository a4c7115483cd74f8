"""The README walk-through ("Try the whole path in the browser") end to end in headless chromium, as each role,
through the pages only: 张三 applies with materials, the window clerk accepts, handler/checker/approver decide,
the licence is issued by the worker inside ``yiwang serve``, the handler delivers, 张三 follows the case, downloads
the notices and the signed licence and verifies it at ``/verify``; the supervisor issues a 督办单 that the handler
answers, scores the month; 张三 and the handler go through a bad review's rectification. Every visited page is
checked with axe-core (WCAG 2.1 A/AA): zero violations.

The steps are tests of their own that run in order and share ``STATE``; a failed step skips the ones after it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.browser.conftest import Roles, check_page
from tests.browser.live import Walk
from tests.browser.steps import act, base_of, go, submit, upload_and_submit

pytestmark = pytest.mark.browser

ITEM_NAME = "食品经营许可（新办）"
ID_NUMBER = "440104199003071239"
WALK = Walk()
STATE = WALK.state


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest) -> None:
    WALK.skip_after_failure(request.node.name)


_step = WALK.step


def test_applicant_finds_the_item_and_applies(roles: Roles, tmp_path: Path) -> None:
    with _step("test_applicant_finds_the_item_and_applies"):
        page = roles["applicant"]
        go(page, "/")
        page.get_by_role("link", name="办事指南").first.click()
        page.wait_for_load_state()
        check_page(page)
        page.locator("main input[name=q]").first.fill(ITEM_NAME)
        submit(page, page.locator("main form[role=search] button, main form button").first)
        submit(page, page.get_by_role("link", name=ITEM_NAME).first)
        submit(page, page.get_by_role("link", name="在线申请").first)
        assert "/apply/" in page.url
        STATE["item_code"] = page.url.split("/apply/")[1].split("?")[0]
        page.fill("#f-business_name", "张三小吃店")
        page.fill("#f-premises", "广州市越秀区洪桥街道示范路 1 号")
        page.select_option("#f-main_form", "餐饮服务经营者")
        page.fill("#f-business_items", "热食类食品制售")
        page.fill("#f-area", "45")
        page.fill("#f-staff_count", "3")
        STATE["case_no"] = upload_and_submit(page, tmp_path)
        go(page, "/my/cases")
        assert STATE["case_no"] in page.locator("main").inner_text()


def test_clerk_accepts_from_my_queue(roles: Roles) -> None:
    with _step("test_clerk_accepts_from_my_queue"):
        page = roles["clerk"]
        go(page, "/workbench")
        go(page, "/workbench/cases?view=mine")
        assert STATE["case_no"] in page.locator("main").inner_text()
        submit(page, page.get_by_role("link", name=STATE["case_no"]))
        act(page, STATE["case_no"], "accept", "材料齐全，予以受理")


def test_handler_checker_approver_decide(roles: Roles) -> None:
    with _step("test_handler_checker_approver_decide"):
        case_no = STATE["case_no"]
        act(roles["handler"], case_no, "review", "经审查，符合条件")
        act(roles["checker"], case_no, "review", "同意承办意见")
        act(roles["approver"], case_no, "approve", "准予许可")


def test_licence_is_issued_and_handler_delivers(roles: Roles) -> None:
    with _step("test_licence_is_issued_and_handler_delivers"):
        page = roles["applicant"]
        deadline = time.monotonic() + 60
        while True:
            go(page, f"/my/cases/{STATE['case_no']}")
            links = page.locator("main a[href^='/my/licenses/']")
            if links.count():
                STATE["license_url"] = links.first.get_attribute("href")
                break
            assert time.monotonic() < deadline, "no licence issued within 60 s"
            time.sleep(1)
        act(roles["handler"], STATE["case_no"], "deliver", "电子送达")


def test_applicant_follows_the_case_and_downloads_notices(roles: Roles, tmp_path: Path) -> None:
    with _step("test_applicant_follows_the_case_and_downloads_notices"):
        page = roles["applicant"]
        go(page, "/my/cases")
        submit(page, page.locator(f"main a[href*='{STATE['case_no']}']").first)
        notices = page.locator("main a[href*='/notices/']")
        assert notices.count() >= 1
        with page.expect_download() as download:
            notices.first.click()
        saved = tmp_path / "notice.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        # anyone can follow the case at /progress with the case number and the last four digits
        anon = roles["anonymous"]
        go(anon, base_of(page) + "/progress")
        anon.fill("#case_no", STATE["case_no"])
        anon.fill("#tail", ID_NUMBER[-4:])
        submit(anon, anon.locator("main form button.primary"))
        assert anon.locator("main time").count() >= 3, anon.locator("main").inner_text()[:500]


def test_applicant_downloads_and_shares_the_licence(roles: Roles) -> None:
    with _step("test_applicant_downloads_and_shares_the_licence"):
        page = roles["applicant"]
        go(page, "/my/licenses")
        go(page, STATE["license_url"])
        dts = page.locator("main dl.facts dt")
        assert dts.count() >= 5
        with page.expect_download() as download:
            page.get_by_role("link", name="下载签章 PDF").click()
        saved = Path(roles.live.home) / "licence.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        STATE["license_pdf"] = saved
        submit(page, page.get_by_role("button", name="生成核验链接"))
        link = page.get_by_role("textbox", name="核验链接").input_value()
        assert "/verify/" in link
        anon = roles["anonymous"]
        go(anon, link)
        assert "核验通过" in anon.locator("main").inner_text()
        # the QR code's target: /verify/<id>
        go(anon, base_of(page) + "/verify/" + STATE["license_url"].rsplit("/", 1)[1])


def test_verify_page_upload_says_the_licence_is_genuine(roles: Roles) -> None:
    pdf = STATE.get("license_pdf")
    if pdf is None:
        pytest.skip("no licence downloaded")
    anon = roles["anonymous"]
    go(anon, base_of(roles["applicant"]) + "/verify")
    anon.set_input_files("#file", str(pdf))
    submit(anon, anon.locator("main form button.primary"))
    result = anon.locator("main .verify-result").inner_text()
    assert "核验通过" in result, result


def test_supervisor_issues_an_order_the_handler_answers(roles: Roles) -> None:
    with _step("test_supervisor_issues_an_order_the_handler_answers"):
        sup = roles["supervisor"]
        go(sup, "/console")
        main = sup.locator("main").inner_text()
        assert "红" in main and "黄" in main, main[:800]
        # an alert of the market regulator's (the demo has alerts of other departments too)
        market_row = sup.locator("main table tbody tr").filter(has_text="广州市越秀区市场监督管理局")
        submit(sup, market_row.locator("a[href^='/console/orders?']").first)
        check_page(sup)
        dept = sup.locator("#o-dept")
        if not dept.input_value():
            dept.select_option(label="广州市越秀区市场监督管理局")
        sup.fill("#o-subject", "办件逾期未答复")
        sup.fill("#o-content", "请于期限内说明原因并加快办理。")
        submit(sup, sup.locator("main form[action='/console/orders'] button.primary"))
        assert "/console/orders/" in sup.url, sup.locator("main").inner_text()[:800]
        STATE["order_url"] = sup.url.split(base_of(sup))[1].split("?")[0]
        assert sup.get_by_test_id("flash").count() == 1, "issuing confirms with a message"
        handler = roles["handler"]
        go(handler, "/console/orders")
        submit(handler, handler.locator(f"main a[href='{STATE['order_url']}']"))
        handler.fill("#reply", "已督促承办人员于明日办结。")
        submit(handler, handler.locator("main form[action$='/reply'] button"))
        assert "已督促承办人员于明日办结" in handler.locator("main").inner_text()
        assert handler.locator("#reply").count() == 0, "the reply form is gone once replied"
        go(sup, STATE["order_url"])
        assert "已答复" in sup.locator("main").inner_text()


def test_supervisor_scores_the_month_and_exports(roles: Roles) -> None:
    with _step("test_supervisor_scores_the_month_and_exports"):
        sup = roles["supervisor"]
        go(sup, "/console/scores")
        assert sup.locator("main table tbody tr").count() >= 1
        for fmt in ("csv", "xlsx"):
            response = sup.context.request.get(base_of(sup) + f"/console/scores?format={fmt}")
            assert response.status == 200 and len(response.body()) > 20
        go(sup, "/console/rules")
        # change a rule through the Chinese form, for an item of the supervisor's district
        form = sup.locator("#rule-approaching")
        form.get_by_label("适用范围").select_option("item")
        form.get_by_label("事项类型代码或事项编码").fill(STATE["item_code"])
        form.get_by_label("提前预警（工作日）").fill("2")
        submit(sup, form.get_by_role("button"))
        assert sup.get_by_test_id("flash").count() == 1, sup.locator("main").inner_text()[:500]
        assert STATE["item_code"] in sup.get_by_test_id("rules-in-force").inner_text()


def test_bad_review_rectification(roles: Roles) -> None:
    with _step("test_bad_review_rectification"):
        page = roles["applicant"]
        go(page, "/my/cases")
        # the demo's licensed case rated 非常不满意
        handler = roles["handler"]
        go(handler, "/workbench/rectifications")
        tasks = handler.locator("main a[href^='/workbench/rectifications/']")
        assert tasks.count() >= 1, handler.locator("main").inner_text()[:500]
        submit(handler, tasks.first)
        case_no = re.search(r"\d{14,}", handler.locator("main").inner_text())
        handler.fill("#note", "已电话回访申请人，核实情况属实。")
        submit(handler, handler.locator("form[action$='/callback'] button"))
        if handler.locator("#callback_note").count():
            handler.fill("#callback_note", "电话回访")
        handler.fill("#text", "已对窗口人员进行批评教育，并优化了材料清单说明。")
        submit(handler, handler.locator("form[action$='/reply'] button"))
        assert handler.locator(".alert").count() == 0, handler.locator(".alert").first.inner_text()
        assert case_no, "the rectification names its case"
        go(page, f"/my/cases/{case_no.group(0)}/evaluation")
        assert "整改答复" in page.locator("main").inner_text()
        # and can re-rate
        assert page.locator("main form input[name=level]").count() >= 1


def test_every_step_left_messages(roles: Roles) -> None:
    with _step("test_every_step_left_messages"):
        page = roles["applicant"]
        go(page, "/my/messages")
        assert page.locator("main li, main tr").count() >= 3
        go(roles["handler"], "/workbench/messages")
