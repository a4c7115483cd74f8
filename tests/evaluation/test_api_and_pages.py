"""The 好差评 API contracts and pages: rating, the rectification list, the workbench reply, appeals, figures."""

from __future__ import annotations

import re

from tests import factories as f
from tests.evaluation import factories as ef
from tests.web.helpers import applicant_login, csrf_of, staff_login
from yiwang.core import clock

NOW = ef.at("2026-03-09")  # Monday: a bad review is due Thursday 12 March


def _world(session):  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    session.commit()
    return w, no


def test_rating_and_rectification_api_contracts(client, session) -> None:  # type: ignore[no-untyped-def]
    w, no = _world(session)
    from tests.cases import factories as cw

    pending = cw.submit(session, w.cases)
    stranger, stranger_id = f.person(session, "李四")
    session.commit()
    applicant = f.api_login(client, w.cases.applicant_id)
    url = f"/api/v1/cases/{no}/evaluation"
    with clock.frozen(NOW):
        for body, field in (({"level": 0}, "level"), ({"level": 6}, "level"), ({"level": 4}, "reasons"),
                            ({"level": 4, "reasons": []}, "reasons"), ({"level": 5, "reasons": ["nope"]}, "reasons"),
                            ({"level": "3"}, "level"), ({}, "level")):
            r = client.post(url, json=body, headers=applicant)
            assert r.status_code == 422 and r.json()["error"]["field"] == field, (body, r.text)
        assert client.post(url, json={"level": 1}).status_code == 401
        assert client.post(url, json={"level": 1}, headers=f.api_login(client, stranger_id)).status_code == 404
        assert client.post(url, json={"level": 1}, headers=f.api_login(client, "handler")).status_code == 403
        early = client.post(f"/api/v1/cases/{pending}/evaluation", json={"level": 1}, headers=applicant)
        assert early.status_code == 409 and "办结" in early.json()["error"]["message"]

        r = client.post(url, json={"level": 4, "comment": "材料要求反复变化", "reasons": ["extra_materials"]},
                        headers=applicant)
        assert r.status_code == 201, r.text
        rated = r.json()
        assert rated["level"] == 4 and rated["reasons"] == ["extra_materials"] and rated["channel"] == "pc"
        assert rated["answers"][0]["deadline"] == "2026-03-12" and rated["answers"][0]["status"] == "open"

        handler = f.api_login(client, "handler")
        listed = client.get("/api/v1/rectifications", headers=handler)
        assert listed.status_code == 200
        body = listed.json()
        assert body["total"] == 1
        item = body["items"][0]
        assert (item["case_no"], item["deadline"], item["status"]) == (no, "2026-03-12", "open")
        assert client.get("/api/v1/rectifications", headers=f.api_login(client, "other")).json() == \
            {"total": 0, "items": []}
        assert client.get("/api/v1/rectifications", headers=applicant).status_code == 403
        assert client.get("/api/v1/rectifications").status_code == 401
        assert client.get("/api/v1/rectifications?status=x", headers=handler).status_code == 422
        task = item["id"]
        assert client.get(f"/api/v1/rectifications/{task}", headers=f.api_login(client, "other")).status_code == 404
        assert client.get("/api/v1/rectifications/99999999999999999999", headers=handler).status_code == 422

        no_callback = client.post(f"/api/v1/rectifications/{task}/reply", json={"text": "已整改"}, headers=handler)
        assert no_callback.status_code == 422 and no_callback.json()["error"]["field"] == "callback_note"
        replied = client.post(f"/api/v1/rectifications/{task}/reply", headers=handler,
                              json={"text": "已统一材料清单", "callback_note": "已电话回访"})
        assert replied.status_code == 200 and replied.json()["status"] == "replied" and replied.json()["on_time"]

        mine = client.get(url, headers=applicant).json()
        assert mine["can_rate"] and mine["evaluation"]["answers"][0]["reply"] == "已统一材料清单"
        again = client.post(url, json={"level": 2}, headers=applicant)
        assert again.status_code == 201 and again.json()["revision"] == 2
        assert client.get("/api/v1/rectifications?status=closed", headers=handler).json()["total"] == 1

    figures = client.get("/api/v1/evaluation/figures")
    assert figures.status_code == 200
    [row] = figures.json()["items"]
    assert row["department"] == "区市场监督管理局" and row["ratings"] == 1 and row["rectified_on_time"] == 1
    assert client.get("/api/v1/evaluation/figures?since=2026-13-01").status_code == 422
    assert client.get("/api/v1/evaluation/figures?since=2026-03-10&until=2026-03-01").status_code == 422
    assert len(client.get("/api/v1/evaluation/figures?since=0001-01-01&until=9999-12-31").json()["items"]) == 1
    options = client.get("/api/v1/evaluation/options").json()
    assert [lv["label"] for lv in options["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


def test_appeal_api(client, session) -> None:  # type: ignore[no-untyped-def]
    w, no = _world(session)
    with clock.frozen(NOW):
        ev = ef.rate(session, w, no, NOW, 5, reasons=["attitude"])
        session.commit()
        handler, supervisor = f.api_login(client, "handler"), f.api_login(client, "super")
        r = client.post(f"/api/v1/evaluations/{ev.id}/appeal", json={"reason": "评价人误选"}, headers=handler)
        assert r.status_code == 200 and r.json()["appeal_status"] == "requested"
        listed = client.get("/api/v1/appeals", headers=supervisor).json()
        assert listed["total"] == 1 and listed["items"][0]["case_no"] == no
        assert client.get("/api/v1/appeals", headers=handler).status_code == 403
        decided = client.post(f"/api/v1/evaluations/{ev.id}/appeal/decision", json={"uphold": True, "reason": "核实误选"},
                              headers=supervisor)
        assert decided.status_code == 200 and decided.json()["excluded"] is True
    assert client.get("/api/v1/evaluation/figures").json()["items"][0]["ratings"] == 0


def test_rate_page_workbench_reply_and_figures_page(client, session) -> None:  # type: ignore[no-untyped-def]
    from tests.cases import factories as cw

    w, no = _world(session)
    pending = cw.submit(session, w.cases)
    session.commit()
    page_url = f"/my/cases/{no}/evaluation"
    with clock.frozen(NOW):
        applicant_login(client, w.cases.applicant_id)
        not_yet = client.get(f"/my/cases/{pending}/evaluation")
        assert not_yet.status_code == 200 and "办结后才能评价" in not_yet.text and "提交评价" not in not_yet.text
        assert client.get("/my/cases/440104209901010000001/evaluation").status_code == 404
        form = client.get(page_url)
        assert form.status_code == 200 and "评价本次服务" in form.text and "非常不满意" in form.text
        token = csrf_of(form.text)
        assert client.post(page_url, data={"level": "4"}).status_code == 403  # no CSRF token
        missing = client.post(page_url, data={"level": "4", "csrf_token": token})
        assert missing.status_code == 422 and "至少选择一项原因" in missing.text
        done = client.post(page_url, data={"level": "4", "reasons": ["slow", "repeat_visits"], "comment": "跑了两趟",
                                           "csrf_token": token}, follow_redirects=True)
        assert done.status_code == 200 and "感谢您的评价" in done.text and "2026-03-12 前答复您" in done.text

        client.cookies.clear()
        staff_login(client, "handler")
        listed = client.get("/workbench/rectifications")
        assert listed.status_code == 200 and no in listed.text
        task = re.search(r'href="/workbench/rectifications/(\d+)"', listed.text).group(1)  # type: ignore[union-attr]
        detail = client.get(f"/workbench/rectifications/{task}")
        assert detail.status_code == 200 and "跑了两趟" in detail.text and "提交答复" in detail.text
        token = csrf_of(detail.text)
        reply_url = f"/workbench/rectifications/{task}/reply"
        assert client.post(reply_url, data={"text": "已整改"}).status_code == 403  # no CSRF token
        empty = client.post(reply_url, data={"text": "已整改", "csrf_token": token})
        assert empty.status_code == 422 and "回访" in empty.text
        answered = client.post(reply_url, data={"callback_note": "已电话回访", "text": "已安排专人一次办结并致歉",
                                                "csrf_token": token}, follow_redirects=True)
        assert answered.status_code == 200 and "整改答复已提交" in answered.text and "按期" in answered.text
        assert client.get("/workbench/rectifications/abc").status_code == 404

        client.cookies.clear()
        staff_login(client, "other")
        assert client.get(f"/workbench/rectifications/{task}").status_code == 404
        client.cookies.clear()
        staff_login(client, "super")  # the region's supervisor reads the task but does not answer it
        read_only = client.get(f"/workbench/rectifications/{task}")
        assert read_only.status_code == 200 and "已安排专人" in read_only.text and "提交答复" not in read_only.text
        assert "审核差评申诉" in client.get("/workbench/rectifications").text

        client.cookies.clear()
        applicant_login(client, w.cases.applicant_id)
        answer = client.get(page_url)
        assert "已安排专人一次办结并致歉" in answer.text and "修改评价" in answer.text
        rerated = client.post(page_url, data={"level": "2", "csrf_token": csrf_of(answer.text)}, follow_redirects=True)
        assert rerated.status_code == 200 and "评价已修改" in rerated.text

    client.cookies.clear()
    public = client.get("/evaluation")
    assert public.status_code == 200 and "区市场监督管理局" in public.text and "100.0%" in public.text
    assert client.get("/evaluation?since=bogus").status_code == 422


def test_supervisor_decides_an_appeal_on_the_page(client, session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.evaluation import service as evaluation

    w, no = _world(session)
    ev = ef.rate(session, w, no, NOW, 5, reasons=["result"])
    evaluation.request_appeal(session, w.handler, evaluation_id=ev.id, reason="对不予许可结果不满属正常救济范围外")
    session.commit()
    staff_login(client, "super")
    page = client.get("/workbench/appeals")
    assert page.status_code == 200 and no in page.text and "对不予许可结果不满" in page.text
    token = csrf_of(page.text)
    no_reason = client.post(f"/workbench/appeals/{ev.id}", data={"decision": "reject", "csrf_token": token})
    assert no_reason.status_code == 422 and "审核意见" in no_reason.text
    done = client.post(f"/workbench/appeals/{ev.id}", data={"decision": "reject", "reason": "评价理由成立",
                                                           "csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "申诉不成立" in done.text
    assert no in client.get("/workbench/appeals?status=").text
    client.cookies.clear()
    staff_login(client, "handler")
    assert client.get("/workbench/appeals").status_code == 403
