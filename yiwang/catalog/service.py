"""Business actions on the catalog: import a record, edit a draft, publish, retire; read guides.

An item is identified by its implementation code. Importing the same record twice changes nothing;
a changed record creates a new version. Publishing runs the quality rules and refuses an item that
breaks them, listing every problem at once; the previously published version is retired in the same
transaction, so exactly one version of an item is published at any time.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.catalog import bundles as bundle_catalog
from yiwang.catalog import events, quality
from yiwang.catalog import joint as joint_config
from yiwang.catalog import repository as repo
from yiwang.catalog.errors import ItemNotFound, QualityRulesFailed, VersionStateError
from yiwang.catalog.models import CatalogIndexState, ItemMaterial, ItemVersion, ServiceItem
from yiwang.catalog.schemas import (
    ApplicationSpec,
    ItemGuide,
    ItemIn,
    ItemListing,
    ItemSummary,
    JointSpec,
    MaterialIn,
    MaterialOut,
    MaterialSpec,
)
from yiwang.catalog.standards import code_problems, item_type_code
from yiwang.catalog.summaries import case_type, summary
from yiwang.core import audit, clock, outbox
from yiwang.core.config import get_settings
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.core.storage import StoredFile
from yiwang.org import service as org_service

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"

# Fields of ItemVersion copied from one version to the next draft.
_VERSION_FIELDS = (
    "name", "basic_code", "item_type", "level", "audience", "department_id", "region_code", "co_departments",
    "legal_limit_value", "legal_limit_unit", "promised_limit_value", "promised_limit_unit", "limit_note",
    "conditions", "legal_basis", "process", "fees", "result_name", "result_license_type", "location",
    "office_hours", "consult_phone", "complaint_phone", "visits", "visit_reason", "online_depth", "online",
    "in_hall", "appointment", "postal_delivery", "online_payment", "pledge_allowed", "cross_region", "faq",
    "themes", "form_schema", "extra", "joint",
)
_MATERIAL_FIELDS = ("name", "required", "deficiency_allowed", "form", "originals", "copies", "source", "issuer",
                    "license_type", "notes", "basis", "blank_form_file_id", "sample_file_id")


@dataclass
class ImportOutcome:
    code: str
    action: str  # created | new_version | unchanged
    published: bool
    problems: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quality_warnings: list[dict[str, str]] = field(default_factory=list)  # published all the same


# --- records → versions ---------------------------------------------------------------------------

def _limit_parts(limit: Any) -> tuple[int | None, str | None]:
    if limit is None:
        return None, None
    if limit == "immediate":
        return 0, "immediate"
    return limit.value, limit.unit


def content_hash(values: dict[str, Any], materials: Sequence[dict[str, Any]]) -> str:
    """Digest of a version's content (columns and materials, not its identity or state): importing the
    same content again, or re-importing an export, is recognised as unchanged. An ordinary item's digest
    leaves ``joint`` out, so it is the same as before joint approval existed."""
    fields = [k for k in _VERSION_FIELDS if k != "joint" or values.get(k) is not None]
    body = json.dumps({"v": {k: values.get(k) for k in fields},
                       "m": [{k: m.get(k) for k in _MATERIAL_FIELDS} for m in materials]},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


_FILE_FIELDS = ("blank_form_file_id", "sample_file_id")


def _material_rows(record: ItemIn, previous: Sequence[ItemMaterial] = ()) -> list[dict[str, Any]]:
    """Material rows of an import record. Files are never taken from an import line (it could name
    any stored file and publish it); a material keeps the blank form and sample its namesake in the
    previous version had, so re-importing an export changes nothing."""
    kept = {m.name: {k: getattr(m, k) for k in _FILE_FIELDS} for m in previous}
    rows = []
    for m in record.materials:
        row = {k: None for k in _MATERIAL_FIELDS}
        row.update(m.model_dump(include=set(_MATERIAL_FIELDS) - set(_FILE_FIELDS)))
        row.update(kept.get(m.name, {}))
        rows.append(row)
    return rows


def _version_hash(session: Session, v: ItemVersion) -> str:
    mats = [{k: getattr(m, k) for k in _MATERIAL_FIELDS} for m in repo.materials(session, v.id)]
    return content_hash({k: getattr(v, k) for k in _VERSION_FIELDS}, mats)


def _version_values(session: Session, actor: Actor, record: ItemIn,
                    department: Any = None) -> tuple[dict[str, Any], list[str]]:
    """Column values for a version built from an import record, plus warnings about oddities.
    ``department`` is the implementing department when the caller has already resolved it."""
    warnings = code_problems(record.code, record.basic_code)
    type_code = item_type_code(record.item_type)
    if type_code is None:
        raise ValidationFailed(f"未知的事项类型“{record.item_type}”", field="item_type", code="unknown_item_type")
    region_code = record.region_code or None
    if region_code:
        region_code = org_service.ensure_region_chain(session, actor, region_code).code
    dept = department or org_service.find_department(session, record.department, region_code)
    if dept is None:
        try:
            dept = org_service.ensure_department(session, actor, name=record.department, region_code=region_code,
                                                 uscc=record.department_uscc)
        except ValidationFailed:
            dept = org_service.ensure_department(session, actor, name=record.department, region_code=region_code)
            warnings.append("部门统一社会信用代码无效，已忽略")
    audience = []
    for a in record.audience:
        code = a if a in "123456" and len(a) == 1 else {
            "自然人": "1", "企业法人": "2", "事业法人": "3", "社会组织法人": "4", "行政机关": "5", "其他组织": "6",
        }.get(a)
        if code is None:
            warnings.append(f"未知的服务对象“{a}”已忽略")
        elif code not in audience:
            audience.append(code)
    legal_value, legal_unit = _limit_parts(record.legal_limit)
    promised_value, promised_unit = _limit_parts(record.promised_limit)
    known = set(ItemIn.model_fields)
    extra = dict(record.extra)
    extra.update({k: v for k, v in (record.model_extra or {}).items() if k not in known})
    values: dict[str, Any] = dict(
        name=record.name, basic_code=record.basic_code or (record.code[19:31] if len(record.code) >= 31 else None),
        item_type=type_code, level=record.level, audience=audience, department_id=dept.id,
        region_code=region_code or dept.region_code, co_departments=record.co_departments,
        legal_limit_value=legal_value, legal_limit_unit=legal_unit, promised_limit_value=promised_value,
        promised_limit_unit=promised_unit, limit_note=record.limit_note, conditions=record.conditions,
        legal_basis=record.legal_basis, process=record.process, fees=record.fees,
        result_name=record.result.name if record.result else None,
        result_license_type=record.result.license_type if record.result else None,
        location=record.location, office_hours=record.office_hours, consult_phone=record.consult_phone,
        complaint_phone=record.complaint_phone, visits=record.visits, visit_reason=record.visit_reason,
        online_depth=record.online_depth or (3 if record.online else 1), online=record.online,
        in_hall=record.in_hall, appointment=record.appointment, postal_delivery=record.postal_delivery,
        online_payment=record.online_payment, pledge_allowed=record.pledge_allowed,
        cross_region=record.cross_region, faq=record.faq, themes=record.themes, form_schema=record.form_schema,
        extra=extra,
    )
    if record.joint is not None and promised_unit == "immediate":
        raise ValidationFailed("并联审批 joint：即办件当场办结，不能设置并联审批部门", field="joint",
                               code="joint_immediate_item")
    values["joint"] = joint_config.check(session, record.joint, department_id=dept.id,
                                         region_code=values["region_code"],
                                         material_names={m.name for m in record.materials})
    if record.form_schema is not None:
        from yiwang.catalog import eforms

        eforms.check_schema(record.form_schema)
    return values, warnings


def _check_import_scope(session: Session, actor: Actor, record: ItemIn) -> Any:
    """Staff import only into existing departments within their scope, and only items of those
    departments; creating departments and regions is left to administrators' bootstrapping."""
    visible = {d.id: d for d in org_service.list_departments(session, actor)}
    dept = next((d for d in visible.values() if d.name == record.department
                 and (not record.region_code or d.region_code == record.region_code)), None)
    if dept is None:
        raise ValidationFailed(f"实施主体“{record.department}”不在您的管辖范围内，或尚未建立", field="department",
                               code="department_out_of_scope")
    existing = repo.item_by_code(session, record.code)
    if existing is not None and existing.department_id not in visible:
        raise ValidationFailed("该实施编码属于您管辖范围以外的事项", field="code", code="item_out_of_scope")
    return dept


def import_record(session: Session, actor: Actor, record: ItemIn, *, publish: bool = True) -> ImportOutcome:
    """Create or update an item from one import record (idempotent by code and content)."""
    actor.require(Perm.CATALOG_ITEM_EDIT)
    department = None
    if actor.is_staff:
        department = _check_import_scope(session, actor, record)
        publish = publish and actor.can(Perm.CATALOG_ITEM_PUBLISH)
    values, warnings = _version_values(session, actor, record, department)
    item = repo.item_by_code(session, record.code)
    latest = repo.latest_version(session, item.id) if item else None
    material_rows = _material_rows(record, repo.materials(session, latest.id) if latest else ())
    digest = content_hash(values, material_rows)
    if latest is not None and latest.content_hash == digest:
        return ImportOutcome(record.code, "unchanged", latest.status == PUBLISHED, warnings=warnings)
    if item is None:
        item = ServiceItem(code=record.code, department_id=values["department_id"], region_code=values["region_code"],
                           created_at=clock.now())
        session.add(item)
        session.flush()
        action = "created"
    else:
        action = "new_version"
    version = ItemVersion(item_id=item.id, version_no=(latest.version_no + 1) if latest else 1, status=DRAFT,
                          content_hash=digest, created_at=clock.now(), created_by=actor.label, **values)
    session.add(version)
    session.flush()
    session.add_all(ItemMaterial(version_id=version.id, seq=i, **m) for i, m in enumerate(material_rows, start=1))
    session.flush()
    audit.record(session, actor, "catalog.version_created", "catalog_item", record.code,
                 {"version": version.version_no, "source": "import"})
    outcome = ImportOutcome(record.code, action, False, warnings=warnings)
    if publish:
        problems = quality.check(version, repo.materials(session, version.id))
        outcome.quality_warnings = [p.as_dict() for p in problems if not p.blocking]
        blocking = quality.blocking(problems)
        if blocking:
            outcome.problems = [p.as_dict() for p in blocking]
        else:
            _publish(session, actor, item, version)
            outcome.published = True
    return outcome


# --- publishing -----------------------------------------------------------------------------------

def _bump_generation(session: Session) -> int:
    from yiwang.catalog import searching

    searching.mark_changed()
    row = session.execute(text("UPDATE catalog_index_state SET generation = generation + 1 WHERE id = 1 "
                               "RETURNING generation")).first()
    if row is not None:
        return int(row[0])
    try:
        with session.begin_nested():
            session.add(CatalogIndexState(id=1, generation=0, epoch=secrets.token_hex(16)))
    except IntegrityError:
        pass  # created concurrently
    return _bump_generation(session)


def _publish(session: Session, actor: Actor, item: ServiceItem, version: ItemVersion) -> None:
    generation = _bump_generation(session)
    if item.published_version_id and item.published_version_id != version.id:
        old = repo.version(session, item.published_version_id)
        if old is not None and old.status == PUBLISHED:
            old.status, old.retired_at, old.index_generation = RETIRED, clock.now(), generation
    version.status, version.published_at, version.index_generation = PUBLISHED, clock.now(), generation
    item.published_version_id = version.id
    item.department_id, item.region_code = version.department_id, version.region_code
    session.flush()
    audit.record(session, actor, "catalog.publish", "catalog_item", item.code, {"version": version.version_no})
    outbox.emit(session, events.ITEM_PUBLISHED,
                events.ItemPublished(code=item.code, version_id=version.id).model_dump(mode="json"))


def _scoped_item(session: Session, actor: Actor, code: str) -> ServiceItem:
    item = repo.item_by_code(session, code)
    if item is None:
        raise ItemNotFound("事项不存在", field="code")
    if not actor.can(Perm.CATALOG_ITEM_EDIT):
        raise ItemNotFound("事项不存在", field="code")
    visible = {d.id for d in org_service.list_departments(session, actor)} if actor.is_staff else None
    if visible is not None and item.department_id not in visible:
        raise ItemNotFound("事项不存在", field="code")  # outside the actor's scope: not revealed
    return item


def publish(session: Session, actor: Actor, *, code: str) -> ItemVersion:
    """Publish the newest draft of an item after the quality rules pass."""
    actor.require(Perm.CATALOG_ITEM_PUBLISH)
    item = _scoped_item(session, actor, code)
    latest = repo.latest_version(session, item.id)
    if latest is None or latest.status != DRAFT:
        raise VersionStateError("该事项没有待发布的草稿", field="code")
    problems = quality.blocking(quality.check(latest, repo.materials(session, latest.id)))
    if problems:
        raise QualityRulesFailed(f"事项有 {len(problems)} 个阻止发布的问题，请修改后再发布",
                                 field=problems[0].field, extra={"problems": [p.as_dict() for p in problems]})
    _publish(session, actor, item, latest)
    return latest


def retire(session: Session, actor: Actor, *, code: str, reason: str) -> ServiceItem:
    actor.require(Perm.CATALOG_ITEM_PUBLISH)
    if not reason.strip():
        raise ValidationFailed("请填写停用理由", field="reason")
    item = _scoped_item(session, actor, code)
    current = repo.version(session, item.published_version_id) if item.published_version_id else None
    if current is None:
        raise VersionStateError("该事项当前没有已发布的版本", field="code")
    generation = _bump_generation(session)
    current.status, current.retired_at, current.index_generation = RETIRED, clock.now(), generation
    item.published_version_id = None
    audit.record(session, actor, "catalog.retire", "catalog_item", code, {"version": current.version_no,
                                                                          "reason": reason})
    outbox.emit(session, events.ITEM_RETIRED, events.ItemRetired(code=code).model_dump(mode="json"))
    return item


def problems_of(session: Session, version: ItemVersion) -> list[dict[str, str]]:
    return [p.as_dict() for p in quality.check(version, repo.materials(session, version.id))]


# --- drafts (catalog staff editing) ---------------------------------------------------------------

def open_draft(session: Session, actor: Actor, *, code: str) -> ItemVersion:
    """The item's draft, created as a copy of the newest version when there is none."""
    item = _scoped_item(session, actor, code)
    latest = repo.latest_version(session, item.id)
    if latest is None:
        raise ItemNotFound("事项没有任何版本", field="code")
    if latest.status == DRAFT:
        return latest
    draft = ItemVersion(item_id=item.id, version_no=latest.version_no + 1, status=DRAFT,
                        content_hash=latest.content_hash, created_at=clock.now(),
                        created_by=actor.label, **{f: getattr(latest, f) for f in _VERSION_FIELDS})
    session.add(draft)
    session.flush()
    session.add_all(ItemMaterial(version_id=draft.id, seq=m.seq, **{f: getattr(m, f) for f in _MATERIAL_FIELDS})
                    for m in repo.materials(session, latest.id))
    session.flush()
    audit.record(session, actor, "catalog.version_created", "catalog_item", code,
                 {"version": draft.version_no, "source": "edit"})
    return draft


EDITABLE = frozenset(f for f in _VERSION_FIELDS if f not in ("department_id", "region_code", "extra"))


def update_draft(session: Session, actor: Actor, *, code: str, changes: dict[str, Any],
                 materials: Sequence[dict[str, Any]] | None = None) -> ItemVersion:
    draft = open_draft(session, actor, code=code)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed(f"不可修改的字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    if "item_type" in changes:
        type_code = item_type_code(str(changes["item_type"]))
        if type_code is None:
            raise ValidationFailed("事项类型不是 GB/T 39046 的代码", field="item_type")
        changes["item_type"] = type_code
    if "name" in changes and not str(changes["name"] or "").strip():
        raise ValidationFailed("事项名称不能为空", field="name")
    if changes.get("form_schema") is not None:
        from yiwang.catalog import eforms

        eforms.check_schema(changes["form_schema"])
    joint_changed = "joint" in changes
    joint = changes.pop("joint", None)
    for key, value in changes.items():
        setattr(draft, key, value)
    if materials is not None:
        rows = _checked_materials(materials)
        for old in repo.materials(session, draft.id):
            session.delete(old)
        session.flush()
        session.add_all(ItemMaterial(version_id=draft.id, seq=i, **row) for i, row in enumerate(rows, start=1))
    session.flush()
    if joint_changed:  # in the import format; checked against the draft's materials as they now are
        draft.joint = joint_config.check(session, joint, department_id=draft.department_id,
                                         region_code=draft.region_code,
                                         material_names={m.name for m in repo.materials(session, draft.id)})
        changes["joint"] = joint
    elif materials is not None and draft.joint:
        # materials renamed or removed while a branch still names them: refuse rather than keep a dangling name
        draft.joint = joint_config.check(session, joint_config.record_of(session, draft.joint),
                                         department_id=draft.department_id, region_code=draft.region_code,
                                         material_names={m.name for m in repo.materials(session, draft.id)})
    draft.content_hash = _version_hash(session, draft)
    audit.record(session, actor, "catalog.draft_updated", "catalog_item", code,
                 {"version": draft.version_no, "fields": sorted(changes)})
    return draft


def _checked_materials(materials: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Material rows from an editor, validated like imported ones; rows without a name are skipped."""
    rows = []
    for i, raw in enumerate(materials, start=1):
        if not str(raw.get("name") or "").strip():
            continue
        try:
            m = MaterialIn.model_validate({k: v for k, v in raw.items() if v is not None})
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise ValidationFailed(f"第 {i} 项材料的 {where} 不正确", field=f"materials.{i}.{where}") from exc
        row = {k: None for k in _MATERIAL_FIELDS}
        row.update(m.model_dump(include=set(_MATERIAL_FIELDS)))
        row.update({k: raw[k] for k in ("blank_form_file_id", "sample_file_id") if raw.get(k)})
        rows.append(row)
    return rows


def attach_material_file(session: Session, actor: Actor, *, code: str, material_seq: int, kind: str,
                         file_id: str) -> ItemMaterial:
    """Attach a blank form or a filled sample to a draft's material."""
    if kind not in ("blank_form", "sample"):
        raise ValidationFailed("附件类型应为空白表格或示例样表", field="kind")
    draft = open_draft(session, actor, code=code)
    for m in repo.materials(session, draft.id):
        if m.seq == material_seq:
            setattr(m, f"{kind}_file_id", file_id)
            session.flush()
            draft.content_hash = _version_hash(session, draft)
            audit.record(session, actor, "catalog.material_file", "catalog_item", code,
                         {"material": m.name, "kind": kind, "file_id": file_id})
            return m
    raise ValidationFailed("材料不存在", field="material_seq")


# --- reading --------------------------------------------------------------------------------------

def guide_of(session: Session, item: ServiceItem, v: ItemVersion) -> ItemGuide:
    dept = org_service.get_department(session, v.department_id)
    mats = [MaterialOut.model_validate(m).model_copy(update={
        "blank_form_url": f"/catalog-files/{m.blank_form_file_id}" if m.blank_form_file_id else None,
        "sample_url": f"/catalog-files/{m.sample_file_id}" if m.sample_file_id else None,
    }) for m in repo.materials(session, v.id)]
    base = summary(v, item.code, dept.name).model_dump()
    return ItemGuide(
        **base, basic_code=v.basic_code, limit_note=v.limit_note, level=v.level, audience=list(v.audience), conditions=v.conditions,
        legal_basis=v.legal_basis, process=v.process, materials=mats, fees=list(v.fees),
        result={"name": v.result_name, "license_type": v.result_license_type} if v.result_name or
        v.result_license_type else None,
        location=v.location, office_hours=v.office_hours, consult_phone=v.consult_phone,
        complaint_phone=v.complaint_phone, visit_reason=v.visit_reason, online_depth=v.online_depth,
        in_hall=v.in_hall, appointment=v.appointment, postal_delivery=v.postal_delivery,
        online_payment=v.online_payment, pledge_allowed=v.pledge_allowed, cross_region=v.cross_region,
        co_departments=list(v.co_departments), faq=list(v.faq), themes=list(v.themes), form_schema=v.form_schema,
        status=v.status, published_at=v.published_at.isoformat() if v.published_at else None, extra=dict(v.extra))


def _published(session: Session, code: str, field: str) -> tuple[ServiceItem, ItemVersion]:
    item = repo.item_by_code(session, code)
    v = repo.version(session, item.published_version_id) if item and item.published_version_id else None
    if item is None or v is None:
        raise ItemNotFound("事项不存在或未发布", field=field)
    return item, v


def get_guide(session: Session, code: str) -> ItemGuide:
    """The published guide of an item (public)."""
    return guide_of(session, *_published(session, code, "code"))


def get_effective_guide(session: Session, code: str) -> ItemGuide:
    """The published guide with the form an application must fill in — the item's own e-form or, when it
    has none, the generic applicant form: the same schema submission validates against."""
    from yiwang.catalog import eforms

    guide = get_guide(session, code)
    return guide.model_copy(update={"form_schema": eforms.schema_or_generic(guide.form_schema),
                                    "form_is_generic": not guide.form_schema})


def get_published_version(session: Session, code: str) -> ItemVersion:
    """The version a new application is filed under."""
    return _published(session, code, "item_code")[1]


def staff_view(session: Session, actor: Actor, *, code: str) -> tuple[ServiceItem, Sequence[ItemVersion]]:
    item = _scoped_item(session, actor, code)
    return item, repo.versions_of(session, item.id)


def version_detail(session: Session, actor: Actor, *, code: str, version_no: int | None = None) -> ItemGuide:
    item, versions = staff_view(session, actor, code=code)
    chosen = next((v for v in versions if version_no is None or v.version_no == version_no), None)
    if chosen is None:
        raise ItemNotFound("版本不存在", field="version")
    return guide_of(session, item, chosen)


def list_for_staff(session: Session, actor: Actor, *, q: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> tuple[int, list[tuple[ServiceItem, ItemVersion]]]:
    actor.require(Perm.CATALOG_ITEM_EDIT)
    total, rows = repo.staff_items(session, actor, q=q, status=status, limit=limit, offset=offset)
    return total, list(rows)


# --- public search --------------------------------------------------------------------------------

def search_items(session: Session, *, q: str = "", department: str | None = None, item_type: str | None = None,
                 audience: str | None = None, theme: str | None = None, region: str | None = None,
                 limit: int = 20, offset: int = 0) -> tuple[int, list[ItemSummary]]:
    """Published items matching a query and filters, best first."""
    from yiwang.catalog import searching
    from yiwang.catalog.search import Filters

    type_code = None
    if item_type:
        type_code = item_type_code(item_type)
        if type_code is None:
            raise ValidationFailed(f"未知的事项类型“{item_type}”", field="type", code="unknown_item_type")
    department_id = int(department) if department and department.isdigit() else None
    filters = Filters(department_id=department_id,
                      department=department if department and department_id is None else None,
                      region_prefix=region_prefix(region) if region else None, item_type=type_code, audience=audience or None,
                      theme=theme or None)
    return searching.search(session, q or "", filters, limit=limit, offset=offset)


# --- used by pages ---

def newest_version(session: Session, actor: Actor, *, code: str) -> tuple[ItemVersion, Sequence[ItemMaterial]]:
    """The newest version of an item in the actor's scope with its materials: what the edit form shows
    and what a new draft starts from (the form keeps attachments of unchanged material rows)."""
    _, versions = staff_view(session, actor, code=code)
    if not versions:
        raise ItemNotFound("事项没有任何版本", field="code")
    return versions[0], repo.materials(session, versions[0].id)


def public_material_file(session: Session, file_id: str) -> StoredFile:
    """A blank form or sample the public may download: only files a published version refers to."""
    record = session.get(StoredFile, file_id) if repo.file_is_published(session, file_id) else None
    if record is None:
        raise NotFound("文件不存在或未公开", field="file_id")
    return record


def staff_material_file(session: Session, actor: Actor, *, code: str, file_id: str) -> StoredFile:
    """A blank form or sample attached to any version of an item in the actor's scope (drafts too)."""
    _, versions = staff_view(session, actor, code=code)
    mats = repo.materials_for(session, [v.id for v in versions])
    if not any(file_id in (m.blank_form_file_id, m.sample_file_id) for ms in mats.values() for m in ms):
        raise NotFound("文件不存在", field="file_id")
    record = session.get(StoredFile, file_id)
    if record is None:
        raise NotFound("文件不存在", field="file_id")
    return record


# --- for applications ------------------------------------------------------------------------------

DEFAULT_REVIEW_STEPS = ["handle", "check", "approve"]


def _spec_of(session: Session, code: str, v: ItemVersion) -> ApplicationSpec:
    steps = v.extra.get("review_steps") if isinstance(v.extra.get("review_steps"), list) else None
    steps = [s for s in (steps or DEFAULT_REVIEW_STEPS) if s in DEFAULT_REVIEW_STEPS] or DEFAULT_REVIEW_STEPS
    if steps[-1] != "approve":
        steps = [*steps, "approve"]
    value: int | None
    unit: str | None
    if v.promised_limit_unit is not None:
        value, unit = v.promised_limit_value, v.promised_limit_unit
    else:
        value, unit = v.legal_limit_value, v.legal_limit_unit
    return ApplicationSpec(
        code=code, version_id=v.id, name=v.name, department_id=v.department_id, region_code=v.region_code,
        limit_value=value, limit_unit=unit, case_type=case_type(v), pledge_allowed=v.pledge_allowed,
        review_steps=steps, form_schema=v.form_schema, result_license_type=v.result_license_type,
        joint=joint_config.spec_of(session, v.joint), cross_region=(v.cross_region or "").strip() or None,
        forward_clock="restart" if v.extra.get("forward_clock") == "restart" else "continue",
        basic_code=v.basic_code,
        pledge_check_days=_pledge_check_days(v.extra),
        materials=[MaterialSpec(name=m.name, required=m.required, deficiency_allowed=m.deficiency_allowed,
                                license_type=m.license_type, source=m.source) for m in repo.materials(session, v.id)])


def _pledge_check_days(extra: dict[str, Any] | None) -> int | None:
    """告知承诺: the item's own post-check period in working days (``pledge_check_days`` in the version's extra,
    kept through import and export like ``review_steps``); None (the default applies) when unset or not 1–365."""
    raw = (extra or {}).get("pledge_check_days")
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 365 else None


_spec_cache: dict[tuple[str, str], tuple[float, ApplicationSpec]] = {}


def application_spec(session: Session, code: str, *, max_age: float = 0.0) -> ApplicationSpec:
    """The published version a new application is filed under. With ``max_age`` a spec read in this
    process within that many seconds is reused (busy filing days read the same few items constantly);
    a version published in the meantime is picked up once it expires."""
    key = (str(session.get_bind().engine.url), code)
    max_age = min(max_age, get_settings().cache_seconds)
    if max_age > 0:
        hit = _spec_cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < max_age:
            return hit[1]
    spec = _spec_of(session, code, get_published_version(session, code))
    if len(_spec_cache) > 10_000:
        _spec_cache.clear()
    _spec_cache[key] = (time.monotonic(), spec)
    return spec


def joint_spec(session: Session, version: ItemVersion) -> JointSpec | None:
    """A version's 并联审批 configuration with departments resolved (None for an ordinary item)."""
    return joint_config.spec_of(session, version.joint)


def joint_record(session: Session, version: ItemVersion) -> dict[str, Any] | None:
    """A version's 并联审批 configuration in the import format (departments by name), as editors show it."""
    return joint_config.record_of(session, version.joint)


def application_spec_of_version(session: Session, code: str, version_id: int) -> ApplicationSpec:
    """The version an existing case was filed under (it may have been retired since)."""
    v = repo.version(session, version_id)
    if v is None:
        raise ItemNotFound("事项版本不存在", field="item_code")
    return _spec_of(session, code, v)


def validate_form(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    from yiwang.catalog import eforms

    return eforms.validate(schema, data)


def item_type_feed() -> Any:
    """(code, item_type) of every published item, as a statement other domains compose into their own
    set-based statements (supervision stamps each alert with its item's type)."""
    return select(ServiceItem.code.label("code"), ItemVersion.item_type.label("item_type")).join(
        ItemVersion, ItemVersion.id == ServiceItem.published_version_id)


def item_types(session: Session, codes: Iterable[str] | None = None) -> dict[str, str]:
    """Item code → GB/T 39046 item type code of its published version (all published items when ``codes``
    is None): what supervision rules scoped by item type match against."""
    stmt = select(ServiceItem.code, ItemVersion.item_type).join(
        ItemVersion, ItemVersion.id == ServiceItem.published_version_id)
    if codes is not None:
        wanted = list(set(codes))
        if not wanted:
            return {}
        stmt = stmt.where(ServiceItem.code.in_(wanted))
    return {code: item_type for code, item_type in session.execute(stmt)}


def item_region(session: Session, code: str) -> str | None:
    """The region code of an item (None when there is no such item)."""
    return session.scalar(select(ServiceItem.region_code).where(ServiceItem.code == code))


# --- window decisions (即办件当场决定) -----------------------------------------------------------------

def window_may_decide(session: Session, code: str) -> bool:
    """Whether the owning department lets a window decide this (immediate) item on the spot."""
    return bool(session.scalar(select(ServiceItem.window_may_decide).where(ServiceItem.code == code)))


def set_window_may_decide(session: Session, actor: Actor, *, code: str, allowed: bool) -> ServiceItem:
    """Let any window decide the item's immediate applications on the spot, or withdraw that. Only the
    owning department's catalog staff decide this for their own item; the change is audited."""
    actor.require(Perm.CATALOG_ITEM_EDIT)
    item = _scoped_item(session, actor, code)
    if actor.is_staff and actor.department_id != item.department_id:
        raise PermissionDenied("只有事项的实施部门可以决定是否授权窗口当场办结", field="window_may_decide",
                               code="not_item_owner")
    if allowed:
        latest = repo.latest_version(session, item.id)
        current = repo.version(session, item.published_version_id) if item.published_version_id else latest
        if current is None or case_type(current) != "immediate":
            raise ValidationFailed("只有即办件可以授权窗口当场办结", field="window_may_decide",
                                   code="not_immediate")
    if item.window_may_decide != allowed:
        item.window_may_decide = allowed
        session.flush()
        audit.record(session, actor, "catalog.window_may_decide", "catalog_item", code,
                     {"window_may_decide": allowed})
    return item


# --- the portal's listing ----------------------------------------------------------------------------

def catalog_stamp(session: Session) -> tuple[str | None, int]:
    """(epoch, generation) of the published catalog: changes on every publish and retire, so a cache of
    published items knows when to rebuild (one primary-key SELECT)."""
    row = repo.index_state(session)
    return (row.epoch, row.generation) if row else (None, 0)


def published_listing(session: Session) -> list[ItemListing]:
    """Every published item with its audience, themes and source flags, in item order."""
    rows = repo.published_with_codes(session)
    depts = org_service.departments_by_ids(session, {v.department_id for _, v in rows})
    out = []
    for code, v in rows:
        base = summary(v, code, depts[v.department_id].name).model_dump()
        extra = v.extra or {}
        names = [str(extra.get(k) or "") for k in ("short_name", "common_name") if extra.get(k) not in (None, "无")]
        out.append(ItemListing(**base, level=v.level, audience=[str(a) for a in v.audience or []],
                               themes=[str(t) for t in v.themes or []],
                               flags=[str(f) for f in extra.get("flags") or []], keywords=" ".join(names)))
    return out


# --- quality report -------------------------------------------------------------------------------

@dataclass(frozen=True)
class QualityRow:
    code: str
    name: str
    department: str
    status: str
    version_no: int
    severity: str
    rule: str
    field: str
    message: str


def quality_report(session: Session, actor: Actor, *, severity: str | None = None) -> list[QualityRow]:
    """Every quality problem of the newest version of every item in the actor's scope (catalog managers see
    their departments' items): blocking problems keep a draft from being published, warnings are published
    items' defects to fix. Ordered by severity, then item code."""
    actor.require(Perm.CATALOG_ITEM_EDIT)
    if severity not in (None, quality.BLOCKING, quality.WARNING):
        raise ValidationFailed("严重程度应为 blocking 或 warning", field="severity")
    departments = None
    if actor.is_staff:
        departments = [d.id for d in org_service.list_departments(session, actor)]
    rows: list[QualityRow] = []
    after = 0
    while True:
        batch = repo.newest_versions(session, after_item_id=after, batch=1000, department_ids=departments)
        if not batch:
            break
        names = {d.id: d.name for d in org_service.departments_by_ids(session, {v.department_id for _, v in batch})
                 .values()}
        mats = repo.materials_for(session, [v.id for _, v in batch])
        for item, v in batch:
            if v.status == RETIRED:
                continue
            problems = quality.check(v, mats.get(v.id, []))
            problems += [quality.Problem("joint", f"并联部门“{name}”没有承办或审批人员，并联意见将无人办理",
                                         quality.WARNING, "joint_branch_unstaffed")
                         for name in joint_config.unstaffed_branches(session, v.joint)]
            for p in problems:
                if severity is None or p.severity == severity:
                    rows.append(QualityRow(item.code, v.name, names.get(v.department_id, ""), v.status,
                                           v.version_no, p.severity, p.rule, p.field, p.message))
        after = batch[-1][0].id
    rows.sort(key=lambda r: (r.severity != quality.BLOCKING, r.code))
    return rows


# --- 一件事 bundles (catalog.bundles): what other domains and the pages use ------------------------------

def bundle(session: Session, code: str) -> Any:
    return bundle_catalog.get(session, code)


def search_bundles(session: Session, q: str | None = None, audience: str | None = None) -> list[Any]:
    return bundle_catalog.search(session, q, audience)


def bundle_item_names(session: Session, codes: Sequence[str]) -> dict[str, tuple[str, int, bool]]:
    return bundle_catalog.item_names(session, codes)


def merged_bundle(specs: Sequence[ApplicationSpec], title: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The merged e-form and the de-duplicated materials of a bundle's chosen items."""
    return bundle_catalog.merged_form(specs, title), bundle_catalog.merged_materials(specs)


def bundle_item_form(spec: ApplicationSpec, merged: dict[str, Any]) -> dict[str, Any]:
    return bundle_catalog.item_form(spec, merged)
