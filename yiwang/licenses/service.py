"""Electronic licenses (电子证照): the license catalog, issuance, the wallet, verification and reuse.

Issuance is called by the case domain when an approval's outbox event is delivered. It is idempotent per
case and license type. A license carries two signatures from the issuing department's seal:
- a seal signature over the license data in canonical form, checked against the seal registry;
- a PAdES signature over the whole PDF, so that ordinary PDF tools can check it too.
The PDF embeds the signed data as ``license.json``, so a verifier that holds only the file can tell which
license it claims to be and whether it matches the registry.

Status changes (suspend, revoke, reinstate) are made only here, by the issuing department, with a reason,
through the lifecycle engine (the table is in states.py): timeline, audit record and event in one go. "Expired" is not stored: it follows from the validity dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.core import audit, clock, lifecycle, outbox, storage
from yiwang.core.codes import mask_id_number
from yiwang.core.config import get_settings
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm
from yiwang.core.ratelimit import SlidingWindow
from yiwang.licenses import events, repository
from yiwang.licenses import identifier as ident
from yiwang.licenses import pdf as license_pdf
from yiwang.licenses.models import License, LicenseCounter, LicenseShare, LicenseType, LicenseVerification
from yiwang.licenses.states import ACTION_WORDS, FINAL, STATUS_LABELS, TRANSITIONS
from yiwang.org import service as org_service
from yiwang.seals import service as seals

ATTACHMENT = "license.json"


class LicenseOut(BaseModel):
    license_id: str
    identifier: str
    type: str
    type_code: str
    status: str
    status_label: str
    status_reason: str | None
    holder_name: str
    holder_code: str
    issuer: str
    case_no: str | None
    fields: list[list[str]]
    valid_from: dt.date
    valid_until: dt.date | None
    issued_at: dt.datetime
    seal_code: str
    version: int  # send it back as ``expected_version`` when changing the status


class LicenseTypeOut(BaseModel):
    code: str
    name: str
    department_id: int | None
    validity_years: int | None
    fields: list[dict[str, Any]]  # [{"label", "source", "required"}] in print order


@dataclass
class Verification:
    valid: bool
    reasons: list[str]
    license_id: str | None = None
    license: LicenseOut | None = None
    signer: str | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    complete: bool = True  # False when the check itself could not run: neither genuine nor forged

    @property
    def signature_valid(self) -> bool:
        """The file is one we issued, its PDF signature intact and trusted: only then does the license's
        registered status say anything about this file."""
        return self.complete and all(self.checks.get(k) for k in ("signed", "intact", "trusted", "registered"))

    def as_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "complete": self.complete, "reasons": self.reasons,
                "license_id": self.license_id, "checks": self.checks, "signer": self.signer,
                "license": public_summary(self.license) if self.license else None}


# --- the license catalog -------------------------------------------------------------------------------

def _type_out(t: LicenseType) -> LicenseTypeOut:
    return LicenseTypeOut(code=t.code, name=t.name, department_id=t.department_id, validity_years=t.validity_years,
                          fields=[{"label": str(f.get("label", "")), "source": str(f.get("source", "")),
                                   "required": bool(f.get("required", False))} for f in t.fields])


# where a license field's value comes from: the submitted form, the decision, the case or the applicant —
# never a constant, so a signed license states only what was applied for and decided
FIELD_SOURCES = ("form.", "decision.", "case.", "applicant.")
LEGACY_SOURCES = ("item_name", "case_no")  # older templates: the same as case.item_name / case.case_no


def valid_source(source: str) -> bool:
    if source in LEGACY_SOURCES:
        return True
    prefix, _, name = source.partition(".")
    return f"{prefix}." in FIELD_SOURCES and bool(name) and name.replace("_", "").isalnum()


def find_type(session: Session, ref: str) -> LicenseTypeOut | None:
    """The license type an item names (by code or name), if the catalog has it (read only)."""
    found = _find_type(session, ref)
    return _type_out(found) if found is not None else None


def default_type_code(name: str, region_code: str = "") -> str:
    """A stable 21-character type code for a type known only by name: region (6) + 15 of its digest."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest().upper()
    region = (region_code[:6] or "000000").ljust(6, "0")
    return region + digest[:15]


def _find_type(session: Session, ref: str) -> LicenseType | None:
    ref = ref.strip()
    return repository.type_by_ref(session, ref)


def add_type(session: Session, actor: Actor, *, name: str, code: str | None = None, department_id: int | None = None,
             validity_years: int | None = None, fields: Sequence[dict[str, Any]] = (),
             layout: dict[str, Any] | None = None) -> LicenseType:
    """Add a license type to the catalog (administrators; the system when an item names an unknown type)."""
    if actor is not SYSTEM:
        actor.require(Perm.CATALOG_ITEM_PUBLISH)
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("请填写证照类型名称（200 字以内）", field="name")
    region = org_service.get_department(session, department_id).region_code if department_id else ""
    code = (code or default_type_code(name, region)).strip().upper()
    if len(code) != ident.TYPE_CODE_LENGTH or any(c not in ident.ALPHABET for c in code):
        raise ValidationFailed("证照类型代码应为 21 位数字或大写字母", field="code", code="bad_type_code")
    if validity_years is not None and not 1 <= validity_years <= 100:
        raise ValidationFailed("有效期应为 1–100 年，长期有效请留空", field="validity_years")
    clean_fields = []
    for i, f in enumerate(fields):
        label, source = str(f.get("label", "")).strip(), str(f.get("source", "")).strip()
        if not label or not source:
            raise ValidationFailed("证照字段需要名称和取值来源", field=f"fields.{i}")
        if not valid_source(source):
            raise ValidationFailed(f"证照字段“{label}”的取值来源应为 form.<申请表字段>、decision.<决定字段>、"
                                   "case.<办件属性> 或 applicant.<申请人属性>，不能写入固定文字",
                                   field=f"fields.{i}.source", code="bad_field_source")
        clean_fields.append({"label": label[:50], "source": source[:100], "required": bool(f.get("required", False))})
    if _find_type(session, code) is not None or _find_type(session, name) is not None:
        raise ValidationFailed("证照类型已存在", field="name", code="type_exists")
    record = LicenseType(code=code, name=name, department_id=department_id, validity_years=validity_years,
                         fields=clean_fields, layout=dict(layout or {}), created_at=clock.now())
    session.add(record)
    session.flush()
    audit.record(session, actor, "license_type.add", "license_type", code, {"name": name})
    return record


def ensure_type(session: Session, ref: str, *, department_id: int | None = None) -> LicenseTypeOut:
    """The type an item's ``result.license_type`` names (by code or name); an unknown one is created with
    defaults (long-term validity, the item's own fields) so that issuance never stops for want of a type."""
    found = _find_type(session, ref)
    if found is None:
        try:
            with session.begin_nested():
                found = add_type(session, SYSTEM, name=ref.strip()[:200], department_id=department_id)
        except (IntegrityError, ValidationFailed):
            found = _find_type(session, ref)
            if found is None:
                raise
    return _type_out(found)


def list_types(session: Session) -> list[LicenseTypeOut]:
    return [_type_out(t) for t in repository.all_types(session)]


# --- issuance ----------------------------------------------------------------------------------------

def check_issuable(session: Session, *, type_ref: str | None, department_id: int) -> None:
    """Refuse (409 ``license_not_issuable``, naming the reason) when a license of ``type_ref`` could not be
    issued by the department: called before a decision that issues one, so an approval never concludes with a
    license that silently never comes. Checks what ``issue`` needs: a known (or creatable) license type, the
    department's valid USCC, and a seal it has or can have made."""
    from yiwang.core.codes import uscc_problem
    from yiwang.licenses.errors import LicenseNotIssuable

    def refuse(reason: str) -> None:
        raise LicenseNotIssuable(f"无法签发电子证照：{reason}。请先排除该问题再作出准予决定", field="action")

    ref = (type_ref or "").strip()
    if not ref:
        refuse("事项未指明证照类型")
    if _find_type(session, ref) is None and (len(ref) > 200 or (
            len(ref) == ident.TYPE_CODE_LENGTH and all(c in ident.ALPHABET for c in ref.upper())
            and any(c.isdigit() for c in ref))):
        refuse(f"证照类型“{ref[:40]}”不在证照目录中")
    dept = org_service.get_department(session, department_id)
    if not dept.uscc:
        refuse(f"发证部门“{dept.name}”尚未登记统一社会信用代码")
    problem = uscc_problem(dept.uscc or "")
    if problem:
        refuse(f"发证部门“{dept.name}”的统一社会信用代码无效（{problem}）")
    seal_problem = seals.seal_problem(session, department_id)
    if seal_problem:
        refuse(seal_problem)


def _next_serial(session: Session, type_code: str, issuer_code: str) -> int:
    stmt = text("UPDATE license_counter SET last = last + 1 WHERE type_code = :t AND issuer_code = :i RETURNING last")
    row = session.execute(stmt, {"t": type_code, "i": issuer_code}).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(LicenseCounter(type_code=type_code, issuer_code=issuer_code, last=0))
        except IntegrityError:
            pass  # created by a concurrent issuance
        row = session.execute(stmt, {"t": type_code, "i": issuer_code}).one()
    return int(row[0])


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        anniversary = day.replace(year=day.year + years)
    except ValueError:  # from 29 February: the anniversary falls on 1 March of a common year
        anniversary = dt.date(day.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def license_data(lic: License) -> dict[str, Any]:
    """The license as signed: what the seal signature covers and what ``license.json`` carries."""
    return {"license_id": lic.license_id, "identifier": lic.identifier, "type_code": lic.type_code,
            "type_name": lic.type_name, "holder_name": lic.holder_name, "holder_code": lic.holder_code,
            "issuer": lic.issuer_name, "issuer_code": lic.issuer_code, "case_no": lic.case_no,
            "fields": [[str(a), str(b)] for a, b in lic.fields], "valid_from": lic.valid_from.isoformat(),
            "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
            "issued_on": clock.to_local(lic.issued_at).date().isoformat()}


def verify_url(license_id: str) -> str:
    return get_settings().public_url.rstrip("/") + f"/verify/{license_id}"


def issue(session: Session, actor: Actor, *, type_ref: str, department_id: int, holder: str, holder_kind: str,
          holder_name: str, holder_code: str, fields: Sequence[tuple[str, str]], case_no: str | None = None,
          valid_from: dt.date | None = None) -> License:
    """Issue a license: number it, sign its data with the department's seal, render and sign the PDF, store
    it, audit it. The same case never gets two licenses of one type (a repeated call returns the first)."""
    if actor is not SYSTEM:
        actor.require(Perm.CASE_APPROVE)
    lt_out = ensure_type(session, type_ref, department_id=department_id)
    lt = repository.type_by_code(session, lt_out.code)
    if case_no:
        if session.get_bind().dialect.name == "postgresql":
            # two workers delivering the same approval: the second waits here, then finds the first's license
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"license:{case_no}:{lt.code}"))))
        existing = repository.of_case_and_type(session, case_no, lt.code)
        if existing is not None:
            return existing
    # the department that decided the case issues it; the type's own department is only its catalog owner
    dept = org_service.get_department(session, department_id)
    if not dept.uscc:
        raise ValidationFailed(f"发证部门“{dept.name}”尚未登记统一社会信用代码，不能签发电子证照",
                               field="department_id", code="department_without_uscc")
    seal = seals.ensure_seal(session, dept.id)
    now = clock.now()
    start = valid_from or clock.to_local(now).date()
    serial = _next_serial(session, lt.code, dept.uscc)
    lic = License(license_id=secrets.token_urlsafe(15), identifier=ident.make(lt.code, dept.uscc, serial),
                  type_id=lt.id, type_code=lt.code, type_name=lt.name, holder=holder, holder_kind=holder_kind,
                  holder_name=holder_name, holder_code=holder_code, department_id=dept.id,
                  region_code=dept.region_code, issuer_name=dept.name, issuer_code=dept.uscc, case_no=case_no,
                  fields=[[str(a)[:50], str(b)[:500]] for a, b in fields], valid_from=start,
                  valid_until=_add_years(start, lt.validity_years) if lt.validity_years else None, issued_at=now,
                  status="valid", seal_code=seal.code, seal_signature={}, pdf_file_id="", pdf_sha256="")
    data = license_data(lic)
    lic.seal_signature = seals.sign_document(session, seal, seals.canonical(data))
    document = license_pdf.LicenseDocument(
        license_id=lic.license_id, title=lt.layout.get("title") or lt.name, identifier=lic.identifier,
        holder_name=holder_name, holder_code=holder_code, fields=[(a, b) for a, b in lic.fields],
        valid_from=lic.valid_from, valid_until=lic.valid_until, issuer=dept.name,
        issued_on=clock.to_local(now).date(), seal_name=seal.name, seal_caption=seals.caption(seal.code),
        verify_url=verify_url(lic.license_id))
    signer = seals.pdf_signer(session, seal)
    signed = license_pdf.sign(license_pdf.render(document), key_pem=signer.key_pem, cert_pem=signer.cert_pem,
                              chain_pems=signer.chain_pems,
                              attachment=seals.canonical({"data": data, "seal_signature": lic.seal_signature}),
                              attachment_name=ATTACHMENT, location=dept.name)
    stored = storage.store(session, data=signed, filename=f"{lt.name}-{lic.license_id}.pdf",
                           declared_type="application/pdf", owner=holder)
    lic.pdf_file_id, lic.pdf_sha256 = stored.id, stored.sha256
    session.add(lic)
    session.flush()
    audit.record(session, actor, "license.issue", "license", lic.license_id,
                 {"identifier": lic.identifier, "type": lt.code, "holder": holder, "case_no": case_no,
                  "seal": seal.code})
    outbox.emit(session, events.LICENSE_ISSUED, events.LicenseIssued(
        license_id=lic.license_id, holder=holder, case_no=case_no, type=lt.name).model_dump(mode="json"))
    return lic


# --- reading ------------------------------------------------------------------------------------------

def effective_status(lic: License, today: dt.date | None = None) -> str:
    today = today or clock.today()
    if lic.status == "valid" and lic.valid_until is not None and lic.valid_until < today:
        return "expired"
    return lic.status


def out(lic: License) -> LicenseOut:
    status = effective_status(lic)
    return LicenseOut(license_id=lic.license_id, identifier=lic.identifier, type=lic.type_name,
                      type_code=lic.type_code, status=status, status_label=STATUS_LABELS[status],
                      status_reason=lic.status_reason, holder_name=lic.holder_name, holder_code=lic.holder_code,
                      issuer=lic.issuer_name, case_no=lic.case_no, fields=[[str(a), str(b)] for a, b in lic.fields],
                      valid_from=lic.valid_from, valid_until=lic.valid_until, issued_at=lic.issued_at,
                      seal_code=lic.seal_code, version=lic.version)


def mask_name(name: str, kind: str) -> str:
    """A holder's name as strangers may see it: enterprises in full, people by surname only."""
    if kind == "enterprise" or len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def public_summary(lic: LicenseOut | None, *, holder_kind: str = "person") -> dict[str, Any] | None:
    if lic is None:
        return None
    return {"license_id": lic.license_id, "identifier": lic.identifier, "type": lic.type, "status": lic.status,
            "status_label": lic.status_label, "issuer": lic.issuer, "holder_name": mask_name(lic.holder_name, holder_kind),
            "valid_from": lic.valid_from.isoformat(),
            "valid_until": lic.valid_until.isoformat() if lic.valid_until else None}


def _visible(session: Session, actor: Actor, license_id: str) -> License:
    """A license the actor may see: the holder's own, or staff with license access within their scope.
    Anything else is 'not found', so that identifiers of others cannot be probed."""
    if not (actor.is_applicant or (actor.is_staff and actor.can(Perm.LICENSE_READ)) or actor is SYSTEM):
        raise NotFound("证照不存在", field="license_id")
    lic = repository.in_scope(session, actor, license_id)
    if lic is None:
        raise NotFound("证照不存在", field="license_id")
    return lic


def get_license(session: Session, actor: Actor, license_id: str) -> LicenseOut:
    lic = _visible(session, actor, license_id)
    if actor.is_staff:
        audit.record(session, actor, "license.view", "license", lic.license_id, {"holder": lic.holder})
    return shown_to(actor, lic)


def shown_to(actor: Actor, lic: License) -> LicenseOut:
    """A licence as ``actor`` sees it: a person's full ID number only for the holder and the issuing
    department (who handle the holder's cases); other staff — administrators, supervisors, catalog
    staff of the region — see it masked (4401**********1234)."""
    shown = out(lic)
    if actor.is_staff and lic.holder_kind == "person" and actor.department_id != lic.department_id:
        shown.holder_code = mask_id_number(shown.holder_code)
    return shown


def _holder_search(session: Session, actor: Actor, term: str) -> bool:
    """Whether a search term is a person's full ID number; staff may search by one only with the
    permission (the issuing department's case roles), and every such search is audited."""
    from stdnum.cn import ric

    if not ric.is_valid(term):
        return False
    if actor.is_staff:
        if not actor.can(Perm.LICENSE_SEARCH_HOLDER):
            raise PermissionDenied("按公民身份号码查询证照仅限发证部门的办件人员；请按证照编号、办件编号或持证人姓名查询",
                                   field="q", code="holder_search_forbidden")
        audit.record(session, actor, "license.search_by_holder", "license", mask_id_number(term))
    return True


def list_licenses(session: Session, actor: Actor, *, status: str | None = None, q: str | None = None,
                  limit: int = 20, offset: int = 0) -> tuple[int, list[LicenseOut]]:
    """The wallet of an applicant, or the licenses a staff member's department (region) issued."""
    if actor.is_staff:
        actor.require(Perm.LICENSE_READ)
    elif not actor.is_applicant:
        raise PermissionDenied("请先登录", code="forbidden")
    if status and status not in ("expired", "valid", "suspended", "revoked"):
        raise ValidationFailed("状态应为：有效、已暂扣、已注销或已过期", field="status")
    term: str | None = None
    if q and q.strip():
        term = q.strip()[:100]
        _holder_search(session, actor, term.upper())
    total, rows = repository.page(session, actor, status=status or None, term=term, today=clock.today(),
                                  limit=limit, offset=offset)
    return total, [shown_to(actor, r) for r in rows]


def for_case(session: Session, case_no: str) -> list[dict[str, Any]]:
    """What a concluded case lists: [{"license_id", "identifier", "type", "status"}]."""
    rows = repository.of_case(session, case_no)
    return [{"license_id": r.license_id, "identifier": r.identifier, "type": r.type_name,
             "status": effective_status(r)} for r in rows]


def pdf_bytes(session: Session, actor: Actor, license_id: str) -> tuple[str, bytes]:
    """The signed PDF for the holder or the issuing department's staff: (file name, bytes)."""
    lic = _visible(session, actor, license_id)
    if actor.is_staff and actor.department_id != lic.department_id:
        raise NotFound("证照不存在", field="license_id")  # the full document is for the holder and the issuer
    record = session.get(storage.StoredFile, lic.pdf_file_id)
    if record is None:
        raise NotFound("证照文件不存在", field="license_id")
    if actor.is_staff:
        audit.record(session, actor, "license.download", "license", lic.license_id, {"holder": lic.holder})
    return f"{lic.type_name}-{lic.license_id}.pdf", storage.read(record)


def held(session: Session, holder: str, type_ref: str) -> list[LicenseOut]:
    """The holder's licenses of a type (by code or name) that are valid today: what can replace an upload."""
    lt = _find_type(session, type_ref)
    if lt is None:
        return []
    return [out(r) for r in repository.valid_held(session, holder, lt.code, clock.today())]


def held_by(session: Session, holder: str, viewer: Actor) -> list[LicenseOut]:
    """The licences the holder holds that are valid today and that ``viewer`` may see (a window serving them: those
    issued within the window clerk's region), newest first."""
    return [out(r) for r in repository.valid_of_holder(session, holder, clock.today(), viewer)]


def check_reuse(session: Session, holder: str, license_id: str, type_ref: str | None, *, field_name: str) -> LicenseOut:
    """Verify a license offered instead of a material (用证/免提交): the applicant's own, of the type the material
    names, valid today, and its seal signature intact. Returns it, for the case to record the reference."""
    if not type_ref:
        raise ValidationFailed("该材料不接受以电子证照代替", field=field_name, code="license_not_accepted")
    lic = repository.holders(session, license_id.strip()[:32], holder)
    lt = _find_type(session, type_ref)
    if lic is None:
        raise ValidationFailed("未找到您持有的该电子证照", field=field_name, code="license_not_found")
    if lt is None or lic.type_code != lt.code:
        raise ValidationFailed(f"所选证照不是“{type_ref}”", field=field_name, code="license_wrong_type")
    status = effective_status(lic)
    if status != "valid":
        raise ValidationFailed(f"所选证照{STATUS_LABELS[status]}，不能使用", field=field_name, code="license_not_valid")
    if seals.verify_document(session, lic.seal_signature, seals.canonical(license_data(lic))):
        raise ValidationFailed("所选证照签章校验未通过，请联系发证部门", field=field_name, code="license_seal_invalid")
    return out(lic)


# --- status changes -------------------------------------------------------------------------------------

@dataclass
class StatusChange(lifecycle.Context):
    reason: str = ""


def _is_issuer(actor: Actor, lic: License) -> bool:
    return actor.is_staff and actor.can(Perm.LICENSE_REVOKE) and actor.department_id == lic.department_id


def _status_event(lic: License, ctx: lifecycle.Context) -> events.LicenseStatusChanged:
    reason = ctx.reason if isinstance(ctx, StatusChange) else str(ctx.data.get("reason", ""))
    return events.LicenseStatusChanged(license_id=lic.license_id, holder=lic.holder, reason=reason,
                                       type=lic.type_name)


MACHINE: lifecycle.Machine[License] = lifecycle.Machine(
    name="license", transitions=TRANSITIONS, subject=lambda lic: lic.license_id,
    topic=lambda action: events.CHANGE_TOPICS.get(action), event=_status_event,
    holds=lambda actor, lic, transition, action: _is_issuer(actor, lic), stamp_attr="status_changed_at",
    labels=STATUS_LABELS)


def change_status(session: Session, actor: Actor, license_id: str, *, action: str, reason: str,
                  expected_version: int | None = None) -> LicenseOut:
    """Suspend, revoke or reinstate a license: only the issuing department, always with a reason. With
    ``expected_version`` (the version the caller was shown) a change someone made meanwhile is a StaleVersion."""
    if action not in ACTION_WORDS:
        raise ValidationFailed("操作应为：暂扣、注销或恢复", field="action", code="bad_action")
    lic = _visible(session, actor, license_id)
    if not _is_issuer(actor, lic):
        raise PermissionDenied("只有发证部门的审批人员可以变更证照状态", code="forbidden")
    lifecycle.check_version(MACHINE, lic, expected_version)  # a stale page hears so before anything else
    word = ACTION_WORDS[action]
    if lic.status in FINAL:
        raise ValidationFailed("证照已注销，不能再变更", field="action", code="license_revoked")
    transition = MACHINE.rule(lic.status, action)
    if transition is None:
        raise ValidationFailed(f"证照当前{STATUS_LABELS[lic.status]}，不能{word}", field="action", code="bad_status")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(f"请填写{word}的原因", field="reason", code="reason_required")
    kept = reason[:1000] if transition.target != "valid" else None

    def keep_reason(session: Session, ctx: lifecycle.Context, lic: License) -> None:
        lic.status_reason = kept

    lifecycle.apply(session, MACHINE, lic, StatusChange(actor=actor, action=action, comment=reason[:1000],
                                                        data={"reason": reason[:1000]}, reason=reason),
                    effect=keep_reason, expected_version=expected_version)
    return out(lic)


# --- sharing --------------------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share(session: Session, actor: Actor, license_id: str, *, days: int, note: str | None = None) -> tuple[str, dt.datetime]:
    """A verification link the holder hands out, valid for ``days`` days: (token, expires_at)."""
    lic = _visible(session, actor, license_id)
    if lic.holder != actor.label:
        raise PermissionDenied("只有持证人可以分享证照", code="forbidden")
    most = get_settings().license_share_max_days
    if not isinstance(days, int) or not 1 <= days <= most:
        raise ValidationFailed(f"有效天数应为 1–{most} 天", field="days")
    token = secrets.token_urlsafe(24)
    expires = clock.now() + dt.timedelta(days=days)
    session.add(LicenseShare(token_hash=_token_hash(token), license_pk=lic.id, created_by=actor.label,
                             created_at=clock.now(), expires_at=expires, note=(note or "").strip()[:200] or None))
    audit.record(session, actor, "license.share", "license", lic.license_id, {"days": days})
    return token, expires


def share_url(token: str) -> str:
    return get_settings().public_url.rstrip("/") + f"/verify/s/{token}"


# --- verification ---------------------------------------------------------------------------------------

R_UNAVAILABLE = "无法完成验证：核验服务暂时出现故障，请稍后重试（这不表示文件有问题）"
VERIFICATIONS = SlidingWindow(limit=60, seconds=60)  # per client and worker: checks are CPU-heavy

def _log(session: Session, *, license_id: str | None, method: str, valid: bool, reasons: list[str],
         client: str | None) -> None:
    session.add(LicenseVerification(at=clock.now(), license_id=license_id, method=method, valid=valid,
                                    reasons=reasons, client=(client or "")[:64] or None))


def _status_reasons(lic: License) -> list[str]:
    status = effective_status(lic)
    if status == "revoked":
        return ["证照已注销" + (f"（原因：{lic.status_reason}）" if lic.status_reason else "")]
    if status == "suspended":
        return ["证照已暂扣" + (f"（原因：{lic.status_reason}）" if lic.status_reason else "")]
    if status == "expired":
        return [f"证照已于 {lic.valid_until} 超过有效期"]
    return []


def check_registered(session: Session, license_id: str, *, method: str = "page", client: str | None = None
                     ) -> tuple[Verification, str]:
    """What the QR code's page shows: the registry's word on a license id. Returns (result, holder kind)."""
    if method in ("api", "page", "share"):
        VERIFICATIONS.check(client or "unknown")
    lic = repository.by_license_id(session, license_id[:32])
    if lic is None:
        result = Verification(valid=False, reasons=["证照库中没有该证照"], license_id=None)
        _log(session, license_id=None, method=method, valid=False, reasons=result.reasons, client=client)
        return result, "person"
    reasons = _status_reasons(lic)
    if seals.verify_document(session, lic.seal_signature, seals.canonical(license_data(lic))):
        reasons.append("证照数据的印章签名校验未通过")
    result = Verification(valid=not reasons, reasons=reasons, license_id=lic.license_id, license=out(lic))
    _log(session, license_id=lic.license_id, method=method, valid=result.valid, reasons=reasons, client=client)
    return result, lic.holder_kind


def check_shared(session: Session, token: str, *, client: str | None = None) -> tuple[Verification, str]:
    share_row = repository.share_by_token_hash(session, _token_hash(token))
    if share_row is None or share_row.expires_at <= clock.now():
        result = Verification(valid=False, reasons=["分享链接不存在或已过期"])
        _log(session, license_id=None, method="share", valid=False, reasons=result.reasons, client=client)
        return result, "person"
    lic = session.get(License, share_row.license_pk)
    assert lic is not None
    return check_registered(session, lic.license_id, method="share", client=client)


def verify_pdf(session: Session, data: bytes, *, method: str = "api", client: str | None = None) -> Verification:
    """Check an uploaded license PDF. A file is genuine only if it is byte for byte one we issued (looked up by
    its SHA-256, which the whole-file PAdES signature also covers); then its license must be neither revoked,
    suspended nor expired and its registered data must still carry a valid seal signature. Any other file is
    refused, with what the PDF signature check found. Every check is logged."""
    if method in ("api", "page"):
        VERIFICATIONS.check(client or "unknown")
    digest = hashlib.sha256(data).hexdigest()
    lic = repository.by_pdf_digest(session, digest)
    try:
        check = license_pdf.inspect(data, trust_pems=seals.trust_roots(session))
    except license_pdf.CheckUnavailable:
        reasons = [R_UNAVAILABLE]
        license_id = lic.license_id if lic is not None else None
        _log(session, license_id=license_id, method=method, valid=False, reasons=reasons, client=client)
        return Verification(valid=False, reasons=reasons, license_id=license_id, complete=False)
    checks = {"signed": check.signed, "intact": check.intact, "trusted": check.trusted, "registered": lic is not None}
    if lic is None:
        reasons = list(check.reasons) + ["文件与本平台签发的电子证照不一致（不是签发的原件或已被改动）"]
        license_id = _claimed_id(check.attachment)
    else:
        # the very bytes we signed: a certificate that has expired since does not undo the signature
        reasons = [r for r in check.reasons if r != license_pdf.R_EXPIRED]
        seal_problems = seals.verify_document(session, lic.seal_signature, seals.canonical(license_data(lic)))
        checks["seal_signature"] = not seal_problems
        status_problems = _status_reasons(lic)
        checks["status_valid"] = not status_problems
        reasons += seal_problems + status_problems
        license_id = lic.license_id
    result = Verification(valid=not reasons, reasons=reasons, license_id=license_id,
                          license=out(lic) if lic is not None else None, signer=check.signer, checks=checks)
    _log(session, license_id=license_id, method=method, valid=result.valid, reasons=reasons, client=client)
    return result


def _claimed_id(attachment: bytes | None) -> str | None:
    """Which license a file that is not ours says it is (from a readable embedded license.json), if any."""
    if attachment is None:
        return None
    try:
        parsed = json.loads(attachment)
        value = parsed["data"]["license_id"]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return None
    return value[:32] if isinstance(value, str) and value.isprintable() else None


def verification_count(session: Session, license_id: str) -> int:
    return repository.verification_count(session, license_id)
