"""跨域通办 and 转报 over HTTP: the window takes the item in for another region, the case JSON's ``intake``, papers
sent (201) and received, the forward endpoint and its refusals, and the workbench pages that carry the forms."""

from __future__ import annotations

from tests import factories as f
from tests.cases import tongban as tb
from tests.web.helpers import csrf_of, staff_login
from yiwang.cases import service as cases


def _world(session):  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t)
    session.commit()
    return t, no


def test_papers_and_the_intake_over_the_api(client, session) -> None:  # type: ignore[no-untyped-def]
    t, no = _world(session)
    a_clerk, b_handler = f.api_login(client, "a_clerk"), f.api_login(client, "b_handler")
    c_clerk = f.api_login(client, "c_clerk")

    body = client.get(f"/api/v1/cases/{no}", headers=a_clerk).json()
    assert body["intake"]["region_code"] == "440103" and body["intake"]["region_name"] == "荔湾区"
    assert body["intake"]["department"] == tb.A_WINDOW and body["intake"]["deliver_at_intake"] is True
    assert body["allowed_actions"] == []
    assert client.get(f"/api/v1/cases/{no}", headers=c_clerk).status_code == 404

    r = client.post(f"/api/v1/cases/{no}/paper-transfers", headers=a_clerk,
                    json={"courier": "中国邮政 EMS", "tracking_no": "1178899001", "materials": ["申请书原件"]})
    assert r.status_code == 201, r.text
    sent = r.json()
    assert (sent["status"], sent["tracking_no"], sent["case_no"]) == ("sent", "1178899001", no)
    # the deciding office may not record papers; the window may not sign for them
    r = client.post(f"/api/v1/cases/{no}/paper-transfers", headers=b_handler,
                    json={"courier": "EMS", "tracking_no": "1", "materials": ["x"]})
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{no}/paper-transfers/{sent['id']}/receive", headers=a_clerk, json={})
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{no}/paper-transfers/{sent['id']}/receive", headers=b_handler,
                    json={"comment": "原件已收到", "expected_version": sent["version"]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "received"
    # a window outside the range of the item is refused with the code
    r = client.post("/api/v1/cases", headers=a_clerk, json={
        "item_code": t.local_code, "applicant_code": t.applicant_id, "form": {}, "materials": []})
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_cross_region"


def test_forward_over_the_api(client, session) -> None:  # type: ignore[no-untyped-def]
    t, no = _world(session)
    cases.apply(session, t.b_handler, case_no=no, action="accept")
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    sideways = tb.department_id(session, tb.A_MARKET, "440103")
    session.commit()
    b_handler, city = f.api_login(client, "b_handler"), f.api_login(client, "city_handler")
    version = client.get(f"/api/v1/cases/{no}", headers=b_handler).json()["version"]
    r = client.post(f"/api/v1/cases/{no}/forward", headers=b_handler,
                    json={"to_department_id": sideways, "reason": "x"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "forward_not_upward"
    r = client.post(f"/api/v1/cases/{no}/forward", headers=city, json={"to_department_id": upper, "reason": "x"})
    assert r.status_code == 404  # not the city's yet
    r = client.post(f"/api/v1/cases/{no}/forward", headers=b_handler,
                    json={"to_department_id": upper, "reason": "由市局决定", "expected_version": version})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"] == tb.CITY_MARKET and body["forwards"][0]["to_department"] == tb.CITY_MARKET
    assert body["allowed_actions"] == []
    assert "review" in client.get(f"/api/v1/cases/{no}", headers=city).json()["allowed_actions"]
    r = client.post(f"/api/v1/cases/{no}/actions", headers=b_handler, json={"action": "review"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cross_region_read_only"


def test_workbench_pages_show_the_intake_list_and_forms(client, session) -> None:  # type: ignore[no-untyped-def]
    t, no = _world(session)
    staff_login(client, "a_clerk")
    page = client.get("/workbench/tongban")
    assert page.status_code == 200 and no in page.text and tb.B_MARKET in page.text
    page = client.get(f"/workbench/cases/{no}")
    assert "通办收件窗口" in page.text and 'id="act-paper_sent"' in page.text
    token = csrf_of(page.text)
    r = client.post(f"/workbench/cases/{no}/paper-transfers", data={
        "csrf_token": token, "courier": "顺丰速运", "tracking_no": "", "materials": "申请书原件"})
    assert r.status_code == 422 and "寄递单号" in r.text
    r = client.post(f"/workbench/cases/{no}/paper-transfers", data={
        "csrf_token": token, "courier": "顺丰速运", "tracking_no": "SF1234567", "materials": "申请书原件\n身份证明复印件"},
        follow_redirects=True)
    assert r.status_code == 200 and "SF1234567" in r.text and "已寄出，待签收" in r.text

    client.cookies.clear()
    staff_login(client, "b_handler")
    page = client.get(f"/workbench/cases/{no}")
    assert "签收" in page.text and 'id="act-paper_sent"' not in page.text
    receive = page.text.split('/paper-transfers/')[1].split('/receive')[0]
    r = client.post(f"/workbench/cases/{no}/paper-transfers/{receive}/receive",
                    data={"csrf_token": csrf_of(page.text)}, follow_redirects=True)
    assert r.status_code == 200 and "已签收" in r.text
    # accept, then the 转报 form offers the city's department
    page = client.get(f"/workbench/cases/{no}")
    r = client.post(f"/workbench/cases/{no}/actions", data={
        "csrf_token": csrf_of(page.text), "action": "accept", "version": page.text.split('name="version" value="')[1]
        .split('"')[0]}, follow_redirects=True)
    assert r.status_code == 200 and 'id="act-forward"' in r.text and tb.CITY_MARKET in r.text
    version = r.text.split('id="act-forward"')[1].split('name="version" value="')[1].split('"')[0]
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    r = client.post(f"/workbench/cases/{no}/forward", data={
        "csrf_token": csrf_of(r.text), "version": version, "to_department_id": str(upper), "comment": ""})
    assert r.status_code == 422 and "请填写转报理由" in r.text
    r = client.post(f"/workbench/cases/{no}/forward", data={
        "csrf_token": csrf_of(r.text), "version": version, "to_department_id": str(upper), "comment": "由市局决定"},
        follow_redirects=True)
    assert r.status_code == 200 and "转报记录" in r.text and "已转报上级部门" in r.text


def test_the_applicant_reads_where_the_case_was_taken_in_and_where_to_collect(client, session) -> None:  # type: ignore[no-untyped-def]
    from tests.web.helpers import applicant_login

    t, no = _world(session)
    local = tb.take_in(session, t, clerk=t.b_clerk, code=t.local_code, deliver_at_intake=False)  # not 通办
    session.commit()
    applicant_login(client, t.applicant_id)
    page = client.get(f"/my/cases/{no}")
    assert page.status_code == 200
    assert f"跨域通办：由{tb.A_WINDOW}代收，办理结果请到该窗口领取" in page.text
    assert 'id="intake"' not in client.get(f"/my/cases/{local}").text
