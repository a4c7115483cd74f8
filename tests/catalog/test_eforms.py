from __future__ import annotations

import pytest

from yiwang.catalog import eforms
from yiwang.core.errors import ValidationFailed

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "经营者名称", "maxLength": 10},
        "kind": {"type": "string", "title": "业态", "enum": ["销售", "餐饮"]},
        "area": {"type": "number", "title": "面积", "minimum": 1},
        "staff": {"type": "integer", "title": "人数"},
        "open": {"type": "string", "format": "date", "title": "开业日期"},
        "online": {"type": "boolean", "title": "网络经营"},
    },
    "required": ["name", "kind"],
    "x-order": ["kind", "name"],
}


def test_fields_follow_order_and_kinds() -> None:
    fields = eforms.fields(SCHEMA)
    assert [f.name for f in fields][:2] == ["kind", "name"]
    kinds = {f.name: f.kind for f in fields}
    assert kinds == {"kind": "select", "name": "text", "area": "number", "staff": "integer", "open": "date",
                     "online": "checkbox"}
    assert {f.name for f in fields if f.required} == {"name", "kind"}


def test_valid_form_is_coerced_and_accepted() -> None:
    data = eforms.coerce_form(SCHEMA, {"name": "小店", "kind": "餐饮", "area": "35.5", "staff": "3",
                                       "open": "2026-12-01", "online": "on"})
    assert eforms.validate(SCHEMA, data) == {"name": "小店", "kind": "餐饮", "area": 35.5, "staff": 3,
                                             "open": "2026-12-01", "online": True}


def test_every_problem_is_listed_in_chinese() -> None:
    data = eforms.coerce_form(SCHEMA, {"name": "一个非常非常长的经营者名称", "kind": "其他", "area": "0",
                                       "staff": "三", "open": "2026-13-01"})
    with pytest.raises(ValidationFailed) as exc:
        eforms.validate(SCHEMA, data)
    problems = {p["field"]: p["message"] for p in exc.value.extra["problems"]}
    assert problems["form.name"] == "经营者名称：内容过长"
    assert problems["form.kind"] == "业态：请从列表中选择"
    assert problems["form.area"] == "面积：数值过小"
    assert problems["form.staff"] == "人数：格式不正确"
    assert problems["form.open"] == "开业日期：格式不正确"


def test_missing_required_and_generic_form() -> None:
    with pytest.raises(ValidationFailed) as exc:
        eforms.validate(SCHEMA, {})
    assert {p["field"] for p in exc.value.extra["problems"]} == {"form.name", "form.kind"}
    assert [f.name for f in eforms.fields(None)][0] == "contact_name"
    with pytest.raises(ValidationFailed):
        eforms.validate(None, {"contact_name": "张三"})


@pytest.mark.parametrize("bad", [
    [], {"type": "array"}, {"type": "object", "properties": {"a": {"type": "object"}}},
    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]},
    {"type": "object", "properties": {"a": {"type": "string", "maxLength": -1}}},
])
def test_bad_schemas_are_refused(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed):
        eforms.check_schema(bad)
