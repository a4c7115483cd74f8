"""E-forms (电子表单): a JSON Schema per item version, rendered as an accessible HTML form and validated
on the server with the ``jsonschema`` library. Items without a schema use the generic applicant form.

Supported field shapes (what the renderer draws): string (with ``format`` date / email, ``enum`` → a
select, ``maxLength``, ``pattern``; ``x-widget: textarea`` for long text), integer, number and boolean.
Labels come from ``title``, hints from ``description``; ``required`` lists mandatory fields;
``x-order`` (a list of property names) fixes the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from yiwang.core.errors import ValidationFailed

GENERIC_FORM: dict[str, Any] = {
    "type": "object",
    "title": "通用申请表",
    "properties": {
        "contact_name": {"type": "string", "title": "联系人", "maxLength": 50},
        "contact_phone": {"type": "string", "title": "联系电话", "pattern": r"^[0-9\-+ ]{7,20}$",
                          "description": "手机或座机号码"},
        "address": {"type": "string", "title": "联系地址", "maxLength": 200},
        "description": {"type": "string", "title": "申请事项说明", "maxLength": 2000, "x-widget": "textarea",
                        "description": "简要说明申请的内容和理由"},
    },
    "required": ["contact_name", "contact_phone", "description"],
    "x-order": ["contact_name", "contact_phone", "address", "description"],
}

SUPPORTED_TYPES = {"string", "integer", "number", "boolean"}
MAX_TEXT = 10_000  # characters in one form field


def check_schema(schema: Any) -> None:
    """Refuse a schema that is not valid JSON Schema or that the renderer cannot draw."""
    if not isinstance(schema, dict) or schema.get("type") != "object" or not isinstance(schema.get("properties"),
                                                                                         dict):
        raise ValidationFailed("电子表单应为 type 为 object、带 properties 的 JSON Schema", field="form_schema",
                               code="bad_form_schema")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValidationFailed(f"电子表单不是有效的 JSON Schema：{exc.message}", field="form_schema",
                               code="bad_form_schema") from exc
    for name, prop in schema["properties"].items():
        if not isinstance(prop, dict) or prop.get("type") not in SUPPORTED_TYPES:
            raise ValidationFailed(f"表单字段 {name} 的类型不受支持（可用 string/integer/number/boolean）",
                                   field="form_schema", code="bad_form_schema")
    required = schema.get("required", [])
    if not all(r in schema["properties"] for r in required):
        raise ValidationFailed("required 中列出了不存在的字段", field="form_schema", code="bad_form_schema")


def schema_or_generic(schema: dict[str, Any] | None) -> dict[str, Any]:
    return schema if schema else GENERIC_FORM


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | textarea | date | email | number | integer | checkbox | select
    required: bool
    hint: str | None
    options: tuple[str, ...] = ()
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None


def fields(schema: dict[str, Any] | None) -> list[Field]:
    """Field descriptors for the HTML form, in display order."""
    s = schema_or_generic(schema)
    props: dict[str, Any] = s["properties"]
    order = [n for n in s.get("x-order", []) if n in props] + [n for n in props if n not in s.get("x-order", [])]
    required = set(s.get("required", []))
    out = []
    for name in order:
        p = props[name]
        t = p.get("type")
        if t == "boolean":
            kind = "checkbox"
        elif t in ("integer", "number"):
            kind = t
        elif "enum" in p:
            kind = "select"
        elif p.get("format") in ("date", "email"):
            kind = p["format"]
        elif p.get("x-widget") == "textarea":
            kind = "textarea"
        else:
            kind = "text"
        out.append(Field(name=name, label=p.get("title", name), kind=kind, required=name in required,
                         hint=p.get("description"), options=tuple(str(o) for o in p.get("enum", [])),
                         max_length=p.get("maxLength"), minimum=p.get("minimum"), maximum=p.get("maximum")))
    return out


def coerce_form(schema: dict[str, Any] | None, raw: dict[str, str]) -> dict[str, Any]:
    """Turn posted form strings into typed values (empty optional fields are left out)."""
    s = schema_or_generic(schema)
    data: dict[str, Any] = {}
    for name, prop in s["properties"].items():
        t = prop.get("type")
        value = raw.get(name)
        if t == "boolean":
            data[name] = value in ("on", "true", "1", "yes")
            continue
        if value is None or value.strip() == "":
            continue
        value = value.strip()
        if t == "integer":
            try:
                data[name] = int(value)
            except ValueError:
                data[name] = value  # the validator reports it in Chinese
        elif t == "number":
            try:
                data[name] = float(value)
            except ValueError:
                data[name] = value
        else:
            data[name] = value
    return data


_MESSAGES = {
    "required": "必填",
    "type": "格式不正确",
    "maxLength": "内容过长",
    "minLength": "内容过短",
    "pattern": "格式不正确",
    "enum": "请从列表中选择",
    "format": "格式不正确",
    "minimum": "数值过小",
    "maximum": "数值过大",
    "additionalProperties": "包含表单以外的字段",
}


def validate(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Validate form data; raise with every problem listed (``extra.problems``) and the first field named."""
    s = schema_or_generic(schema)
    if not isinstance(data, dict):
        raise ValidationFailed("表单内容应为对象", field="form", code="invalid_form")
    # keep only the form's own fields: nothing else is stored or shown to staff as if it were the form
    data = {k: v for k, v in data.items() if k in s["properties"]}
    for key, value in data.items():
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ValidationFailed(f"{s['properties'][key].get('title', key)}：内容过长", field=f"form.{key}",
                                       code="invalid_form")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValidationFailed("表单含有无效字符", field=f"form.{key}", code="invalid_form") from exc
            if "\x00" in value:
                raise ValidationFailed("表单含有无效字符", field=f"form.{key}", code="invalid_form")
    validator = Draft202012Validator(s, format_checker=FormatChecker())
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        if err.validator == "required":
            missing = str(err.message).split("'")[1] if "'" in err.message else ""
            name = missing
        else:
            name = ".".join(str(p) for p in err.absolute_path)
        label = s["properties"].get(name, {}).get("title", name) if name else "表单"
        problems.append({"field": f"form.{name}" if name else "form",
                         "message": f"{label}：{_MESSAGES.get(str(err.validator), '不符合要求')}"})
    if problems:
        raise ValidationFailed("；".join(p["message"] for p in problems[:5]), field=problems[0]["field"],
                               code="invalid_form", extra={"problems": problems})
    return data
