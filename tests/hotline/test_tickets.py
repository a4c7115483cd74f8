"""Work orders through their lifecycle: routing at registration, dispatch, sign-for, answer, review, callback."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hotline import factories as hf
from yiwang.core import clock, lifecycle
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import DomainError
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import ActionIn, TicketIn


def test_dry_run_contract(session: Session, client: TestClient) -> None:
    hf.build(session)
    session.commit()
    r = client.post("/api/v1/hotline/routing/dry-run", json={"content": "小区门口餐馆油烟太大"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"] == hf.ECO
    assert body["rule"] and body["explanation"]
    assert isinstance(body["alternatives"], list)
    bad = client.post("/api/v1/hotline/routing/dry-run", json={"content": ""})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "content"


def test_ticket_lifecycle_through_the_api(session: Session, client: TestClient) -> None:
    hf.build(session)
    session.commit()
    op = f.api_login(client, "op")
    eco = f.api_login(client, "eco")
    psb = f.api_login(client, "psb")
    with clock.frozen(hf.MONDAY):
        r = client.post("/api/v1/hotline/tickets", headers=op, json={
            "channel": "phone", "kind": "投诉", "content": "楼下烧烤店每天晚上油烟飘进我家，窗户都不敢开",
            "contact_phone": "13800138000", "region_code": "440104"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["department"] == hf.ECO
        assert body["deadline"] == "2026-03-04"  # a complaint: two working days
        no = body["ticket_no"]
        # the police liaison does not see it; the environment liaison does
        assert client.get(f"/api/v1/hotline/tickets/{no}", headers=psb).status_code == 404
        seen = client.get(f"/api/v1/hotline/tickets/{no}", headers=eco).json()
        assert seen["status"] == "dispatched" and "accept" in seen["allowed_actions"]
        v = seen["version"]
        acc = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco,
                          json={"action": "accept", "expected_version": v})
        assert acc.status_code == 200, acc.text
        empty = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco, json={"action": "answer"})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "comment"
        ans = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco,
                          json={"action": "answer", "comment": "已现场检查，责令安装油烟净化设施"})
        assert ans.json()["status"] == "answered" and ans.json()["on_time"] is True
        back = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op,
                           json={"action": "send_back", "comment": "未说明整改期限"})
        assert back.json()["status"] == "in_progress" and back.json()["returned_count"] == 1
        client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=eco,
                    json={"action": "answer", "comment": "已责令三日内安装油烟净化设施，3月5日复查"})
        ok = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op, json={"action": "approve"})
        assert ok.json()["status"] == "reviewed"
        nosat = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op, json={"action": "callback"})
        assert nosat.status_code == 422 and nosat.json()["error"]["field"] == "satisfaction"
        done = client.post(f"/api/v1/hotline/tickets/{no}/actions", headers=op,
                           json={"action": "callback", "satisfaction": "满意", "comment": "市民表示满意"})
        assert done.json()["status"] == "closed" and done.json()["satisfaction"] == "satisfied"
        actions = [e["action"] for e in done.json()["timeline"]]
        assert actions == ["dispatch", "accept", "answer", "send_back", "answer", "approve", "callback"]


def _create(session: Session, actor, **over):  # type: ignore[no-untyped-def]
    body = {"channel": "phone", "kind": "complaint", "content": "楼下烧烤店每天晚上油烟很大，熏得家里都是味道",
            "contact_phone": "13800138000", **over}
    return hotline.create_ticket(session, actor, TicketIn(**body))


def test_person_files_online_and_sees_only_their_own(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    other, _ = f.person(session, "李四")
    session.commit()
    from tests.hostile import login_token

    mine = {"Authorization": f"Bearer {login_token(session, w.person)}"}
    theirs = {"Authorization": f"Bearer {login_token(session, other)}"}
    session.commit()
    with clock.frozen(hf.MONDAY):
        r = client.post("/api/v1/hotline/tickets", headers=mine, json={
            "channel": "phone", "kind": "咨询", "content": "居住证到哪里办理，需要带什么材料？", "contact_phone": "13800138000"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["channel"] == "web"  # a person files on the web, whatever they say
        assert body["routing"] is None  # routing details are the staff's
        no = body["ticket_no"]
        own = client.get(f"/api/v1/hotline/tickets/{no}", headers=mine).json()
        assert own["contact_phone"] is None and own["routing"] is None and own["answer"] is None
        assert client.get(f"/api/v1/hotline/tickets/{no}", headers=theirs).status_code == 404
        listed = client.get("/api/v1/hotline/tickets", headers=theirs).json()
        assert listed["total"] == 0
        assert client.get("/api/v1/hotline/tickets", headers=mine).json()["total"] == 1
        far = client.post("/api/v1/hotline/tickets", headers=mine, json={
            "kind": "投诉", "content": "天河区某处噪音扰民严重", "contact_phone": "13800138000", "region_code": "440103"})
        assert far.status_code == 422 and far.json()["error"]["code"] == "region_out_of_scope"
        anon = client.post("/api/v1/hotline/tickets", json={"kind": "投诉", "content": "噪音扰民严重啊",
                                                             "contact_phone": "13800138000"})
        assert anon.status_code == 401


def test_bad_input_is_a_structured_error(session: Session, client: TestClient) -> None:
    hf.build(session)
    session.commit()
    op = f.api_login(client, "op")
    cases = [({"kind": "闲聊", "content": "有个问题想问一下", "contact_phone": "13800138000"}, "kind"),
             ({"kind": "投诉", "content": "短", "contact_phone": "13800138000"}, "content"),
             ({"kind": "投诉", "content": "楼下油烟太大了", "contact_phone": "abc"}, "contact_phone"),
             ({"kind": "投诉", "content": "楼下油烟太大了", "contact_phone": "13800138000", "channel": "fax"}, "channel"),
             ({"kind": "投诉", "content": "楼下油烟太大了", "contact_phone": "13800138000", "region_code": "12"},
              "region_code")]
    for body, field in cases:
        r = client.post("/api/v1/hotline/tickets", headers=op, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field"] == field and r.json()["error"]["message"]
    r = client.post("/api/v1/hotline/tickets", headers=op, json={
        "kind": "投诉", "content": "楼下油烟太大了", "contact_phone": "13800138000", "region_code": "440103"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "region_out_of_scope"
    unknown = client.post("/api/v1/hotline/routing/dry-run", json={"content": "油烟", "region_code": "999999"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "region_code"


def test_override_return_and_redispatch_are_recorded(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        # the operator sends a fumes complaint to the police instead of the environment branch: an override
        t = _create(session, w.operator, department_id=w.depts["公安"])
        assert t.overridden and t.routing["department_id"] == w.depts["生态环境"]
        with pytest.raises(DomainError) as refused:
            hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
        assert refused.value.status == 404  # not the environment branch's order
        hotline.act(session, w.psb, t.ticket_no, ActionIn(action="return", comment="油烟不属于公安职责"))
        assert t.status == "returned" and t.department_id is None
        with pytest.raises(DomainError) as unnamed:  # after a return the operator names the unit
            hotline.act(session, w.operator, t.ticket_no, ActionIn(action="dispatch"))
        assert unnamed.value.field == "department_id"
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="dispatch", department_id=w.depts["生态环境"]))
        assert t.department_id == w.depts["生态环境"] and t.redispatch_count == 1 and not t.overridden
        session.commit()
        rows = hotline.override_report(session, w.operator)
    # the first dispatch went elsewhere, and that unit returned it
    assert [(r.suggested, r.chosen, r.count, r.returned) for r in rows] == [(hf.ECO, hf.PSB, 1, 1)]
    timeline = [e.action for e in lifecycle.timeline_of(session, "hotline_ticket", t.ticket_no)]
    assert timeline == ["dispatch", "return", "dispatch"]
    records = session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == t.ticket_no)).all()
    assert {"hotline_ticket.register", "hotline_ticket.dispatch", "hotline_ticket.return"} <= set(records)


def test_override_report_groups_by_suggestion(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        for _ in range(2):
            _create(session, w.operator, department_id=w.depts["城市管理和综合执法"])
        session.commit()
        rows = hotline.override_report(session, w.operator)
    assert [(r.suggested, r.count) for r in rows] == [(hf.ECO, 2)]
    assert rows[0].chosen == "广州市越秀区城市管理和综合执法局" and rows[0].examples[0][2].startswith("ECO-")
    with pytest.raises(DomainError):
        hotline.override_report(session, w.eco)  # liaisons do not keep the rules


def test_extensions_progress_and_limits(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = _create(session, w.operator, channel="forwarded", kind="投诉")
        assert (t.limit_days, t.max_days) == (7, 15) and t.deadline == dt.date(2026, 3, 11)
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
        with pytest.raises(DomainError) as first:
            hotline.act(session, w.eco, t.ticket_no, ActionIn(action="extend", days=3, comment="需要现场监测"))
        assert first.value.code == "progress_first"
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="progress", comment="已安排监测，待出报告"))
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="extend", days=5, comment="需要现场监测"))
        assert t.deadline == dt.date(2026, 3, 18) and t.extended_days == 5
        with pytest.raises(DomainError) as long:
            hotline.act(session, w.eco, t.ticket_no, ActionIn(action="extend", days=4, comment="再延"))
        assert long.value.code == "extension_too_long"
        consult = _create(session, w.operator, kind="咨询", content="餐馆油烟净化器有什么标准？")
        assert consult.deadline == dt.date(2026, 3, 3)


def test_stale_and_illegal_actions(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = _create(session, w.operator)
        v = t.version
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept", expected_version=v))
        with pytest.raises(DomainError) as stale:
            hotline.act(session, w.eco, t.ticket_no, ActionIn(action="progress", comment="x", expected_version=v))
        assert stale.value.code == "stale_version"
        with pytest.raises(DomainError) as illegal:
            hotline.act(session, w.operator, t.ticket_no, ActionIn(action="approve"))
        assert illegal.value.code == "illegal_transition"
        with pytest.raises(DomainError) as unknown:
            hotline.act(session, w.operator, t.ticket_no, ActionIn(action="explode"))
        assert unknown.value.code == "unknown_action"
        with pytest.raises(DomainError) as outsider:
            hotline.act(session, w.outsider, t.ticket_no, ActionIn(action="approve"))
        assert outsider.value.status == 404  # another district's operator does not see it


def test_direct_answer_and_dissatisfied_callback(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        q = _create(session, w.operator, kind="咨询", content="居住证怎么办理？", dispatch=False)
        assert q.status == "registered"
        hotline.act(session, w.operator, q.ticket_no, ActionIn(action="resolve", comment="持身份证到居住地派出所办理"))
        assert q.status == "closed" and q.on_time and q.answer
        t = _create(session, w.operator)
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="answer", comment="已责令整改"))
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="approve"))
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="reopen", comment="市民表示油烟依旧"))
        assert t.status == "in_progress" and t.satisfaction == "dissatisfied" and t.deadline == dt.date(2026, 3, 4)


def test_notifications_reach_the_unit_and_the_caller(session: Session, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.notify import factories as nf

    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = _create(session, w.person, content="小区楼下餐馆油烟扰民，排烟管正对住户窗户")
        session.commit()
    nf.drain(engine, hf.MONDAY)
    told = [m.title for m in nf.messages(session, w.eco.label)]
    assert told == ["新的 12345 工单"]
    with clock.frozen(hf.MONDAY):
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="accept"))
        hotline.act(session, w.eco, t.ticket_no, ActionIn(action="answer", comment="已责令整改"))
        hotline.act(session, w.operator, t.ticket_no, ActionIn(action="approve"))
        session.commit()
    nf.drain(engine, hf.MONDAY)
    assert [m.title for m in nf.messages(session, w.person.label)] == ["诉求已答复"]


def test_rules_belong_to_their_region(session: Session) -> None:
    w = hf.build(session)
    rule = hotline.save_rule(session, w.operator, {"code": "YX-KTV", "function": "公安", "any": ["KTV"],
                                                   "note": "娱乐场所噪声"})
    assert rule.region_code == "440104"
    decision = hotline.route(session, content="楼下 KTV 太吵", region_code="440104")
    assert decision.function == "公安"
    with pytest.raises(DomainError) as other:
        hotline.save_rule(session, w.outsider, {"code": "YX-KTV", "function": "公安", "any": ["KTV"],
                                                "enabled": False})
    assert other.value.status == 403  # 荔湾's centre may not switch off 越秀's rule
    shipped = hotline.seed_rules()[0]
    with pytest.raises(DomainError) as platform:
        hotline.save_rule(session, w.operator, {"code": shipped.code, "function": shipped.function,
                                                "any": list(shipped.any_of), "enabled": False})
    assert platform.value.code == "out_of_region"  # the shipped rules are the home region's centre's


def test_a_rule_may_stand_for_catalog_items(session: Session) -> None:
    from tests.catalog import factories as cf

    w = hf.build(session)
    code = cf.published(session, department=hf.PSB, region_code="440104", name="犬只登记")
    with pytest.raises(DomainError) as unknown:
        hotline.save_rule(session, w.operator, {"code": "YX-DOG", "function": "公安", "item_codes": ["NOPE"]})
    assert unknown.value.code == "unknown_item"
    hotline.save_rule(session, w.operator, {"code": "YX-DOG", "function": "公安", "item_codes": [code],
                                            "note": "犬只登记"})
    decision = hotline.route(session, content="犬只登记在哪里办理", region_code="440104", kind="consult")
    assert decision.function == "公安"
    assert any(e.label.startswith("YX-DOG") for c in decision.candidates for e in c.evidence)
