"""Items, versions and the publishing rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.catalog import factories as cf
from yiwang.catalog import service
from yiwang.catalog.errors import ItemNotFound, QualityRulesFailed, VersionStateError
from yiwang.catalog.models import ItemVersion
from yiwang.catalog.schemas import ItemIn
from yiwang.core import audit
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM


def _import(session, rec, publish=True):  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    return service.import_record(session, SYSTEM, ItemIn.model_validate(rec), publish=publish)


def test_import_is_idempotent_and_a_change_makes_a_new_version(session) -> None:  # type: ignore[no-untyped-def]
    rec = cf.record()
    first = _import(session, rec)
    assert (first.action, first.published) == ("created", True)
    again = _import(session, dict(rec))
    assert again.action == "unchanged"
    changed = _import(session, dict(rec, promised_limit={"value": 3, "unit": "working_day"}))
    assert (changed.action, changed.published) == ("new_version", True)
    versions = session.scalars(select(ItemVersion).order_by(ItemVersion.version_no)).all()
    assert [(v.version_no, v.status) for v in versions] == [(1, "retired"), (2, "published")]
    guide = service.get_guide(session, rec["code"])
    assert guide.promised_limit == {"value": 3, "unit": "working_day"} and guide.version == 2
    assert [m.name for m in guide.materials] == ["申请书", "身份证明"]
    session.commit()
    assert audit.verify(session).ok


def test_unknown_keys_are_kept(session) -> None:  # type: ignore[no-untyped-def]
    rec = cf.record(source_system="省事项库", extra={"url": "http://example"})
    _import(session, rec)
    assert service.get_guide(session, rec["code"]).extra == {"url": "http://example", "source_system": "省事项库"}


def test_publishing_lists_every_problem_at_once(session) -> None:  # type: ignore[no-untyped-def]
    rec = cf.record(consult_phone="020-1", complaint_phone="020-1", visits=2, online_depth=4,
                    promised_limit={"value": 30, "unit": "working_day"}, online_payment=True)
    outcome = _import(session, rec)
    assert not outcome.published
    assert {p["field"] for p in outcome.problems} == {"promised_limit"}  # the one blocking problem
    assert {p["severity"] for p in outcome.problems} == {"blocking"}
    assert {p["field"] for p in outcome.quality_warnings} >= {"complaint_phone", "visit_reason", "visits",
                                                              "online_payment"}
    with pytest.raises(QualityRulesFailed) as exc:
        service.publish(session, SYSTEM, code=rec["code"])
    assert len(exc.value.extra["problems"]) == len(outcome.problems)
    with pytest.raises(ItemNotFound):
        service.get_guide(session, rec["code"])  # drafts are not public


@pytest.mark.parametrize("over,field", [
    ({"legal_limit": "immediate", "promised_limit": {"value": 1, "unit": "working_day"}}, "promised_limit"),
    ({"legal_limit": {"value": 10, "unit": "working_day"}, "promised_limit": {"value": 12, "unit": "working_day"}},
     "promised_limit"),
    ({"item_type": "01", "materials": []}, "materials"),
    ({"consult_phone": None, "location": None, "online": False}, "location"),
])
def test_each_blocking_rule_keeps_a_draft(session, over, field) -> None:  # type: ignore[no-untyped-def]
    outcome = _import(session, cf.record(**over))
    assert not outcome.published
    assert field in {p["field"] for p in outcome.problems}


@pytest.mark.parametrize("over,field", [
    ({"consult_phone": None}, "consult_phone"),
    ({"complaint_phone": ""}, "complaint_phone"),
    ({"consult_phone": "020-1", "complaint_phone": "020 1"}, "complaint_phone"),
    ({"visits": 1}, "visit_reason"),
    ({"item_type": "20", "materials": [], "legal_basis": None}, "legal_basis"),
])
def test_each_warning_rule_publishes_and_reports(session, over, field) -> None:  # type: ignore[no-untyped-def]
    """Issue 13, point 2: identical or missing phones and the like no longer hide an item from citizens."""
    rec = cf.record(**over)
    outcome = _import(session, rec)
    assert outcome.published and outcome.problems == []
    assert field in {p["field"] for p in outcome.quality_warnings}
    assert service.get_guide(session, rec["code"]).status == "published"
    report = service.quality_report(session, SYSTEM, severity="warning")
    assert field in {r.field for r in report if r.code == rec["code"]}
    assert not service.quality_report(session, SYSTEM, severity="blocking")


def test_immediate_item_is_an_immediate_case_type(session) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session, promised_limit="immediate")
    guide = service.get_guide(session, code)
    assert guide.case_type == "immediate" and guide.promised_limit == "immediate"


def test_bad_records_are_refused_with_the_field(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        _import(session, cf.record(item_type="行政魔法"))
    assert exc.value.field == "item_type"
    with pytest.raises(ValidationFailed) as exc:
        _import(session, cf.record(form_schema={"type": "object", "properties": {"x": {"type": "array"}}}))
    assert exc.value.field == "form_schema"


def test_edit_draft_then_publish_and_retire(session) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session)
    admin = f.staff(session, "cat", ["admin"], "区政务服务数据管理局")
    draft = service.update_draft(session, admin, code=code, changes={"name": "改名后的事项"},
                                 materials=[{"name": "新申请书", "required": True}])
    assert draft.status == "draft" and draft.version_no == 2
    assert service.get_guide(session, code).name != "改名后的事项"  # the public still sees version 1
    service.publish(session, admin, code=code)
    guide = service.get_guide(session, code)
    assert guide.name == "改名后的事项" and [m.name for m in guide.materials] == ["新申请书"]
    with pytest.raises(VersionStateError):
        service.publish(session, admin, code=code)
    with pytest.raises(ValidationFailed):
        service.retire(session, admin, code=code, reason=" ")
    service.retire(session, admin, code=code, reason="事项已取消")
    with pytest.raises(ItemNotFound):
        service.get_guide(session, code)


def test_staff_only_edit_items_in_scope(session) -> None:  # type: ignore[no-untyped-def]
    code = cf.published(session)
    other = f.staff(session, "h2", ["handler"], "区卫生健康局")
    with pytest.raises(ItemNotFound):
        service.update_draft(session, other, code=code, changes={"name": "x"})
    clerk = f.staff(session, "c2", ["window_clerk"], "区市场监督管理局")
    with pytest.raises(PermissionDenied):
        service.publish(session, clerk, code=code)
    own = f.staff(session, "h3", ["handler"], "区市场监督管理局")
    total, rows = service.list_for_staff(session, own)
    assert total == 1 and rows[0][0].code == code
    assert service.list_for_staff(session, other)[0] == 0


def test_search_sees_publish_and_retire(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.catalog import searching

    searching.reset()
    code = cf.published(session, name="犬只养殖登记")
    session.commit()
    total, items = service.search_items(session, q="犬只养殖")
    assert total >= 1 and items[0].code == code
    admin = f.staff(session, "cat", ["admin"], "区政务服务数据管理局")
    service.retire(session, admin, code=code, reason="取消")
    session.commit()
    assert all(i.code != code for i in service.search_items(session, q="犬只养殖")[1])
    service.update_draft(session, admin, code=code, changes={"name": "宠物犬登记"})
    service.publish(session, admin, code=code)
    session.commit()
    assert service.search_items(session, q="宠物犬")[1][0].code == code
    with pytest.raises(ValidationFailed):
        service.search_items(session, q="x", item_type="99x")


def test_staff_import_stays_in_scope(session) -> None:  # type: ignore[no-untyped-def]
    handler = f.staff(session, "h5", ["handler"], "区市场监督管理局")
    f.department(session, "区卫生健康局")
    own = service.import_record(session, handler, ItemIn.model_validate(cf.record()), publish=True)
    assert own.action == "created" and not own.published  # a handler may edit but not publish
    with pytest.raises(ValidationFailed) as exc:
        service.import_record(session, handler, ItemIn.model_validate(cf.record(department="区卫生健康局")))
    assert exc.value.code == "department_out_of_scope"
    with pytest.raises(ValidationFailed) as exc:
        service.import_record(session, handler, ItemIn.model_validate(cf.record(department="新设的局")))
    assert exc.value.field == "department"
