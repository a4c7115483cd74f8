"""Issue 12 item 9: supervisors view and change supervision rules through a Chinese form at the console,
within their scope (an item of their region; defaults only for the deployment's own region), with Chinese
labels and validation messages, every change audited; no developer wording (raw keys, PUT /api/...)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.web.helpers import csrf_of, staff_login
from yiwang.core.audit import AuditRecord
from yiwang.supervision import service as supervision


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])


@pytest.mark.db
def test_item9_rules_form(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")  # region 440104; the home region is 440000
    session.commit()
    staff_login(client, "jiancha")

    page = client.get("/console/rules")
    assert page.status_code == 200
    text = _visible(page.text)
    assert "提前预警（工作日）" in text and "承办环节时限（工作日）" in text and "理由最少字数" in text
    assert "PUT /api/v1/supervision/rules" not in page.text
    for key in ("working_days", "min_chars", "lookback_days", "approaching"):
        assert key not in text, f"raw key {key} shown to people"
    assert 'action="/console/rules"' in page.text
    token = csrf_of(page.text)

    bad = client.post("/console/rules", data={"csrf_token": token, "code": "approaching", "scope": "item",
                                              "scope_value": w.code, "level": "yellow", "p_working_days": "两天",
                                              "enabled": "on"})
    assert bad.status_code == 422 and "“提前预警（工作日）”应填写 0–365 的整数" in bad.text
    assert 'value="两天"' in bad.text  # what was typed is kept
    missing = client.post("/console/rules", data={"csrf_token": token, "code": "approaching", "scope": "item",
                                                  "scope_value": "", "p_working_days": "2"})
    assert missing.status_code == 422 and "请填写事项编码" in missing.text
    outside = client.post("/console/rules", data={"csrf_token": token, "code": "approaching", "scope": "default",
                                                  "p_working_days": "2", "enabled": "on"})
    assert outside.status_code == 403 and "本平台所在区划" in outside.text

    saved = client.post("/console/rules", data={"csrf_token": token, "code": "approaching", "scope": "item",
                                                "scope_value": w.code, "level": "yellow", "p_working_days": "2",
                                                "enabled": "on"}, follow_redirects=True)
    assert saved.status_code == 200 and "监察规则已保存" in saved.text
    rule = next(r for r in supervision.rules(session) if r.scope == "item" and r.code == "approaching")
    assert rule.scope_value == w.code and rule.params == {"working_days": 2} and rule.enabled
    assert session.scalars(select(AuditRecord).where(AuditRecord.action == "supervision.rule_set")).first()

    client.cookies.clear()
    staff_login(client, "handler")  # handlers do not manage rules
    assert client.post("/console/rules", data={"csrf_token": token, "code": "approaching", "scope": "item",
                                               "scope_value": w.code, "p_working_days": "5"}).status_code == 403
