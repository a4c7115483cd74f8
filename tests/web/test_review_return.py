"""Issue 12 item 8: the review chain can go back — the checker and the approver return the case to the
previous step with a required reason (退回), through the transition table, on the timeline, audited, with an
event; the workbench offers it; consecutive review lines on the timeline read differently."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.web.helpers import staff_login
from yiwang.cases import service as cases
from yiwang.core import audit
from yiwang.core.audit import AuditRecord
from yiwang.core.outbox import OutboxEvent

pytestmark = pytest.mark.db


def _login(app, login: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    staff_login(client, login)
    return client


def _act(client: TestClient, no: str, action: str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/workbench/cases/{no}")
    assert page.status_code == 200, page.text
    assert f'name="action" value="{action}"' in page.text, f"{action} not offered"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert token and version
    return client.post(f"/workbench/cases/{no}/actions", follow_redirects=False,
                       data={"csrf_token": token.group(1), "version": version.group(1), "action": action, **fields})


def test_row08_checker_and_approver_return_the_case_with_a_reason(app, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    cases.apply(session, w.handler, case_no=no, action="review")
    cases.apply(session, w.checker, case_no=no, action="review")
    session.commit()
    approver, checker, handler = _login(app, "approver"), _login(app, "checker"), _login(app, "handler")
    page = approver.get(f"/workbench/cases/{no}").text
    assert "退回审核" in page and 'name="action" value="return_previous"' in page
    # a reason is required: said on the page, nothing happens
    r = _act(approver, no, "return_previous", comment="")
    assert r.status_code == 422 and "请填写退回的理由" in r.text
    assert _act(approver, no, "return_previous", comment="现场核查记录缺签字").status_code == 303
    session.expire_all()
    case = cases.get_case(session, w.handler, no)
    assert case.status == "in_review" and case.review_step == "check"
    # the checker has it again and may send it further back, to the first step (accepted again)
    assert "退回承办" in checker.get(f"/workbench/cases/{no}").text
    assert _act(checker, no, "return_previous", comment="请补充核查意见").status_code == 303
    session.expire_all()
    case = cases.get_case(session, w.handler, no)
    assert case.status == "accepted" and case.review_step == "handle"
    # the handler at the first step has nothing to return to
    assert 'value="return_previous"' not in handler.get(f"/workbench/cases/{no}").text
    api = handler.post(f"/api/v1/cases/{no}/actions", json={"action": "return_previous", "comment": "x"},
                       headers=f.api_login(handler, "handler"))
    assert api.status_code in (403, 409)
    # the timeline: one line per action, each reading differently, with the reasons
    page = handler.get(f"/workbench/cases/{no}").text
    assert "退回：审批 → 审核" in page and "退回：审核 → 承办" in page
    assert "现场核查记录缺签字" in page and "请补充核查意见" in page
    assert "承办通过，转审核" in page and "审核通过，转审批" in page
    actions = [e.action for e in cases.timeline(session, case)]
    assert actions == ["submit", "accept", "review", "review", "return_previous", "return_previous"]
    # audited, and an event for each
    records = session.scalars(select(AuditRecord).where(AuditRecord.action == "case.return_previous")).all()
    assert len(records) == 2
    topics = session.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic == "case.return_previous")).all()
    assert len(topics) == 2
    assert audit.verify(session).ok


def test_row08_only_the_current_step_may_return(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    cases.apply(session, w.handler, case_no=no, action="accept")
    cases.apply(session, w.handler, case_no=no, action="review")
    case = cases.get_case(session, w.checker, no)
    assert "return_previous" in cases.allowed_actions(w.checker, case)
    assert "return_previous" not in cases.allowed_actions(w.approver, case)
    assert "return_previous" not in cases.allowed_actions(w.applicant, case)
