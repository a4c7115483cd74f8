"""一件事 bundles in the catalog: items of several departments behind one application.

A bundle is catalog data: imported from the same JSON-lines file as the items (a line ``{"kind": "bundle", ...}``),
exported back with them, listed on the portal. What an applicant fills in is *merged* from the bundle's items:

- the e-form: every field of every item's form, asked once when several items ask for it (fields are the same
  when their property keys are; an item without its own form uses the generic applicant form);
- the materials: one entry per distinct material — the same e-licence type (a held licence serves every item
  that asks for it), else the same name — with the items that need it, so one upload serves them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.catalog.errors import BundleNotFound
from yiwang.catalog.models import Bundle, ItemVersion, ServiceItem
from yiwang.catalog.schemas import ApplicationSpec
from yiwang.core import audit, clock
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.org import service as org_service

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
AUDIENCE_LABELS = {"person": "个人", "enterprise": "法人（企业）"}


class BundleIn(BaseModel):
    """A bundle line of a catalog file."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["bundle"]
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    items: list[str] = Field(min_length=2, max_length=20)
    audience: Literal["person", "enterprise"]
    themes: list[str] = Field(default_factory=list, max_length=20)
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not CODE.match(v):
            raise ValueError("一件事编码只能由字母、数字、点、短横线和下划线组成")
        return v

    @field_validator("items")
    @classmethod
    def _items(cls, v: list[str]) -> list[str]:
        codes = [c.strip() for c in v]
        if any(not c or len(c) > 64 for c in codes):
            raise ValueError("事项编码不能为空，且不超过 64 个字符")
        if len(set(codes)) != len(codes):
            raise ValueError("同一事项不能重复列入")
        return codes

    @field_validator("themes")
    @classmethod
    def _themes(cls, v: list[str]) -> list[str]:
        return [t.strip()[:50] for t in v if t.strip()]


def record_of(b: Bundle) -> dict[str, Any]:
    """A bundle in the import format (re-importing it changes nothing)."""
    rec: dict[str, Any] = {"kind": "bundle", "code": b.code, "name": b.name, "items": list(b.items),
                           "audience": b.audience, "themes": list(b.themes)}
    if b.description:
        rec["description"] = b.description
    return rec


def import_bundle(session: Session, actor: Actor, record: BundleIn) -> str:
    """Create or update a bundle by code; returns "created", "new_version" (changed) or "unchanged". Every item
    it names must be in the catalog. Audited."""
    if actor.is_staff:
        actor.require(Perm.CATALOG_ITEM_PUBLISH)
    existing = session.scalars(select(Bundle).where(Bundle.code == record.code)).first()
    departments: dict[str, int] = {code: dept for code, dept in session.execute(
        select(ServiceItem.code, ServiceItem.department_id).where(
            ServiceItem.code.in_([*record.items, *(existing.items if existing else [])])))}
    for i, code in enumerate(record.items):
        if code not in departments:
            raise ValidationFailed(f"一件事“{record.name}”列入的事项 {code} 不在目录中", field=f"items.{i}",
                                   code="unknown_item")
    if actor.is_staff:
        # catalog staff define bundles of the items within their scope, and change only such bundles
        visible = {d.id for d in org_service.list_departments(session, actor)}
        for i, code in enumerate(record.items):
            if departments[code] not in visible:
                raise ValidationFailed(f"事项 {code} 不在您的管辖范围内", field=f"items.{i}", code="item_out_of_scope")
        if existing is not None and any(departments.get(c) not in visible for c in existing.items):
            raise ValidationFailed(f"一件事“{existing.name}”包含您管辖范围以外的事项，不能修改", field="code",
                                   code="bundle_out_of_scope")
    wanted = record_of(Bundle(code=record.code, name=record.name, items=record.items, audience=record.audience,
                              themes=record.themes, description=record.description))
    now = clock.now()
    if existing is not None and record_of(existing) == wanted:
        return "unchanged"
    if existing is None:
        existing = Bundle(code=record.code, created_at=now)
        session.add(existing)
        outcome = "created"
    else:
        outcome = "new_version"
    existing.name, existing.items, existing.audience = record.name, list(record.items), record.audience
    existing.themes, existing.description = list(record.themes), record.description
    existing.updated_at, existing.updated_by = now, actor.label
    session.flush()
    audit.record(session, actor, "catalog.bundle_import", "bundle", record.code,
                 {"outcome": outcome, "items": list(record.items)})
    return outcome


def export_records(session: Session) -> Iterator[dict[str, Any]]:
    for b in session.scalars(select(Bundle).order_by(Bundle.id)):
        yield record_of(b)


def get(session: Session, code: str) -> Bundle:
    b = session.scalars(select(Bundle).where(Bundle.code == code)).first()
    if b is None:
        raise BundleNotFound("没有这个“一件事”", field="bundle_code")
    return b


def item_names(session: Session, codes: Sequence[str]) -> dict[str, tuple[str, int, bool]]:
    """Item code → (name of its published or newest version, department id, published)."""
    rows = session.execute(
        select(ServiceItem.code, ServiceItem.published_version_id, ItemVersion.name, ItemVersion.department_id,
               ItemVersion.id)
        .join(ItemVersion, ItemVersion.item_id == ServiceItem.id)
        .where(ServiceItem.code.in_(list(codes))).order_by(ItemVersion.version_no)).all()
    out: dict[str, tuple[str, int, bool]] = {}
    for code, published_id, name, dept, vid in rows:
        if code in out and out[code][2]:
            continue  # the published version's name wins over newer drafts
        out[code] = (name, dept, vid == published_id)
    return out


def search(session: Session, q: str | None = None, audience: str | None = None) -> list[Bundle]:
    """Bundles whose name, themes, description or item names contain the query's words (all of them)."""
    rows = list(session.scalars(select(Bundle).order_by(Bundle.id)))  # in the order the catalog lists them
    if audience:
        rows = [b for b in rows if b.audience == audience]
    words = [w for w in re.split(r"\s+", (q or "").strip()) if w][:10]
    if not words:
        return rows
    names = item_names(session, [c for b in rows for c in b.items])
    out = []
    for b in rows:
        text = " ".join([b.name, b.description or "", *b.themes, *(names.get(c, ("",))[0] for c in b.items)])
        if all(w in text for w in words):
            out.append(b)
    return out


# --- the merged application ----------------------------------------------------------------------------

def material_key(m: Any) -> str:
    """Materials are the same when they name the same e-licence type, else when they have the same name."""
    return f"licence:{m.license_type}" if m.license_type else f"name:{m.name.strip()}"


def merged_materials(specs: Sequence[ApplicationSpec]) -> list[dict[str, Any]]:
    """One entry per distinct material of the chosen items: its name (the first item's), whether any item
    requires it (and cannot do without it: 容缺 only when every item asking for it allows that), the e-licence
    type that can replace it, and each item's own name for it."""
    merged: dict[str, dict[str, Any]] = {}
    for spec in specs:
        for m in spec.materials:
            key = material_key(m)
            entry = merged.get(key)
            if entry is None:
                entry = merged[key] = {"name": m.name, "required": False, "deficiency_allowed": True,
                                       "license_type": m.license_type, "source": m.source, "items": [],
                                       "names": {}}
            if spec.code in entry["names"]:
                continue  # one item naming the same licence twice: the first entry stands
            entry["items"].append(spec.code)
            entry["names"][spec.code] = m.name
            if m.required:
                entry["required"] = True
                entry["deficiency_allowed"] = entry["deficiency_allowed"] and m.deficiency_allowed
    for entry in merged.values():
        if not entry["required"]:
            entry["deficiency_allowed"] = False
    return list(merged.values())


def merged_form(specs: Sequence[ApplicationSpec], title: str) -> dict[str, Any]:
    """The one e-form of the chosen items: every field once, required when any item requires it, in the
    order the items ask for them; ``x-items`` says which items use each field."""
    from yiwang.catalog import eforms

    properties: dict[str, Any] = {}
    required: list[str] = []
    users: dict[str, list[str]] = {}
    for spec in specs:
        schema = eforms.schema_or_generic(spec.form_schema)
        order = schema.get("x-order") or list(schema["properties"])
        order = [k for k in order if k in schema["properties"]] + [
            k for k in schema["properties"] if k not in order]
        for key in order:
            if key not in properties:
                properties[key] = dict(schema["properties"][key])
            users.setdefault(key, []).append(spec.code)
        required += [k for k in schema.get("required", []) if k not in required]
    return {"type": "object", "title": title, "properties": properties, "required": required,
            "x-order": list(properties), "x-items": users}


def item_form(spec: ApplicationSpec, merged: dict[str, Any]) -> dict[str, Any]:
    """What one item's own form receives of the merged form: its own fields."""
    from yiwang.catalog import eforms

    keys = eforms.schema_or_generic(spec.form_schema)["properties"]
    return {k: v for k, v in merged.items() if k in keys}
