"""Catalog administration: the scoped item list, an item's versions and quality problems, editing the
draft, attaching blank forms and samples, publishing and retiring, import and export.

Every read and write goes through the catalog service, which narrows to the actor's scope. Import
and export are for staff who may publish: the import service neither scopes by department nor asks
for the publish permission itself, and the export covers the whole catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.catalog import quality, quality_report, transfer
from yiwang.catalog import service as catalog
from yiwang.catalog.errors import QualityRulesFailed
from yiwang.catalog.excel import write_workbook
from yiwang.catalog.standards import (
    AUDIENCES,
    ITEM_TYPES,
    LEVELS,
    MATERIAL_FORMS,
    MATERIAL_SOURCES,
    ONLINE_DEPTHS,
    item_type_name,
)
from yiwang.core import clock, storage
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.web.admin import catalog_joint
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.portal.guide import attachment_headers, file_response, guide_context, page_number, pager
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(prefix="/admin/catalog", include_in_schema=False)

PAGE_SIZE = 20
STATUS_LABELS = {"draft": "草稿", "published": "已发布", "retired": "已停用"}
LIMIT_UNIT_CHOICES = [("", "未规定"), ("working_day", "工作日"), ("natural_day", "自然日"), ("immediate", "即办")]
FLAGS = [("in_hall", "进驻政务服务大厅"), ("appointment", "支持预约办理"), ("postal_delivery", "支持物流快递"),
         ("online_payment", "支持网上支付"), ("pledge_allowed", "可告知承诺")]
TEXT_FIELDS = ("name", "limit_note", "conditions", "legal_basis", "process", "location", "office_hours",
               "consult_phone", "complaint_phone", "visit_reason", "result_name", "result_license_type")
# column widths of the tables (longer input would fail in PostgreSQL rather than be refused politely)
MAX_LENGTHS = {"name": 300, "office_hours": 300, "result_name": 300, "result_license_type": 64,
               "consult_phone": 2000, "complaint_phone": 2000}
MATERIAL_MAX = {"name": 500, "issuer": 200, "license_type": 64, "notes": 5000}
LONG_TEXT = 20_000
MATERIAL_KEYS = ("seq", "name", "form", "originals", "copies", "source", "issuer", "license_type", "notes")
MATERIAL_FLAGS = ("required", "deficiency_allowed")
MAX_MATERIAL_ROWS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DONE = {"saved": "草稿已保存。", "published": "已发布，新版本已对公众可见。", "retired": "事项已停用，公众不再能看到该指南。",
        "file": "附件已上传到草稿。", "window": "窗口当场办结授权已更新。"}


def _staff(actor: Actor, perm: Perm = Perm.CATALOG_ITEM_EDIT) -> Actor:
    return require_staff(actor, perm)


# --- list --------------------------------------------------------------------------------------------

@router.get("")
def catalog_list(request: Request, q: str = "", status: str = "", page: str = "1",
                 session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    q = q.strip()[:100]
    status = status if status in STATUS_LABELS else ""
    number = page_number(page)
    total, rows = catalog.list_for_staff(session, actor, q=q or None, status=status or None, limit=PAGE_SIZE,
                                         offset=(number - 1) * PAGE_SIZE)
    params = {"q": q, "status": status}
    return render(request, "admin/catalog.html", {
        "rows": rows, "total": total, "params": params, "statuses": STATUS_LABELS,
        "pager": pager("/admin/catalog", params, number, total, PAGE_SIZE)})


# --- import, template and export ------------------------------------------------------------------------

def _import_page(request: Request, report: transfer.ImportReport | None = None, error: dict | None = None,
                 publish: bool = True, status: int = 200):  # type: ignore[no-untyped-def]
    return render(request, "admin/catalog_import.html", {"report": report, "error": error, "publish": publish},
                  status=status)


@router.get("/import")
def import_form(request: Request, actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor, Perm.CATALOG_ITEM_PUBLISH)
    return _import_page(request)


@router.post("/import")
def import_submit(request: Request, file: UploadFile | None = File(None), publish: str = Form(""),
                        csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                        actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor, Perm.CATALOG_ITEM_PUBLISH)
    check_csrf(request, csrf_token)
    data = file.file.read(transfer.MAX_UPLOAD + 1) if file is not None else b""
    try:
        if not data:
            raise ValidationFailed("请选择要导入的文件（.jsonl、.jsonl.gz 或 .xlsx）", field="file")
        if len(data) > transfer.MAX_UPLOAD:
            raise ValidationFailed("文件超过 50 MB，请拆分后分批导入", field="file")
        records = transfer.records_from_upload((file.filename or "") if file is not None else "", data)
        report = transfer.import_records(session, actor, records, publish=publish == "1")
    except DomainError as exc:
        session.rollback()
        return _import_page(request, error=form_error(exc), publish=publish == "1", status=exc.status)
    return _import_page(request, report, publish=publish == "1")


@router.get("/template.xlsx")
def template(actor: Actor = Depends(current_actor)) -> Response:
    _staff(actor)
    return Response(write_workbook([]), media_type=XLSX, headers=attachment_headers("事项导入模板.xlsx"))


@router.get("/export.xlsx")
def export(session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)) -> Response:
    _staff(actor, Perm.CATALOG_ITEM_PUBLISH)  # the items of departments in the actor's scope
    name = f"事项目录-{clock.today().isoformat()}.xlsx"
    return Response(write_workbook(transfer.export_records(session, actor)), media_type=XLSX,
                    headers=attachment_headers(name))


# --- quality report ---------------------------------------------------------------------------------------

QUALITY_PAGE_SIZE = 100
CSV = "text/csv; charset=utf-8"


@router.get("/quality")
def quality_page(request: Request, severity: str = "", page: str = "1",
                 session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """The catalog manager's quality report: the problems of the items in the actor's scope."""
    _staff(actor)
    severity = severity if severity in quality.SEVERITIES else ""
    rows = catalog.quality_report(session, actor, severity=severity or None)
    number = page_number(page)
    start = (number - 1) * QUALITY_PAGE_SIZE
    by_rule: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r.severity, re.sub(r"\d+", "N", r.message))
        by_rule[key] = by_rule.get(key, 0) + 1
    params = {"severity": severity}
    return render(request, "admin/catalog_quality.html", {
        "rows": rows[start:start + QUALITY_PAGE_SIZE], "total": len(rows), "params": params,
        "severities": quality.SEVERITIES, "statuses": STATUS_LABELS,
        "by_rule": sorted(by_rule.items(), key=lambda kv: (kv[0][0] != quality.BLOCKING, -kv[1])),
        "items": len({r.code for r in rows}),
        "pager": pager("/admin/catalog/quality", params, number, len(rows), QUALITY_PAGE_SIZE)})


@router.get("/quality.xlsx")
def quality_xlsx(severity: str = "", session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)) -> Response:
    return _quality_download("xlsx", severity, session, actor)


@router.get("/quality.csv")
def quality_csv(severity: str = "", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Response:
    return _quality_download("csv", severity, session, actor)


def _quality_download(fmt: str, severity: str, session: Session, actor: Actor) -> Response:
    _staff(actor)
    rows = catalog.quality_report(session, actor, severity=severity if severity in quality.SEVERITIES else None)
    name = f"事项质量报告-{clock.today().isoformat()}.{fmt}"
    if fmt == "csv":
        return Response(quality_report.to_csv(rows), media_type=CSV, headers=attachment_headers(name))
    return Response(quality_report.to_xlsx(rows), media_type=XLSX, headers=attachment_headers(name))


# --- one item ---------------------------------------------------------------------------------------------

def _staff_file_urls(guide: Any, code: str) -> Any:
    """The guide with attachment links pointing at the staff download (drafts are not public)."""
    prefix = f"/admin/catalog/{quote(code)}/files/"
    mats = [m.model_copy(update={
        "blank_form_url": prefix + m.blank_form_url.rsplit("/", 1)[1] if m.blank_form_url else None,
        "sample_url": prefix + m.sample_url.rsplit("/", 1)[1] if m.sample_url else None}) for m in guide.materials]
    return guide.model_copy(update={"materials": mats})


def _detail_page(request: Request, session: Session, actor: Actor, code: str, *, version_no: int | None = None,
                 error: dict | None = None, problems: list[dict[str, str]] | None = None, notice: str | None = None,
                 reason: str = "", upload_seq: int | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    item, versions = catalog.staff_view(session, actor, code=code)
    guide = catalog.version_detail(session, actor, code=code, version_no=version_no)
    newest, newest_materials = catalog.newest_version(session, actor, code=code)
    if problems is None and newest.status == catalog.DRAFT:
        problems = catalog.problems_of(session, newest)
    shown = next(v for v in versions if v.version_no == guide.version)
    return render(request, "admin/catalog_item.html", {
        **guide_context(_staff_file_urls(guide, item.code)), "item": item, "versions": versions, "newest": newest,
        "newest_materials": newest_materials, "problems": problems or [], "statuses": STATUS_LABELS,
        "error": error, "notice": notice, "reason": reason, "upload_seq": upload_seq,
        "can_publish": actor.can(Perm.CATALOG_ITEM_PUBLISH),
        "newest_immediate": newest.promised_limit_unit == "immediate",
        "can_window": actor.department_id == item.department_id,
        "joint": catalog.joint_spec(session, shown), "timeout_labels": catalog_joint.TIMEOUT_RULES}, status=status)


@router.get("/{code}")
def item_detail(request: Request, code: str, version: str = "", done: str = "",
                session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    return _detail_page(request, session, actor, code, version_no=int(version) if version.isdigit() else None,
                        notice=DONE.get(done))


@router.post("/{code}/publish")
def item_publish(request: Request, code: str, csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, csrf_token)
    try:
        catalog.publish(session, actor, code=code)
    except QualityRulesFailed as exc:
        session.rollback()
        return _detail_page(request, session, actor, code, error=form_error(exc),
                            problems=list(exc.extra.get("problems", [])), status=exc.status)
    except DomainError as exc:
        session.rollback()
        return _detail_page(request, session, actor, code, error=form_error(exc), status=exc.status)
    return redirect(f"/admin/catalog/{quote(code)}?done=published")


@router.post("/{code}/retire")
def item_retire(request: Request, code: str, reason: str = Form(""), csrf_token: str = Form(""),
                session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, csrf_token)
    try:
        if len(reason) > 500:
            raise ValidationFailed("停用理由不超过 500 字", field="reason")
        catalog.retire(session, actor, code=code, reason=reason)
    except DomainError as exc:
        session.rollback()
        return _detail_page(request, session, actor, code, error=form_error(exc), reason=reason, status=exc.status)
    return redirect(f"/admin/catalog/{quote(code)}?done=retired")


@router.post("/{code}/window-decision")
def item_window_decision(request: Request, code: str, allowed: str = Form(""), csrf_token: str = Form(""),
                         session: Session = Depends(get_session, scope="function"),
                         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, csrf_token)
    try:
        catalog.set_window_may_decide(session, actor, code=code, allowed=allowed == "1")
    except DomainError as exc:
        session.rollback()
        return _detail_page(request, session, actor, code, error=form_error(exc), status=exc.status)
    return redirect(f"/admin/catalog/{quote(code)}?done=window")


@router.post("/{code}/materials/{seq}/file")
def material_file(request: Request, code: str, seq: int, kind: str = Form(""),
                        file: UploadFile | None = File(None), csrf_token: str = Form(""),
                        session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, csrf_token)
    catalog.staff_view(session, actor, code=code)  # out of scope → 404 before anything is stored
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1) if file is not None else b""
    try:
        if kind not in ("blank_form", "sample"):
            raise ValidationFailed("请选择附件类型（空白表格或示例样表）", field="kind")
        record = storage.store(session, data=data, filename=file.filename if file else None,
                               declared_type=file.content_type if file else None, owner="catalog")
        catalog.attach_material_file(session, actor, code=code, material_seq=seq, kind=kind, file_id=record.id)
    except DomainError as exc:
        session.rollback()
        return _detail_page(request, session, actor, code, error=form_error(exc), upload_seq=seq,
                            status=exc.status)
    return redirect(f"/admin/catalog/{quote(code)}?done=file#attachments")


@router.get("/{code}/files/{file_id}")
def staff_file(code: str, file_id: str, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)) -> Response:
    _staff(actor)
    return file_response(catalog.staff_material_file(session, actor, code=code, file_id=file_id[:32]))


# --- editing the draft --------------------------------------------------------------------------------

def _form_values(v: Any) -> dict[str, Any]:
    """The edit form's fields from a version."""
    def limit(prefix: str) -> tuple[str, str]:
        unit = getattr(v, f"{prefix}_limit_unit") or ""
        value = getattr(v, f"{prefix}_limit_value")
        return ("" if value is None or unit == "immediate" else str(value)), unit

    values: dict[str, Any] = {k: getattr(v, k) or "" for k in TEXT_FIELDS}
    values["legal_limit_value"], values["legal_limit_unit"] = limit("legal")
    values["promised_limit_value"], values["promised_limit_unit"] = limit("promised")
    values.update(item_type=v.item_type, level=str(v.level or ""), visits=str(v.visits),
                  online=v.online, online_depth=str(v.online_depth or ""), audience=list(v.audience),
                  themes="、".join(v.themes),
                  form_schema=json.dumps(v.form_schema, ensure_ascii=False, indent=2) if v.form_schema else "")
    values.update({flag: getattr(v, flag) for flag, _ in FLAGS})
    return values


def _material_values(m: Any) -> dict[str, Any]:
    row: dict[str, Any] = {k: "" if getattr(m, k) is None else str(getattr(m, k)) for k in MATERIAL_KEYS}
    row.update(required=m.required, deficiency_allowed=m.deficiency_allowed,
               attachments=[label for key, label in (("blank_form_file_id", "空白表格"), ("sample_file_id", "示例样表"))
                            if getattr(m, key)])
    return row


def _blank_material() -> dict[str, Any]:
    return {"seq": "", "name": "", "form": "any", "originals": "0", "copies": "0", "source": "applicant",
            "issuer": "", "license_type": "", "notes": "", "required": True, "deficiency_allowed": False,
            "attachments": []}


def _edit_page(request: Request, session: Session, code: str, version: Any, values: dict[str, Any],
               rows: list[dict[str, Any]], joint_rows: list[dict[str, Any]], error: dict | None = None,
               status: int = 200):  # type: ignore[no-untyped-def]
    types = [(c, n) for c, n in ITEM_TYPES.items() if c != "00"]
    if values.get("item_type") and values["item_type"] not in ITEM_TYPES:
        types.append((values["item_type"], item_type_name(values["item_type"])))
    return render(request, "admin/catalog_edit.html", {
        "code": code, "version": version, "values": values, "rows": rows, "error": error,
        "types": types, "levels": LEVELS, "audiences": AUDIENCES, "limit_units": LIMIT_UNIT_CHOICES,
        "online_depths": ONLINE_DEPTHS, "flags": FLAGS, "material_forms": MATERIAL_FORMS,
        "material_sources": MATERIAL_SOURCES,
        **catalog_joint.context(session, version, joint_rows, [r["name"] for r in rows if r["name"]])},
        status=status)


@router.get("/{code}/edit")
def edit_form(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    # reading only: the draft is created when the form is saved
    version, materials = catalog.newest_version(session, actor, code=code)
    rows = [_material_values(m) for m in materials] + [_blank_material() for _ in range(3)]
    joint_rows = catalog_joint.form_rows(catalog.joint_record(session, version))
    return _edit_page(request, session, code, version, _form_values(version), rows, joint_rows)


def _text(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key)
    return value.strip().replace("\r\n", "\n") if isinstance(value, str) else ""


def _read_form(form: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    values: dict[str, Any] = {k: _text(form, k) for k in (*TEXT_FIELDS, "item_type", "level", "legal_limit_value",
                                                         "legal_limit_unit", "promised_limit_value",
                                                         "promised_limit_unit", "visits", "online_depth", "themes",
                                                         "form_schema")}
    values["online"] = "online" in form
    values["audience"] = [a for a in form.getlist("audience") if a in AUDIENCES]
    values.update({flag: flag in form for flag, _ in FLAGS})
    count = _text(form, "material_rows")
    rows = []
    for i in range(min(int(count) if count.isdigit() else 0, MAX_MATERIAL_ROWS)):
        row: dict[str, Any] = {k: _text(form, f"m{i}.{k}") for k in MATERIAL_KEYS}
        row.update({k: f"m{i}.{k}" in form for k in MATERIAL_FLAGS})
        row["attachments"] = []
        rows.append(row)
    return values, rows


def _int(raw: str, field: str, label: str, low: int, high: int) -> int:
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed(f"{label}应为 {low}–{high} 之间的整数", field=field)
    return int(raw)


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    """Draft changes from the posted form, refusing what the columns cannot hold."""
    changes: dict[str, Any] = {}
    labels = {"name": "事项名称", "office_hours": "办理时间", "result_name": "办理结果名称",
              "result_license_type": "结果证照类型", "consult_phone": "咨询电话", "complaint_phone": "监督投诉电话"}
    for key in TEXT_FIELDS:
        limit = MAX_LENGTHS.get(key, LONG_TEXT)
        if len(values[key]) > limit:
            raise ValidationFailed(f"{labels.get(key, '该项内容')}不超过 {limit} 字", field=key)
        changes[key] = values[key] or None
    if not values["name"]:
        raise ValidationFailed("事项名称不能为空", field="name")
    changes["name"] = values["name"]
    changes["item_type"] = values["item_type"]
    changes["level"] = _int(values["level"], "level", "行使层级", 1, 7) if values["level"] else None
    for prefix, label in (("legal", "法定办结时限"), ("promised", "承诺办结时限")):
        unit, raw = values[f"{prefix}_limit_unit"], values[f"{prefix}_limit_value"]
        if unit == "immediate":
            value: int | None = 0
        elif unit in ("working_day", "natural_day"):
            value = _int(raw, f"{prefix}_limit_value", f"{label}天数", 0, 3650)
        elif not unit:
            if raw:
                raise ValidationFailed(f"请选择{label}的单位", field=f"{prefix}_limit_unit")
            value, unit = None, None
        else:
            raise ValidationFailed(f"{label}的单位不正确", field=f"{prefix}_limit_unit")
        changes[f"{prefix}_limit_value"], changes[f"{prefix}_limit_unit"] = value, unit
    changes["visits"] = _int(values["visits"] or "0", "visits", "到现场次数", 0, 99)
    changes["online"] = values["online"]
    changes["online_depth"] = (_int(values["online_depth"], "online_depth", "网办深度", 1, 4)
                               if values["online_depth"] else None)
    changes["audience"] = values["audience"]
    changes.update({flag: values[flag] for flag, _ in FLAGS})
    changes["themes"] = [t for t in (p.strip() for p in values["themes"].replace("，", "、").replace(",", "、")
                                     .split("、")) if t][:30]
    if any(len(t) > 50 for t in changes["themes"]):
        raise ValidationFailed("每个主题不超过 50 字", field="themes")
    changes["form_schema"] = _schema(values["form_schema"])
    return changes


def _schema(raw: str) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        schema = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"电子表单不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）",
                               field="form_schema") from exc
    if not isinstance(schema, dict):
        raise ValidationFailed("电子表单应为一个 JSON 对象（JSON Schema）", field="form_schema")
    return schema


def _materials(rows: list[dict[str, Any]], existing: Sequence[Any]) -> list[dict[str, Any]]:
    """Material rows for update_draft; a row keeps the attachments and basis of the material it was
    shown from (looked up on the server: file ids never come from the form)."""
    by_seq = {str(m.seq): m for m in existing}
    out = []
    for i, row in enumerate(rows):
        if not row["name"]:
            continue  # an emptied row removes the material
        where = f"第 {i + 1} 行材料"
        for key, limit in MATERIAL_MAX.items():
            if len(row[key]) > limit:
                raise ValidationFailed(f"{where}：内容过长（不超过 {limit} 字）", field=f"materials.{i}.{key}")
        if row["form"] not in MATERIAL_FORMS:
            raise ValidationFailed(f"{where}：请选择材料形式", field=f"materials.{i}.form")
        if row["source"] not in MATERIAL_SOURCES:
            raise ValidationFailed(f"{where}：请选择材料来源", field=f"materials.{i}.source")
        material = {
            "name": row["name"], "required": row["required"], "deficiency_allowed": row["deficiency_allowed"],
            "form": row["form"], "source": row["source"], "issuer": row["issuer"] or None,
            "license_type": row["license_type"] or None, "notes": row["notes"] or None,
            "originals": _int(row["originals"] or "0", f"materials.{i}.originals", f"{where}原件份数", 0, 99),
            "copies": _int(row["copies"] or "0", f"materials.{i}.copies", f"{where}复印件份数", 0, 99),
        }
        shown = by_seq.get(row["seq"])
        material.update(basis=getattr(shown, "basis", None),
                        blank_form_file_id=getattr(shown, "blank_form_file_id", None),
                        sample_file_id=getattr(shown, "sample_file_id", None))
        out.append(material)
    return out


@router.post("/{code}/edit")
async def edit_submit(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                      actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    form = await request.form(max_fields=MAX_MATERIAL_ROWS * 12 + catalog_joint.MAX_FIELDS + 100)
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    version, existing = catalog.newest_version(session, actor, code=code)  # out of scope → 404
    values, rows = _read_form(form)
    joint_rows = catalog_joint.read_rows(form)
    joint, kept = catalog_joint.joint_value(catalog_joint.lead_name(session, version), joint_rows)
    by_seq = {str(m.seq): m for m in existing}
    for row in rows:  # keep showing which rows carry attachments
        if row["seq"] in by_seq:
            row["attachments"] = _material_values(by_seq[row["seq"]])["attachments"]
    try:
        changes = _changes(values)
        changes["joint"] = joint
        materials = _materials(rows, existing)
        catalog.update_draft(session, actor, code=code, changes=changes, materials=materials)
    except DomainError as exc:
        session.rollback()
        catalog_joint.to_form_field(exc, kept)
        return _edit_page(request, session, code, version, values, rows, joint_rows, form_error(exc), exc.status)
    return redirect(f"/admin/catalog/{quote(code)}?done=saved")
