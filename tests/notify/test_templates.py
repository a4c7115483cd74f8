"""The wording: every case message names the item and the case; every SMS fits one segment where it can."""

from __future__ import annotations

import pytest

from yiwang.notify import templates

LONG_ITEM = "食品经营许可（含网络经营、中央厨房、集体用餐配送单位）新办及延续申请"
CASE_NO = "44010420260302000001"


@pytest.mark.parametrize("action", templates.CASE_ACTIONS)
def test_case_texts(action: str) -> None:
    text = templates.case_event(action, {"item_name": LONG_ITEM, "case_no": CASE_NO})
    assert LONG_ITEM in text.body and CASE_NO in text.body  # the in-app body is never shortened
    assert text.sms.startswith(templates.SIGNATURE) and len(text.sms) <= templates.SMS_LIMIT
    assert CASE_NO in text.sms and "…" in text.sms  # the name gives way, the case number never does
    short = templates.case_event(action, {"item_name": "个体工商户登记", "case_no": CASE_NO})
    assert "个体工商户登记" in short.sms and "…" not in short.sms


def test_other_texts_fit_and_say_why() -> None:
    texts = [templates.license_issued({"type": "食品经营许可证", "case_no": CASE_NO}),
             *(templates.license_changed(a, {"reason": "责令整改"}) for a in templates.LICENSE_ACTIONS),
             templates.rectification_replied({"case_no": CASE_NO}),
             templates.rectification_opened({"case_no": CASE_NO, "deadline": "2026-03-05"}),
             templates.alert_raised({"case_no": CASE_NO, "level": "red_card", "content": "超期办结"})]
    assert all(len(t.sms) <= templates.SMS_LIMIT and t.sms.startswith(templates.SIGNATURE) for t in texts)
    assert "原因：责令整改。" in texts[1].body and "行政复议" in texts[1].body
    assert "行政复议" not in texts[3].body  # reinstated: nothing to object to
    assert texts[-1].title == f"电子监察红牌：办件 {CASE_NO}" and "超期办结。请及时处理" in texts[-1].body
