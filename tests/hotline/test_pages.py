"""The hotline's pages: registering a call with the routing's suggestion (and an override, recorded), the queues
of the centre and of a unit, an order's page with every action and the shown version checked, the knowledge
base for staff and the public, the override report and the rules, the citizen's 12345 page and own requests;
who may open each, the Chinese message and the typed values kept on bad input, and CSRF on every form."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.catalog import factories as cf
from tests.hotline import factories as hf
from tests.web.helpers import applicant_login, csrf_of, staff_login
from yiwang.core import clock
from yiwang.core.audit import AuditRecord
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.models import HotlineRule, HotlineTicket, KnowledgeEntry
from yiwang.hotline.schemas import ActionIn, KnowledgeIn, TicketIn

FUMES = "小区门口的餐馆油烟太大，每天晚上油烟飘进家里，窗户都不敢开"
NEW = "/workbench/hotline/new"


def _form(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _call(**over: str) -> dict[str, str]:
    return {"channel": "phone", "kind": "complaint", "content": FUMES, "contact_name": "李先生",
            "contact_phone": "13800138000", "region_code": "440104", "location": "解放北路 1 号",
            "department_id": "", "op": "submit"} | over


def _ticket(session: Session, actor: Actor, content: str = FUMES, **over: object) -> HotlineTicket:
    data = TicketIn.model_validate({"channel": "phone", "kind": "complaint", "content": content,
                                    "contact_phone": "13800138000", "region_code": "440104"} | over)
    ticket = hotline.create_ticket(session, actor, data)
    session.commit()
    return ticket


def _version(html: str) -> str:
    m = re.search(r'name="version" value="(\d+)"', html)
    assert m, "the page has no version field"
    return m.group(1)


def _act(client: TestClient, no: str, action: str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/workbench/hotline/{no}")
    assert page.status_code == 200, page.text
    assert f'name="action" value="{action}"' in page.text, f"{action} is not offered"
    data = {"csrf_token": csrf_of(page.text), "action": action, "version": _version(page.text)} | fields
    return client.post(f"/workbench/hotline/{no}/actions", data=data, follow_redirects=False)


def _client(client: TestClient, login: str | None = None) -> TestClient:
    other = TestClient(client.app)
    if login:
        staff_login(other, login)
    return other


# --- registering a call ----------------------------------------------------------------------------------------

def test_an_operator_registers_a_call_with_the_suggestion_and_an_override_is_recorded(
        session: Session, client: TestClient) -> None:
    w = hf.build(session)
    session.commit()
    staff_login(client, "op")
    with clock.frozen(hf.MONDAY):
        page = client.get(NEW)
        assert page.status_code == 200
        assert "智能派单建议" in page.text and "查看派单建议" in page.text and "hotline-routing.js" in page.text
        assert '<option value="440104001000"' in page.text and "洪桥街道" in page.text  # the region and its streets
        assert f'<option value="{w.depts["公安"]}"' in page.text
        token = csrf_of(page.text)

        shown = client.post(NEW, data=_call(op="suggest", csrf_token=token))
        assert shown.status_code == 200
        assert f'<strong id="suggested-unit">{hf.ECO}</strong>' in shown.text and "派单说明" in shown.text
        assert FUMES in shown.text and 'value="李先生"' in shown.text  # nothing typed is lost
        assert f"按智能派单建议（{hf.ECO}）" in shown.text
        empty = client.post(NEW, data=_call(op="suggest", content="", csrf_token=token))
        assert empty.status_code == 422 and "请先填写诉求内容" in empty.text

        bad_phone = client.post(NEW, data=_call(contact_phone="12", csrf_token=token))
        assert bad_phone.status_code == 422 and "请填写有效的联系电话" in bad_phone.text
        assert FUMES in bad_phone.text and 'value="12"' in bad_phone.text
        assert re.search(r'id="t-phone"[^>]*aria-invalid="true"', bad_phone.text)
        assert f'<strong id="suggested-unit">{hf.ECO}</strong>' in bad_phone.text
        short = client.post(NEW, data=_call(content="油烟", csrf_token=token))
        assert short.status_code == 422 and "诉求内容至少需要 5 个字" in short.text
        no_kind = client.post(NEW, data=_call(kind="", csrf_token=token))
        assert no_kind.status_code == 422 and "诉求类型应为" in no_kind.text
        odd_unit = client.post(NEW, data=_call(department_id="x1", csrf_token=token))
        assert odd_unit.status_code == 422 and "请从列表中选择承办单位" in odd_unit.text
        far = client.post(NEW, data=_call(region_code="440103", csrf_token=token))
        assert far.status_code == 422 and "不在您的辖区内" in far.text
        assert session.scalar(select(HotlineTicket.id)) is None

        made = client.post(NEW, data=_call(csrf_token=token), follow_redirects=False)
        assert made.status_code == 303 and "?done=created" in made.headers["location"]
        no = made.headers["location"].split("/")[-1].split("?")[0]
        page = client.get(made.headers["location"])
        assert "来电已登记" in page.text and hf.ECO in page.text and "按建议派单" in page.text
        assert "13800138000" in page.text and "李先生" in page.text  # the caller, for staff

        # the operator knows better: the police get it, and that is recorded as an override
        moved = client.post(NEW, data=_call(department_id=str(w.depts["公安"]), csrf_token=token),
                            follow_redirects=False)
        assert moved.status_code == 303
        other = moved.headers["location"].split("/")[-1].split("?")[0]
        page = client.get(f"/workbench/hotline/{other}")
        assert "已改派" in page.text and "未采用建议" in page.text and "未采用派单建议，已记录改派" in page.text
    session.expire_all()
    rows = {t.ticket_no: t for t in session.scalars(select(HotlineTicket))}
    assert rows[no].department_id == w.depts["生态环境"] and rows[no].overridden is False
    assert rows[other].department_id == w.depts["公安"] and rows[other].overridden is True
    assert rows[other].routing["department"] == hf.ECO
    audit = session.scalars(select(AuditRecord).where(AuditRecord.object_id == other)).all()
    assert any(a.action == "hotline_ticket.dispatch" and a.detail.get("overridden") is True for a in audit)
    report = client.get("/workbench/hotline/overrides")
    assert report.status_code == 200 and f"{hf.ECO} → {hf.PSB}" in report.text and other in report.text


# --- the queues and who may open them ---------------------------------------------------------------------------

def test_the_queues_show_each_role_its_own_orders_and_refuse_others(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    f.staff(session, "clerk", ["window_clerk"], hf.CENTRE)
    _, id_number = f.person(session, "王五")
    session.commit()
    with clock.frozen(hf.MONDAY):
        eco_no = _ticket(session, w.operator).ticket_no
        psb_no = _ticket(session, w.operator, "楼上邻居每天半夜唱歌噪音扰民，报警多次无果").ticket_no
        waiting = _ticket(session, w.operator, "想咨询一下老年人优待证怎么办理", kind="consult", dispatch=False)
        assert waiting.status == "registered"
    staff_login(client, "op")
    with clock.frozen(hf.MONDAY):
        home = client.get("/workbench")
        assert 'href="/workbench/hotline"' in home.text and "登记来电" in home.text and "热线工单" in home.text
        first = client.get("/workbench/hotline")
        assert first.status_code == 200 and 'aria-current="page">待派单' in first.text
        assert waiting.ticket_no in first.text and eco_no not in first.text
        handling = client.get("/workbench/hotline?tab=handling").text
        assert eco_no in handling and psb_no in handling and waiting.ticket_no not in handling
        assert hf.ECO in handling and "绿灯" in handling
        found = client.get("/workbench/hotline?tab=all&q=唱歌").text
        assert psb_no in found and eco_no not in found
        assert "共 0 件" in client.get("/workbench/hotline?light=red").text
    with clock.frozen(hf.MONDAY + dt.timedelta(days=7)):  # the complaints' two working days have passed
        red = client.get("/workbench/hotline?light=red").text
        assert eco_no in red and psb_no in red and "红灯" in red and waiting.ticket_no not in red

    eco = _client(client, "eco")
    with clock.frozen(hf.MONDAY):
        mine = eco.get("/workbench/hotline")
        assert mine.status_code == 200 and 'aria-current="page">待签收' in mine.text
        assert eco_no in mine.text and psb_no not in mine.text and waiting.ticket_no not in mine.text
        assert 'href="/workbench/hotline/new"' not in mine.text and 'href="/workbench/hotline/overrides"' not in mine.text
        assert eco.get(f"/workbench/hotline/{eco_no}").status_code == 200
        assert eco.get(f"/workbench/hotline/{psb_no}").status_code == 404
        assert eco.get(NEW).status_code == 403

    outsider = _client(client, "op_lw")  # an operator of another district
    assert eco_no not in outsider.get("/workbench/hotline?tab=all").text
    assert outsider.get(f"/workbench/hotline/{eco_no}").status_code == 404
    clerk = _client(client, "clerk")  # staff without a hotline role
    assert clerk.get("/workbench/hotline").status_code == 403
    assert clerk.get(f"/workbench/hotline/{eco_no}").status_code == 403
    assert 'href="/workbench/hotline"' not in clerk.get("/workbench").text
    anonymous = _client(client)
    for url in ("/workbench/hotline", NEW, f"/workbench/hotline/{eco_no}", "/workbench/hotline/knowledge",
                "/workbench/hotline/overrides", "/workbench/hotline/rules"):
        r = anonymous.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/login"), url
    person = _client(client)
    applicant_login(person, id_number)
    assert person.get("/workbench/hotline", follow_redirects=False).status_code == 303
    assert person.get(f"/workbench/hotline/{eco_no}", follow_redirects=False).status_code == 303


# --- one order's page ---------------------------------------------------------------------------------------------

def test_an_order_goes_through_its_actions_on_the_page(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    session.commit()
    op, eco = _client(client, "op"), _client(client, "eco")
    with clock.frozen(hf.MONDAY):
        no = _ticket(session, w.operator).ticket_no
        page = eco.get(f"/workbench/hotline/{no}")
        assert "签收" in page.text and "退回（非本单位职责）" in page.text and "13800138000" in page.text
        assert "2026-03-04" in page.text and "绿灯" in page.text and "签收环节" not in page.text
        assert 'name="action" value="answer"' not in page.text
        assert 'name="action"' not in op.get(f"/workbench/hotline/{no}").text  # the centre waits for the unit

        # a page opened before someone else acted: refused, with the fresh page
        stale = eco.get(f"/workbench/hotline/{no}").text
        assert _act(eco, no, "accept").status_code == 303
        late = eco.post(f"/workbench/hotline/{no}/actions", data={
            "csrf_token": csrf_of(stale), "action": "accept", "version": _version(stale)})
        assert late.status_code == 409 and "已被其他人处理" in late.text and "您的操作没有执行" in late.text
        assert 'name="action" value="answer"' in late.text

        empty = _act(eco, no, "answer", comment="")
        assert empty.status_code == 422 and "请填写答复内容" in empty.text
        assert re.search(r'id="answer-comment"[^>]*aria-invalid="true"', empty.text)
        too_long = _act(eco, no, "extend", days="30", comment="需要现场检测")
        assert too_long.status_code == 422 and "延期工作日数超出允许的范围" in too_long.text
        assert "需要现场检测" in too_long.text  # the reason typed is kept
        odd = _act(eco, no, "extend", days="两天", comment="需要现场检测")
        assert odd.status_code == 422 and "延期工作日数请填写 1–15 的整数" in odd.text
        assert _act(eco, no, "progress", comment="已安排执法人员现场检查").status_code == 303
        ext = _act(eco, no, "extend", days="2", comment="需要现场检测")
        assert ext.status_code == 303
        page = eco.get(ext.headers["location"]).text
        assert "延期 2 个工作日，新期限 2026-03-06" in page and "已延期 2 个工作日" in page
        assert _act(eco, no, "answer", comment="已现场检查，责令安装油烟净化设施").status_code == 303

        assert "审核通过" in op.get(f"/workbench/hotline/{no}").text
        back = _act(op, no, "send_back", comment="")
        assert back.status_code == 422 and "请填写退回重办的理由" in back.text
        assert _act(op, no, "send_back", comment="未说明整改期限").status_code == 303
        assert _act(eco, no, "answer", comment="已责令三日内安装油烟净化设施，3月5日复查").status_code == 303
        assert _act(op, no, "approve").status_code == 303
        nosat = _act(op, no, "callback", comment="市民表示满意")
        assert nosat.status_code == 422 and "请选择回访满意度" in nosat.text and "市民表示满意" in nosat.text
        done = _act(op, no, "callback", satisfaction="satisfied", comment="市民表示满意")
        assert done.status_code == 303
        page = op.get(done.headers["location"]).text
        assert "回访完成，工单已办结" in page and "已办结" in page and "回访满意度：满意" in page
        assert "答复被退回重办 1 次" in page and "您在工单当前状态下没有可执行的操作" in page
    session.expire_all()
    ticket = session.scalars(select(HotlineTicket).where(HotlineTicket.ticket_no == no)).one()
    assert ticket.status == "closed" and ticket.satisfaction == "satisfied" and ticket.extended_days == 2


def test_a_returned_order_is_dispatched_again_and_a_consultation_answered_from_the_knowledge_base(
        session: Session, client: TestClient) -> None:
    w = hf.build(session)
    entry = knowledge.save(session, w.operator, KnowledgeIn(
        title="老年人优待证怎么办理", topic="老年人优待", department_id=w.depts["民政"],
        answer="年满 60 周岁的本市户籍老年人，可携带身份证到户籍所在地街道便民服务中心免费办理老年人优待证，当场领取。",
        keywords="老年人 优待证 老人证"))
    session.commit()
    op, eco, psb = _client(client, "op"), _client(client, "eco"), _client(client, "psb")
    with clock.frozen(hf.MONDAY):
        no = _ticket(session, w.operator).ticket_no
        token = csrf_of(psb.get("/workbench/hotline").text)
        refused = psb.post(f"/workbench/hotline/{no}/actions", data={"csrf_token": token, "action": "accept"})
        assert refused.status_code == 404  # not their order: not even there
        assert _act(eco, no, "return", comment="属于市场监管职责").status_code == 303
        page = op.get(f"/workbench/hotline/{no}").text
        assert "退回待重派" in page and f'<option value="{w.depts["生态环境"]}" selected' in page
        assert _act(op, no, "dispatch", department_id=str(w.depts["市场监督管理"])).status_code == 303
        assert "已改派" in op.get(f"/workbench/hotline/{no}").text

        held = op.post(NEW, data=_call(kind="consult", content="请问老年人优待证怎么办理，需要带什么", hold="1",
                                       csrf_token=csrf_of(op.get(NEW).text)), follow_redirects=False)
        assert held.status_code == 303  # registered only: the operator answers it from the knowledge base
        consult = held.headers["location"].split("/")[-1].split("?")[0]
        page = op.get(f"/workbench/hotline/{consult}").text
        assert "已登记" in page and "尚未派单" in page
        assert "直接答复办结" in page and "老年人优待证怎么办理" in page and f"use={entry.code}" in page
        assert 'name="action" value="void"' in page and 'name="action" value="dispatch"' in page
        used = op.get(f"/workbench/hotline/{consult}?use={entry.code}").text
        assert re.search(r'<textarea id="resolve-comment"[^>]*>年满 60 周岁的本市户籍老年人', used)
        resolved = _act(op, consult, "resolve", comment=entry.answer)
        assert resolved.status_code == 303
        assert "已办结" in op.get(resolved.headers["location"]).text

        junk = _ticket(session, w.operator, "打错电话了，没有事情", kind="consult", dispatch=False).ticket_no
        no_reason = _act(op, junk, "void", comment="")
        assert no_reason.status_code == 422 and "请填写作废理由" in no_reason.text
        assert _act(op, junk, "void", comment="无实际诉求").status_code == 303
    session.expire_all()
    rows = {t.ticket_no: t for t in session.scalars(select(HotlineTicket))}
    assert rows[no].department_id == w.depts["市场监督管理"] and rows[no].redispatch_count == 1
    assert rows[consult].status == "closed" and rows[consult].answer == entry.answer
    assert rows[junk].status == "voided"


# --- the knowledge base ------------------------------------------------------------------------------------------

def _answer(**over: str) -> dict[str, str]:
    return {"title": "餐饮油烟扰民怎么投诉", "topic": "餐饮油烟", "department_id": "",
            "answer": "餐饮服务单位应安装油烟净化设施并保持正常使用。油烟扰民可拨打 12345 或向生态环境部门反映，执法人员将现场核查。",
            "keywords": "油烟 饭店 排烟", "item_codes": "", "policies": "广州市餐饮场所污染防治管理办法 | /policies/fumes",
            "review_due": "", "public": "1"} | over


def test_staff_keep_the_knowledge_base(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    item = cf.published(session)
    session.commit()
    eco = _client(client, "eco")
    with clock.frozen(hf.MONDAY):
        form = eco.get("/workbench/hotline/knowledge/new")
        assert form.status_code == 200 and "维护单位：" + hf.ECO in form.text and "2026-08-29" in form.text
        token = csrf_of(form.text)
        url = "/workbench/hotline/knowledge/new"
        short = eco.post(url, data=_answer(answer="太短", csrf_token=token))
        assert short.status_code == 422 and "答复内容至少需要 5 个字" in short.text
        assert 'value="餐饮油烟扰民怎么投诉"' in short.text and "油烟 饭店 排烟" in short.text
        unknown = eco.post(url, data=_answer(item_codes="NO-SUCH-ITEM", csrf_token=token))
        assert unknown.status_code == 422 and "事项 NO-SUCH-ITEM 不存在或未发布" in unknown.text
        bad_link = eco.post(url, data=_answer(policies="某文件 | javascript:alert(1)", csrf_token=token))
        assert bad_link.status_code == 422 and "政策链接应以" in bad_link.text
        bad_date = eco.post(url, data=_answer(review_due="明年", csrf_token=token))
        assert bad_date.status_code == 422 and "复核日期格式应为 YYYY-MM-DD" in bad_date.text
        past = eco.post(url, data=_answer(review_due="2026-01-01", csrf_token=token))
        assert past.status_code == 422 and "复核日期不能早于今天" in past.text
        added = eco.post(url, data=_answer(item_codes=item, csrf_token=token), follow_redirects=False)
        assert added.status_code == 303
        listing = eco.get(added.headers["location"]).text
        assert "答复口径已添加" in listing and "餐饮油烟扰民怎么投诉" in listing and "待复核" not in listing.split("</nav>")[-1]
    code = session.scalars(select(KnowledgeEntry.code)).one()

    with clock.frozen(hf.MONDAY + dt.timedelta(days=200)):  # past its review date
        listing = eco.get("/workbench/hotline/knowledge").text
        assert re.search(r'2026-08-29 <span class="badge warn">待复核</span>', listing)
        stale_only = eco.get("/workbench/hotline/knowledge?stale=1").text
        assert code in stale_only
        edit = eco.get(f"/workbench/hotline/knowledge/{code}/edit").text
        assert "广州市餐饮场所污染防治管理办法 | /policies/fumes" in edit and item in edit
        assert 'name="review_due" type="date" value=""' in edit  # its past date would be refused
        old = csrf_of(edit), _version(edit)
        token = csrf_of(listing)
        confirmed = eco.post(f"/workbench/hotline/knowledge/{code}/confirm",
                             data={"csrf_token": token, "back": "/workbench/hotline/knowledge?stale=1"},
                             follow_redirects=False)
        assert confirmed.status_code == 303 and confirmed.headers["location"].startswith("/workbench/hotline/knowledge?stale=1")
        assert code not in eco.get("/workbench/hotline/knowledge?stale=1").text
        # the edit page was opened before the confirmation: its save is refused, nothing typed is stored
        late = eco.post(f"/workbench/hotline/knowledge/{code}/edit",
                        data=_answer(title="改过的标题", csrf_token=old[0], version=old[1]))
        assert late.status_code == 409 and "已被其他人修改" in late.text
        fresh = eco.get(f"/workbench/hotline/knowledge/{code}/edit").text
        changed = eco.post(f"/workbench/hotline/knowledge/{code}/edit", data=_answer(
            title="餐饮油烟扰民的投诉渠道", item_codes=item, csrf_token=csrf_of(fresh), version=_version(fresh)),
            follow_redirects=False)
        assert changed.status_code == 303
        assert "餐饮油烟扰民的投诉渠道" in eco.get("/workbench/hotline/knowledge").text

        no_reason = eco.post(f"/workbench/hotline/knowledge/{code}/retire", data={"csrf_token": token, "reason": ""})
        assert no_reason.status_code == 422 and "请填写下架理由" in no_reason.text
        assert re.search(rf'id="retire-{code}"[^>]*aria-invalid="true"', no_reason.text)

    # another unit's liaison does not see it; an operator of the region does; staff without the role are refused
    psb = _client(client, "psb")
    assert code not in psb.get("/workbench/hotline/knowledge").text
    assert psb.get(f"/workbench/hotline/knowledge/{code}/edit").status_code == 404
    token = csrf_of(psb.get("/workbench/hotline/knowledge").text)
    assert psb.post(f"/workbench/hotline/knowledge/{code}/retire",
                    data={"csrf_token": token, "reason": "不对"}).status_code == 404
    op = _client(client, "op")
    page = op.get(f"/workbench/hotline/knowledge/{code}/edit").text
    assert f'<option value="{w.depts["生态环境"]}" selected' in page  # the operator may move it to another unit
    f.staff(session, "clerk", ["window_clerk"], hf.CENTRE)
    session.commit()
    assert _client(client, "clerk").get("/workbench/hotline/knowledge").status_code == 403

    with clock.frozen(hf.MONDAY + dt.timedelta(days=200)):
        retired = eco.post(f"/workbench/hotline/knowledge/{code}/retire",
                           data={"csrf_token": csrf_of(eco.get("/workbench/hotline/knowledge").text),
                                 "reason": "政策调整"}, follow_redirects=False)
        assert retired.status_code == 303
        assert code not in eco.get(retired.headers["location"]).text
    assert client.get(f"/hotline/knowledge/{code}").status_code == 404


def test_the_public_knowledge_pages(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    item = cf.published(session)
    with clock.frozen(hf.MONDAY):
        shown = knowledge.save(session, w.eco, KnowledgeIn.model_validate(
            _answer(item_codes=[item], policies=[{"title": "广州市餐饮场所污染防治管理办法", "url": "/policies/fumes"}],
                    public=True, review_due=None, department_id=None)))
        hidden = knowledge.save(session, w.eco, KnowledgeIn(
            title="油烟执法内部口径", topic="餐饮油烟", answer="内部掌握：首次发现责令改正，复查仍未整改的立案。", public=False))
    session.commit()
    with clock.frozen(hf.MONDAY):
        found = client.get("/hotline/knowledge?q=油烟")
        assert found.status_code == 200 and shown.title in found.text and hidden.title not in found.text
        assert "复核中" not in found.text
        page = client.get(f"/hotline/knowledge/{shown.code}")
        assert page.status_code == 200 and "油烟净化设施" in page.text and hf.ECO in page.text
        assert f'href="/items/{item}"' in page.text and 'href="/policies/fumes"' in page.text
        assert client.get(f"/hotline/knowledge/{hidden.code}").status_code == 404
    with clock.frozen(hf.MONDAY + dt.timedelta(days=400)):
        found = client.get("/hotline/knowledge?q=油烟").text
        assert "复核中" in found and "仅供参考" in found
        assert "正在复核" in client.get(f"/hotline/knowledge/{shown.code}").text


# --- the override report and the rules ---------------------------------------------------------------------------

def test_an_override_becomes_a_rule_that_can_be_switched_off(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    session.commit()
    with clock.frozen(hf.MONDAY):
        moved = _ticket(session, w.operator, department_id=w.depts["城市管理和综合执法"])
    assert moved.overridden
    with clock.frozen(hf.MONDAY):  # and the unit chosen says it is not theirs either
        hotline.act(session, SYSTEM, moved.ticket_no, ActionIn(action="return", comment="油烟不归城管"))
        session.commit()
    op = _client(client, "op")
    with clock.frozen(hf.MONDAY):
        report = op.get("/workbench/hotline/overrides")
        assert report.status_code == 200 and f"{hf.ECO} → 广州市越秀区城市管理和综合执法局" in report.text
        assert "其中 1 件又被广州市越秀区城市管理和综合执法局退回" in report.text
        assert moved.ticket_no in report.text and "1 件" in report.text
        assert '<option value="城市管理和综合执法" selected' in report.text  # the chosen unit's function
        code = re.search(r'name="code" maxlength="40" required value="([^"]+)"', report.text)[1]
        assert code == "OVR-260302-1"
        token = csrf_of(report.text)
        form = {"csrf_token": token, "row": "0", "code": code, "function": "城市管理和综合执法", "any": "",
                "note": "烧烤摊占道"}
        empty = op.post("/workbench/hotline/overrides/rules", data=form)
        assert empty.status_code == 422 and "请至少填写一个关键词" in empty.text
        assert 'value="烧烤摊占道"' in empty.text and re.search(r'id="ov-0-any"[^>]*aria-invalid="true"', empty.text)
        bad = op.post("/workbench/hotline/overrides/rules", data=form | {"any": "烧烤摊", "code": "坏 编码"})
        assert bad.status_code == 422 and "规则编码只能包含" in bad.text
        saved = op.post("/workbench/hotline/overrides/rules", data=form | {"any": "烧烤摊，占道"},
                        follow_redirects=False)
        assert saved.status_code == 303 and saved.headers["location"] == f"/workbench/hotline/rules?q={code}&done=saved#rule-{code}"
        rules = op.get(saved.headers["location"]).text
        assert "规则已保存" in rules and code in rules and "烧烤摊、占道" in rules and "启用" in rules
        # the next report suggests a code not taken yet
        assert 'value="OVR-260302-2"' in op.get("/workbench/hotline/overrides").text

        off = op.post(f"/workbench/hotline/rules/{code}/toggle", data={"csrf_token": token, "enabled": "0"},
                      follow_redirects=False)
        assert off.status_code == 303
        rules = op.get(off.headers["location"]).text
        assert "规则已停用" in rules and re.search(rf'id="rule-{code}".*?停用</span>', rules, re.S)
        assert code not in {r.code for r in hotline.rules_view(session)}
        assert code in op.get("/workbench/hotline/rules?state=off").text
        assert code not in op.get("/workbench/hotline/rules?state=on&q=OVR").text
        on = op.post(f"/workbench/hotline/rules/{code}/toggle", data={"csrf_token": token, "enabled": "1"},
                     follow_redirects=False)
        assert on.status_code == 303 and code in {r.code for r in hotline.rules_view(session)}
        assert op.post("/workbench/hotline/rules/NO-SUCH/toggle",
                       data={"csrf_token": token, "enabled": "0"}).status_code == 404
    session.expire_all()
    row = session.scalars(select(HotlineRule).where(HotlineRule.code == code)).one()
    assert row.origin == "override" and row.function == "城市管理和综合执法" and row.any_of == ["烧烤摊", "占道"]
    assert row.enabled is True

    eco = _client(client, "eco")  # a liaison keeps no rules
    assert eco.get("/workbench/hotline/overrides").status_code == 403
    assert eco.get("/workbench/hotline/rules").status_code == 403
    token = csrf_of(eco.get("/workbench/hotline").text)
    assert eco.post(f"/workbench/hotline/rules/{code}/toggle",
                    data={"csrf_token": token, "enabled": "0"}).status_code == 403
    assert eco.post("/workbench/hotline/overrides/rules", data=form | {"csrf_token": token, "any": "x",
                                                                        "code": "EVIL"}).status_code == 403
    assert session.scalars(select(HotlineRule).where(HotlineRule.code == "EVIL")).first() is None


# --- the citizen's side ------------------------------------------------------------------------------------------

def test_a_person_files_online_and_sees_the_answer_once_reviewed(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    _, mine = f.person(session, "赵六")
    _, theirs = f.person(session, "钱七")
    session.commit()
    anonymous = client.get("/hotline")
    assert anonymous.status_code == 200 and "12345" in anonymous.text and 'href="/login?next=/hotline"' in anonymous.text
    assert 'name="content"' not in anonymous.text
    token = csrf_of(anonymous.text)
    refused = client.post("/hotline/requests", data={"csrf_token": token, "kind": "complaint", "content": FUMES,
                                                     "contact_phone": "13800138000"}, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")

    applicant_login(client, mine)
    with clock.frozen(hf.MONDAY):
        page = client.get("/hotline")
        assert "网上提交诉求" in page.text and "我的诉求" in page.text and "洪桥街道" in page.text
        token = csrf_of(page.text)
        form = {"csrf_token": token, "kind": "complaint", "content": FUMES, "contact_name": "赵先生",
                "contact_phone": "13800138000", "region_code": "", "location": "解放北路"}
        bad = client.post("/hotline/requests", data=form | {"contact_phone": "abc"})
        assert bad.status_code == 422 and "请填写有效的联系电话" in bad.text and FUMES in bad.text
        assert 'value="赵先生"' in bad.text
        no_kind = client.post("/hotline/requests", data=form | {"kind": ""})
        assert no_kind.status_code == 422 and "诉求类型应为" in no_kind.text
        filed = client.post("/hotline/requests", data=form, follow_redirects=False)
        assert filed.status_code == 303
        url = filed.headers["location"].split("?")[0]
        no = url.split("/")[-1]
        page = client.get(filed.headers["location"]).text
        assert "诉求已提交" in page and no in page and hf.ECO in page and "正在办理" in page
        assert "13800138000" not in page  # the person's own phone is not echoed on the status page
        assert no in client.get("/hotline").text

    ticket = session.scalars(select(HotlineTicket).where(HotlineTicket.ticket_no == no)).one()
    assert ticket.channel == "web" and ticket.owner is not None and ticket.department_id == w.depts["生态环境"]
    with clock.frozen(hf.MONDAY):
        hotline.act(session, w.eco, no, ActionIn(action="accept"))
        hotline.act(session, w.eco, no, ActionIn(action="answer", comment="已责令餐馆安装油烟净化设施"))
        session.commit()
        page = client.get(url).text
        assert "已责令餐馆安装油烟净化设施" not in page  # not before the centre has reviewed it
        hotline.act(session, w.operator, no, ActionIn(action="approve"))
        session.commit()
        page = client.get(url).text
        assert "已责令餐馆安装油烟净化设施" in page and "审核通过" in page

    other = _client(client)
    applicant_login(other, theirs)
    assert other.get(url).status_code == 404 and no not in other.get("/hotline").text
    assert _client(client).get(url, follow_redirects=False).status_code == 303
    staff = _client(client, "op")  # staff use the console, not the citizen's page
    assert staff.get(url, follow_redirects=False).status_code == 303


# --- CSRF --------------------------------------------------------------------------------------------------------

def test_every_hotline_form_needs_the_csrf_token(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    _, number = f.person(session, "孙八")
    with clock.frozen(hf.MONDAY):
        entry = knowledge.save(session, w.operator, KnowledgeIn(title="测试答复", topic="测试", answer="这是一条测试答复内容。",
                                                                department_id=w.depts["生态环境"]))
    session.commit()
    with clock.frozen(hf.MONDAY):
        no = _ticket(session, w.operator).ticket_no
    staff_login(client, "op")
    posts = {NEW: _call(), f"/workbench/hotline/{no}/actions": {"action": "void", "comment": "测试"},
             "/workbench/hotline/knowledge/new": _answer(),
             f"/workbench/hotline/knowledge/{entry.code}/edit": _answer(),
             f"/workbench/hotline/knowledge/{entry.code}/confirm": {},
             f"/workbench/hotline/knowledge/{entry.code}/retire": {"reason": "测试"},
             "/workbench/hotline/overrides/rules": {"code": "X1", "function": "公安", "any": "噪音"},
             "/workbench/hotline/rules/X1/toggle": {"enabled": "0"}}
    person = _client(client)
    applicant_login(person, number)
    before = session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
    for url, data in posts.items():
        for token in (None, "forged-token"):
            sent = data | ({"csrf_token": token} if token else {})
            r = client.post(url, data=sent, follow_redirects=False)
            assert r.status_code == 403 and "页面已过期或来源不明" in r.text, (url, token)
    r = person.post("/hotline/requests", data={"kind": "complaint", "content": FUMES, "contact_phone": "13800138000"})
    assert r.status_code == 403 and "页面已过期或来源不明" in r.text
    session.expire_all()
    assert session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1)) == before
