"""Issue 12 item 5: a license states only what was applied for and decided — its template maps each field
to the submitted form, the decision, the case or the applicant; a required field without a value refuses
the approval up front (409 license_fields_missing); constants are refused in templates; the demo's
食品经营许可证 takes 经营项目 from the e-form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang import demo
from yiwang.cases import service as cases
from yiwang.cases.errors import IllegalTransition
from yiwang.core import clock
from yiwang.core.errors import ValidationFailed
from yiwang.licenses import jobs as license_jobs
from yiwang.licenses.models import License

pytestmark = pytest.mark.db

TEMPLATE = [{"label": "经营者名称", "source": "form.contact_name", "required": True},
            {"label": "经营项目", "source": "form.business_items", "required": True},
            {"label": "许可事项", "source": "case.item_name"},
            {"label": "持证人", "source": "applicant.name"},
            {"label": "决定日期", "source": "decision.date", "required": True},
            {"label": "审批意见", "source": "decision.opinion"}]
FORM_SCHEMA = {"type": "object", "properties": {
    "contact_name": {"type": "string", "title": "联系人"}, "contact_phone": {"type": "string", "title": "电话"},
    "description": {"type": "string", "title": "说明"}, "business_items": {"type": "string", "title": "经营项目"}}}


def _reviewed(session, w: cw.World, form: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    with clock.frozen(lf.MONDAY):
        no = cw.submit(session, w, form=form)
        cases.apply(session, w.handler, case_no=no, action="accept")
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
    return no


def test_row05_license_fields_come_from_the_form_and_the_decision(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session, form_schema=FORM_SCHEMA)
    lf.add_type(session, fields=TEMPLATE)
    no = _reviewed(session, w, {"contact_name": "张三", "contact_phone": "13800138000", "description": "x",
                                "business_items": "预包装食品销售"})
    with clock.frozen(lf.MONDAY):
        cases.apply(session, w.approver, case_no=no, action="approve", comment="同意")
        [license_id] = license_jobs.issue_for_case(session, no)
    lic = session.scalars(select(License).where(License.license_id == license_id)).one()
    rows = {k: v for k, v in lic.fields}
    assert rows["经营者名称"] == "张三" and rows["经营项目"] == "预包装食品销售"
    assert rows["持证人"] == "张三" and rows["决定日期"] == "2026年3月2日" and rows["审批意见"] == "同意"
    assert rows["许可事项"] == cases.get_case(session, w.applicant, no).item_name


def test_row05_missing_required_field_refuses_the_approval_up_front(client, session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session, form_schema=FORM_SCHEMA)
    lf.add_type(session, fields=TEMPLATE)
    no = _reviewed(session, w, {"contact_name": "张三", "contact_phone": "13800138000", "description": "x"})
    with pytest.raises(IllegalTransition) as exc:
        cases.apply(session, w.approver, case_no=no, action="approve")
    assert exc.value.code == "license_fields_missing" and exc.value.extra["missing"] == ["经营项目"]
    session.commit()
    r = client.post(f"/api/v1/cases/{no}/actions", json={"action": "approve"}, headers=f.api_login(client, "approver"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "license_fields_missing" and "经营项目" in r.json()["error"]["message"]
    session.expire_all()
    assert cases.get_case(session, w.applicant, no).status == "in_review"  # nothing was decided


def test_row05_templates_refuse_constants(session) -> None:  # type: ignore[no-untyped-def]
    lf.world(session)
    with pytest.raises(ValidationFailed) as exc:
        lf.add_type(session, fields=[{"label": "经营项目", "source": "text:预包装食品销售"}])
    assert exc.value.code == "bad_field_source"


def test_row05_demo_food_license_takes_business_items_from_the_form() -> None:
    class D:
        def __init__(self, i: int) -> None:
            self.id, self.name, self.uscc = i, f"d{i}", "0" * 18

    food = next(t for t in demo.license_types([D(0), D(1), D(2)]) if t["name"] == "食品经营许可证")
    sources = {fld["label"]: fld for fld in food["fields"]}
    assert sources["经营项目"]["source"] == "form.business_items" and sources["经营项目"]["required"]
    assert not any(fld["source"].startswith("text:") for fld in food["fields"])
    assert demo.FOOD_FORM["business_items"]
    item = next(i for i in demo.local_items([D(0), D(1), D(2)]) if i["result"]["license_type"] == "食品经营许可证")
    assert "business_items" in item["form_schema"]["properties"]
    assert "business_items" in item["form_schema"]["required"]
