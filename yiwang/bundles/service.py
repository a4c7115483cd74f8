"""Business actions on 一件事 applications.

``submit`` files one application for a bundle: the merged form and the de-duplicated materials are split into
one case per chosen item (each through ``cases.service.submit``, so every rule of a single filing holds), all in
the caller's transaction — every case or none. The same idempotency key never files twice. The application's
overall status, its one clock and its light are read from its cases; when the last case concludes or closes,
``deliver_if_complete`` delivers every result together (统一送达).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.bundles import events
from yiwang.bundles.errors import ApplicationNotFound
from yiwang.bundles.models import BundleApplication, BundleSubmissionKey
from yiwang.cases import service as cases
from yiwang.cases.states import STATUS_LABELS, Status
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ApplicationSpec
from yiwang.core import audit, clock, lifecycle, outbox
from yiwang.core.calendar import get_calendar
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, ActorKind
from yiwang.identity import service as identity
from yiwang.org import service as org


@dataclass(frozen=True)
class MaterialGiven:
    name: str
    file_id: str | None = None
    license_ref: str | None = None


# --- what the applicant fills in -----------------------------------------------------------------------

def chosen_specs(session: Session, bundle: Any, items: Sequence[str] | None,
                 names: dict[str, tuple[str, int, bool]] | None = None) -> list[ApplicationSpec]:
    """The published versions of the items applied for: the subset asked for (each must be in the bundle and
    published), or — asked for none — every item of the bundle that can be applied for now (``names``: the
    bundle's item names as already read)."""
    if not items:
        names = names if names is not None else catalog.bundle_item_names(session, bundle.items)
        specs = [catalog.application_spec(session, c, max_age=2.0) for c in bundle.items
                 if names.get(c, ("", 0, False))[2]]
        if not specs:
            raise ValidationFailed(f"“{bundle.name}”的事项暂未开通，不能申请", field="bundle_code",
                                   code="item_not_published")
        return specs
    wanted = [c.strip() for c in items]
    for i, code in enumerate(wanted):
        if code not in bundle.items:
            raise ValidationFailed(f"事项 {code[:64]} 不属于“{bundle.name}”", field=f"items.{i}", code="not_in_bundle")
    if len(set(wanted)) != len(wanted):
        raise ValidationFailed("同一事项不能重复选择", field="items", code="duplicate_item")
    specs = []
    for code in [c for c in bundle.items if c in wanted]:
        try:
            specs.append(catalog.application_spec(session, code, max_age=2.0))
        except DomainError as exc:
            raise ValidationFailed(f"“{bundle.name}”中的事项 {code} 暂未开通，不能申请：{exc.message}",
                                   field=f"items.{wanted.index(code)}", code="item_not_published") from exc
    return specs


def guide(session: Session, code: str, items: Sequence[str] | None = None) -> dict[str, Any]:
    """A bundle as the portal and the API show it: its items with their departments and limits, the merged
    e-form and the de-duplicated materials (of the chosen items, or all)."""
    bundle = catalog.bundle(session, code)
    names = catalog.bundle_item_names(session, bundle.items)
    depts = org.departments_by_ids(session, {d for _, d, _ in names.values()})
    try:  # the whole bundle: what can be applied for now (an item not yet published is listed, not offered)
        specs = {s.code: s for s in chosen_specs(session, bundle, items, names)}
    except ValidationFailed:
        if items:
            raise
        specs = {}
    rows = []
    for c in bundle.items:
        name, dept_id, published = names.get(c, ("（事项不存在）", 0, False))
        spec = specs.get(c)
        dept = depts.get(dept_id)
        rows.append({"code": c, "name": name, "department": dept.name if dept else "", "department_id": dept_id,
                     "published": published, "chosen": spec is not None,
                     "limit": _limit_text(spec) if spec else None})
    chosen = list(specs.values())
    form, materials = catalog.merged_bundle(chosen, f"{bundle.name}联合申请表")
    asked = sum(len(s.materials) for s in chosen)
    return {"code": bundle.code, "name": bundle.name, "audience": bundle.audience, "themes": list(bundle.themes),
            "description": bundle.description, "items": rows, "form_schema": form, "materials": materials,
            "materials_asked": asked, "departments": len({s.department_id for s in chosen})}


def _limit_text(spec: ApplicationSpec) -> str:
    if spec.case_type == "immediate":
        return "即办"
    if spec.limit_value is None:
        return "—"
    unit = {"working_day": "个工作日", "natural_day": "个自然日"}.get(spec.limit_unit or "", "")
    return f"{spec.limit_value}{unit}"


# --- filing --------------------------------------------------------------------------------------------

def submit(session: Session, actor: Actor, *, bundle_code: str, form: dict[str, Any],
           materials: Sequence[MaterialGiven], items: Sequence[str] | None = None,
           idempotency_key: str | None = None, applicant_code: str | None = None) -> BundleApplication:
    """File a 一件事 application: one case per chosen item, all or none, in the caller's transaction."""
    applicant, channel = cases.filer(session, actor, applicant_code)
    key = idempotency_key.strip()[:200] if idempotency_key else None
    if key:
        known = session.get(BundleSubmissionKey, (actor.label, key))
        if known is not None:
            previous = session.get(BundleApplication, known.application_id)
            if previous is not None:
                return previous
    bundle = catalog.bundle(session, bundle_code)
    if applicant.kind.value != bundle.audience:
        who = "个人" if bundle.audience == "person" else "法人（企业）"
        raise ValidationFailed(f"“{bundle.name}”面向{who}办理，请使用{who}账号申请", field="bundle_code",
                               code="audience_mismatch")
    specs = chosen_specs(session, bundle, items)
    schema, merged = catalog.merged_bundle(specs, bundle.name)
    form = catalog.validate_form(schema, form)
    per_item, positions = _split_materials(merged, materials)
    profile = identity.applicant_profile(session, applicant)
    now = clock.now()
    # numbers for the application and every case, one reservation per region
    by_region: dict[str, list[ApplicationSpec]] = {}
    for spec in specs:
        by_region.setdefault(spec.region_code, []).append(spec)
    home = specs[0].region_code
    numbers: dict[str, str] = {}
    app_no = ""
    for region, group in by_region.items():
        extra = 1 if region == home else 0
        reserved = cases.reserve_numbers(session, region, len(group) + extra)
        if extra:
            app_no = get_settings().bundle_no_prefix + reserved.pop(0)
        numbers.update({s.code: n for s, n in zip(group, reserved, strict=True)})
    app = BundleApplication(
        application_no=app_no, bundle_code=bundle.code, bundle_name=bundle.name, applicant=profile.label,
        applicant_name=profile.name, filed_by=None if actor is applicant else actor.label, channel=channel,
        region_code=home, item_codes=[s.code for s in specs], form=form, submitted_at=now, version=1)
    session.add(app)
    session.flush()
    filing = cases.BundleFiling(application_id=app.id, applicant=applicant, channel=app.channel, profile=profile,
                                owners=cases.file_owners(session, {m.file_id for m in materials if m.file_id}))
    filed = []
    with session.no_autoflush:  # each case is flushed once, as it is filed
        for spec in specs:
            try:
                case = cases.submit(session, actor, item_code=spec.code, form=catalog.bundle_item_form(spec, form),
                                    materials=per_item.get(spec.code, []), bundle=filing,
                                    case_no=numbers[spec.code])
            except DomainError as exc:
                exc.message = f"“{spec.name}”：{exc.message}"
                exc.extra = exc.extra | {"item_code": spec.code}
                exc.field = _request_field(exc.field, positions.get(spec.code, []))
                raise
            filed.append(case)
    cases.write_bundle_cases(session, filing)
    app.due = max((c.due for c in filed if c.due is not None), default=None)
    if key:
        session.add(BundleSubmissionKey(principal=actor.label, key=key, application_id=app.id, created_at=now))
    session.flush()
    audit.record(session, actor, "bundle.submit", "bundle_application", app.application_no,
                 {"bundle": bundle.code, "cases": [c.case_no for c in filed], "applicant": profile.label})
    outbox.emit(session, events.BUNDLE_SUBMITTED,
                events.BundleChanged(application_no=app.application_no, bundle_code=bundle.code,
                                     bundle_name=bundle.name, applicant=profile.label, cases=[c.case_no for c in filed],
                                     status="in_progress").model_dump(mode="json"),
                subject=f"bundle:{app.application_no}")
    return app


def _request_field(field: str | None, positions: list[int]) -> str | None:
    """An item's own ``materials.<k>.…`` as the request's ``materials.<position>.…``."""
    parts = (field or "").split(".")
    if len(parts) > 1 and parts[0] == "materials" and parts[1].isdigit() and int(parts[1]) < len(positions):
        parts[1] = str(positions[int(parts[1])])
        return ".".join(parts)
    return field


def _split_materials(merged: list[dict[str, Any]],
                     given: Sequence[MaterialGiven]) -> tuple[dict[str, list[Any]], dict[str, list[int]]]:
    """Each given material to every chosen item that asks for it, under that item's own name for it; and, per
    item, the request position of each material it received (to report an item's refusal where it belongs)."""
    by_name: dict[str, dict[str, Any]] = {}
    for entry in merged:
        by_name.setdefault(entry["name"], entry)
        for alias in entry["names"].values():
            by_name.setdefault(alias, entry)
    out: dict[str, list[Any]] = {}
    positions: dict[str, list[int]] = {}
    seen: set[int] = set()
    for i, m in enumerate(given):
        found = by_name.get((m.name or "").strip())
        if found is None:
            raise ValidationFailed(f"“{m.name}”不是该“一件事”要求的申请材料", field=f"materials.{i}.name",
                                   code="unknown_material")
        entry = found
        if id(entry) in seen:
            raise ValidationFailed(f"申请材料“{entry['name']}”重复提交", field=f"materials.{i}.name",
                                   code="duplicate_material")
        seen.add(id(entry))
        if not m.file_id and not m.license_ref:
            raise ValidationFailed(f"请为“{entry['name']}”上传文件或选择电子证照", field=f"materials.{i}.file_id")
        for item_code, own_name in entry["names"].items():
            out.setdefault(item_code, []).append(cases.MaterialIn(own_name, m.file_id, m.license_ref))
            positions.setdefault(item_code, []).append(i)
    missing = [e["name"] for e in merged if e["required"] and not e["deficiency_allowed"] and id(e) not in seen]
    if missing:
        raise ValidationFailed("缺少必要的申请材料：" + "、".join(missing), field="materials",
                               code="materials_missing", extra={"missing": missing})
    return out, positions


# --- following it --------------------------------------------------------------------------------------

STATUS_LABELS_BUNDLE = {
    "action_required": "待补正材料", "in_progress": "办理中", "concluded": "已全部办结，待统一送达",
    "delivered": "已办结，结果已统一送达", "closed": "办理终止",
}
OPEN_STATUSES = {s.value for s in cases.OPEN}
WORST = {"red": 3, "yellow": 2, "green": 1}


def overall_status(statuses: Sequence[str]) -> str:
    if any(s == Status.CORRECTION_REQUESTED.value for s in statuses):
        return "action_required"
    if any(s in OPEN_STATUSES for s in statuses):
        return "in_progress"
    if any(s == Status.DELIVERED.value for s in statuses):
        return "delivered"
    if any(s == Status.CONCLUDED.value for s in statuses):
        return "concluded"
    return "closed"


def get(session: Session, actor: Actor, application_no: str) -> BundleApplication:
    """An application the actor may see: the applicant's (or the filer's) own; staff who see any of its cases."""
    app = session.scalars(select(BundleApplication)
                          .where(BundleApplication.application_no == application_no)).first()
    if app is None or not _may_see(session, actor, app):
        raise ApplicationNotFound("没有这个“一件事”申请，或您无权查看", field="application_no")
    return app


def _may_see(session: Session, actor: Actor, app: BundleApplication) -> bool:
    if actor.kind is ActorKind.SYSTEM:
        return True
    if actor.is_applicant:
        return actor.label == app.applicant
    if actor.is_staff:
        return actor.label == app.filed_by or cases.sees_bundle(session, actor, app.id)
    return False


def view(session: Session, actor: Actor, app: BundleApplication, today: dt.date | None = None) -> dict[str, Any]:
    """The application as one thing: its overall status, its one clock (the latest date any running case is due
    by) and light (the worst of its cases'), and each case's status. Staff see only the cases they may see
    in full; the others by item, department and status."""
    return views(session, actor, [app], today)[0]


def views(session: Session, actor: Actor, apps: Sequence[BundleApplication],
          today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or clock.today()
    by_app: dict[int, list[Any]] = {}
    for case in cases.bundle_cases(session, [a.id for a in apps]):
        by_app.setdefault(case.bundle_application_id or 0, []).append(case)
    # the applicant sees every case of their application; staff see in full only the cases in their scope, and of
    # the others the item, the department and the status (no number, outcome or dates)
    full = None if actor.is_applicant or actor.kind is ActorKind.SYSTEM else cases.visible_case_ids(
        session, actor, [a.id for a in apps])
    depts = org.departments_by_ids(session, {c.department_id for cs in by_app.values() for c in cs})
    cal = get_calendar(session)
    warn = get_settings().warn_working_days
    out = []
    for app in apps:
        rows = []
        worst, due = None, None
        for case in by_app.get(app.id, []):
            dept = depts.get(case.department_id)
            row = {"case_no": None, "item_code": case.item_code, "item_name": case.item_name,
                   "department": dept.name if dept else "", "department_id": case.department_id,
                   "status": case.status, "status_label": STATUS_LABELS[Status(case.status)], "outcome": None,
                   "due": None, "light": None, "concluded_at": None, "delivered_at": None}
            rows.append(row)
            if full is not None and case.id not in full:
                continue
            light = lifecycle.light(cal, today, case.due, warn) if case.due is not None else None
            if light and (worst is None or WORST[light] > WORST[worst]):
                worst = light
            if case.due is not None and case.status in OPEN_STATUSES:
                due = case.due if due is None else max(due, case.due)
            row.update(case_no=case.case_no, outcome=case.outcome, due=case.due, light=light,
                       concluded_at=case.concluded_at, delivered_at=case.delivered_at)
        status = overall_status([r["status"] for r in rows])
        out.append({"application_no": app.application_no, "bundle_code": app.bundle_code,
                    "bundle_name": app.bundle_name, "applicant_name": app.applicant_name, "channel": app.channel,
                    "status": status, "status_label": STATUS_LABELS_BUNDLE[status], "submitted_at": app.submitted_at,
                    "due": due if status in ("in_progress", "action_required") else None,
                    "light": worst if status in ("in_progress", "action_required") else None,
                    "remaining_working_days": lifecycle.remaining(cal, today, due) if due else None,
                    "delivered_at": app.delivered_at, "cases": rows,
                    "concluded": sum(1 for r in rows if r["status"] not in OPEN_STATUSES), "total": len(rows)})
    return out


def list_for(session: Session, actor: Actor, *, limit: int = 20, offset: int = 0,
             open_only: bool = False) -> tuple[int, list[BundleApplication]]:
    """The applications an applicant filed (newest first), or those staff see a case of."""
    if actor.is_applicant:
        stmt = select(BundleApplication).where(BundleApplication.applicant == actor.label)
        if open_only:
            stmt = stmt.where(BundleApplication.delivered_at.is_(None))
        rows = list(session.scalars(stmt.order_by(BundleApplication.id.desc()).limit(limit).offset(offset)))
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        return int(total), rows
    if not actor.is_staff:
        raise PermissionDenied("请先登录", code="forbidden")
    total, ids = cases.visible_bundle_ids(session, actor, limit=limit, offset=offset, open_only=open_only)
    rows = list(session.scalars(select(BundleApplication).where(BundleApplication.id.in_(ids))
                                .order_by(BundleApplication.id.desc())))
    return total, rows


# --- 统一送达 --------------------------------------------------------------------------------------------

def deliver_if_complete(session: Session, application_id: int) -> list[str]:
    """When no case of the application is open any more, deliver every concluded one together (the system
    acts, on the timeline of each case) and stamp the application. Returns the case numbers delivered; idempotent."""
    app = session.get(BundleApplication, application_id, with_for_update=True, populate_existing=True)
    if app is None or app.delivered_at is not None:
        return []
    rows = cases.bundle_cases(session, [app.id])
    if not rows or any(c.status in OPEN_STATUSES for c in rows):
        return []
    due = [c for c in rows if c.status == Status.CONCLUDED.value]
    note = f"“{app.bundle_name}”全部事项已办结，办理结果统一送达（申请编号 {app.application_no}）"
    for case in due:
        cases.deliver_together(session, case, note)
    app.delivered_at = clock.now()
    session.flush()
    audit.record(session, SYSTEM, "bundle.deliver", "bundle_application", app.application_no,
                 {"cases": [c.case_no for c in due]})
    outbox.emit(session, events.BUNDLE_DELIVERED,
                events.BundleChanged(application_no=app.application_no, bundle_code=app.bundle_code,
                                     bundle_name=app.bundle_name, applicant=app.applicant, cases=[c.case_no for c in due],
                                     status="delivered" if due else "closed").model_dump(mode="json"),
                subject=f"bundle:{app.application_no}")
    return [c.case_no for c in due]


# --- supervision and indicators -------------------------------------------------------------------------

def coverage(session: Session, actor: Actor, since: dt.date, until: dt.date) -> dict[str, Any]:
    """“一件事一次办”办件覆盖率 (seed 003, indicator 12): of the cases filed in the period for items that belong to
    a 一件事, the share filed through a 一件事 application — within the actor's scope. ``until`` is exclusive."""
    codes = {c for b in catalog.search_bundles(session) for c in b.items}
    start = dt.datetime.combine(since, dt.time(), tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)
    end = dt.datetime.combine(until, dt.time(), tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)
    total, bundled = cases.bundle_coverage(session, actor, codes, start, end)
    return {"since": since, "until": until, "items": len(codes), "cases": total, "bundled": bundled,
            "rate": round(100.0 * bundled / total, 1) if total else None}


def open_by_light(session: Session, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
    """The open applications in scope whose cases are due soonest (so the overdue ones are never cut off), with
    their one light: red first, then yellow, then the nearest due."""
    ids = cases.bundle_ids_by_due(session, actor, limit=limit)
    rows = list(session.scalars(select(BundleApplication).where(BundleApplication.id.in_(ids))))
    out = [v for v in views(session, actor, rows) if v["status"] in ("in_progress", "action_required")]
    out.sort(key=lambda v: (-WORST.get(v["light"] or "", 0), v["due"] or dt.date.max))
    return out
