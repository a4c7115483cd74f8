"""Applicant pages: apply online (e-form, materials, the pledge, drafts), my affairs (我的办件: the list,
one case with its timeline, answering a correction notice, withdrawing, material files and written
notices) and the public progress query. Every form works without JavaScript; every write is one
service call, and a refused one is shown again with the Chinese message and what was entered.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from yiwang.cases import notices
from yiwang.cases import service as cases
from yiwang.cases.models import Case
from yiwang.cases.states import OUTCOME_LABELS, Outcome
from yiwang.catalog import eforms
from yiwang.catalog import service as catalog
from yiwang.core import storage
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.core.requests import client_address, get_session
from yiwang.credit import service as credit
from yiwang.licenses import service as licenses
from yiwang.web.pagekit import current_actor, redirect, require_applicant
from yiwang.web.portal.guide import (
    attachment_headers,
    file_response,
    form_context,
    limit_words,
    page_number,
    pager,
)
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
MAX_FIELDS = 400
UPLOAD_ACCEPT = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.ofd"
LIGHT_WORDS = {"green": "正常", "yellow": "即将到期", "red": "已超期"}
DONE_MESSAGES = {"submitted": "申请已提交。", "resubmitted": "补正材料已提交，请等待工作人员受理。",
                 "withdrawn": "申请已撤回。", "supplemented": "容缺材料已补交，工作人员将继续办理。"}
# staff comments an applicant is meant to read; remarks on internal review steps stay internal
APPLICANT_COMMENTS = {"reject", "request_correction", "deny", "suspend", "extend", "withdraw", "resubmit", "revoke"}
PLEDGE_TEXT = ("本人承诺：所填写的信息和提交的材料真实、准确、完整；已知晓并符合本事项规定的条件和要求；"
               "以告知承诺方式免于提交的材料，愿意按要求在办结前补齐或接受核查。如有虚假承诺，"
               "愿意承担相应的法律责任，并同意将失信信息记入信用记录。")


def _text(posted: FormData, name: str, limit: int = 2000) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB"


def _requirement(m: Any) -> tuple[str, str]:
    """(word, css level) for a material of the guide."""
    if m.required and not m.deficiency_allowed:
        return "必要", "required"
    if m.deficiency_allowed:
        return "容缺后补", "deficiency"
    return "可选", "optional"


async def _store_uploads(session: Session, actor: Actor, posted: FormData,
                         fields: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Store the files posted under ``fields`` (input name → material name). Empty inputs are skipped.
    Returns (material name → new file id, material name → problem)."""
    limit = get_settings().max_upload_bytes
    stored: dict[str, str] = {}
    problems: dict[str, str] = {}
    for input_name, material in fields.items():
        upload = posted.get(input_name)
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue  # no file chosen
        data = await upload.read(limit + 1)
        if len(data) > limit:
            problems[material] = f"文件超过 {limit // (1024 * 1024)} MB 的上限"
            continue
        try:
            record = storage.store(session, data=data, filename=upload.filename, declared_type=upload.content_type,
                                   owner=actor.label)
        except DomainError as exc:
            problems[material] = exc.message
            continue
        stored[material] = record.id
    return stored, problems


# --- apply -----------------------------------------------------------------------------------------------

def pledge_barred(session: Session, actor: Actor, guide: Any) -> str | None:
    """Why the applicant may not pledge for this item now (a false pledge on record for its type), or None."""
    if not guide.pledge_allowed:
        return None
    record = credit.pledge_bar(session, applicant=actor.label, item_type=credit.item_type(guide.code, guide.basic_code))
    return credit.bar_message(record) if record is not None else None


def _apply_page(request: Request, session: Session, actor: Actor, guide: Any, *, values: dict[str, Any],
                kept: dict[str, str], pledge: bool, form_token: str, status: int = 200,
                chosen: dict[str, str] | None = None,
                error: dict[str, Any] | None = None, form_problems: list[dict[str, str]] | None = None,
                material_problems: dict[str, str] | None = None, pledge_problem: str | None = None,
                notice: str | None = None, draft_at: dt.datetime | None = None) -> Any:
    files = cases.own_files(session, actor, list(kept.values()))
    material_problems = material_problems or {}
    rows = []
    for i, m in enumerate(guide.materials):
        word, level = _requirement(m)
        record = files.get(kept.get(m.name, ""))
        # 用证/免提交: a valid e-license the applicant holds of the type this material names can replace it
        held = licenses.held(session, actor.label, m.license_type) if m.license_type else []
        rows.append({"index": i, "name": m.name, "requirement": word, "level": level, "notes": m.notes,
                     "file": record, "size": _size_words(record.size) if record else "",
                     "problem": material_problems.get(m.name), "licenses": held,
                     "chosen": (chosen or {}).get(m.name, held[0].license_id if held and not record else "")})
    ctx = form_context(guide, values, form_problems)
    summary = [{"anchor": f"f-{name}", "message": message} for name, message in ctx["form_problems"].items()]
    summary += [{"anchor": f"m{r['index']}", "message": f"{r['name']}：{r['problem']}"} for r in rows if r["problem"]]
    if pledge_problem:
        summary.append({"anchor": "pledge", "message": pledge_problem})
    barred = pledge_barred(session, actor, guide)
    return render(request, "portal/apply.html", {
        "guide": guide, **ctx, "materials": rows, "pledge": pledge and barred is None, "pledge_text": PLEDGE_TEXT,
        "pledge_barred": barred,
        "pledge_problem": pledge_problem, "form_token": form_token, "error": error, "summary": summary,
        "notice": notice, "draft_at": draft_at, "limit": limit_words(guide.promised_limit),
        "max_mb": get_settings().max_upload_bytes // (1024 * 1024), "accept": UPLOAD_ACCEPT}, status=status)


@router.get("/apply/{code}")
def apply_form(request: Request, code: str, saved: str = "", session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    guide = catalog.get_guide(session, code[:64])
    draft = cases.get_draft(session, actor, guide.code)
    kept = {str(m.get("name")): str(m.get("file_id")) for m in (draft.materials if draft else [])
            if isinstance(m, dict) and m.get("file_id")}
    return _apply_page(request, session, actor, guide, values=dict(draft.form) if draft else {}, kept=kept,
                       pledge=bool(draft and draft.pledge and guide.pledge_allowed),
                       form_token=secrets.token_urlsafe(18), draft_at=draft.updated_at if draft else None,
                       notice="草稿已保存。您可以继续填写，或稍后在“我的办件”中找到它。" if saved else None)


@router.post("/apply/{code}")
async def apply_submit(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                       actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    guide = catalog.get_guide(session, code[:64])
    posted = await request.form(max_files=len(guide.materials) + 5, max_fields=MAX_FIELDS)
    check_csrf(request, _text(posted, "csrf_token", 200))
    field_names = [f.name for f in eforms.fields(guide.form_schema)]
    raw = {name: _text(posted, name, 10_000) for name in field_names if isinstance(posted.get(name), str)}
    form_token = _text(posted, "form_token", 200) or secrets.token_urlsafe(18)
    pledge = guide.pledge_allowed and posted.get("pledge") == "on" and pledge_barred(session, actor, guide) is None
    # files: a new upload replaces the kept one; kept ids are checked to be the applicant's own
    kept_ids = {m.name: _text(posted, f"keep{i}", 32) for i, m in enumerate(guide.materials)
                if _text(posted, f"keep{i}", 32) and posted.get(f"drop{i}") != "on"}
    owned = cases.own_files(session, actor, list(kept_ids.values()))
    kept = {name: fid for name, fid in kept_ids.items() if fid in owned}
    # a held e-license chosen for a material stands in for a file (the service checks it is valid and theirs)
    chosen = {m.name: _text(posted, f"lic{i}", 32) for i, m in enumerate(guide.materials)
              if m.license_type and _text(posted, f"lic{i}", 32)}
    stored, file_problems = await _store_uploads(session, actor, posted,
                                                 {f"m{i}": m.name for i, m in enumerate(guide.materials)
                                                  if m.name not in chosen})
    kept.update(stored)

    def again(status: int, error: dict[str, Any], **problems: Any) -> Any:
        return _apply_page(request, session, actor, guide, values=raw, kept=kept, pledge=pledge,
                           form_token=form_token, status=status, error=error, chosen=chosen, **problems)

    if file_problems:
        return again(422, {"message": "部分文件未能上传，请按提示重新选择文件", "field": "materials"},
                     material_problems=file_problems)
    materials = [cases.MaterialIn(m.name, None, chosen[m.name]) if m.name in chosen
                 else cases.MaterialIn(m.name, kept[m.name]) for m in guide.materials
                 if m.name in chosen or m.name in kept]
    form = eforms.coerce_form(guide.form_schema, raw)
    if posted.get("intent") != "submit":  # 保存草稿 is the form's default button (Enter in a field saves)
        try:
            with session.begin_nested():
                cases.save_draft(session, actor, item_code=guide.code, form=form, materials=materials,
                                 pledge=pledge)
        except DomainError as exc:
            return again(exc.status, form_error(exc))
        return redirect(f"/apply/{quote(guide.code)}?saved=1")
    try:
        case = _submit_once(session, actor, guide.code, form, materials, pledge, form_token)
    except DomainError as exc:
        return again(exc.status, form_error(exc), **_problems_of(exc, materials))
    return redirect(f"/my/cases/{quote(case.case_no)}?done=submitted")


def _submit_once(session: Session, actor: Actor, code: str, form: dict[str, Any],
                 materials: list[cases.MaterialIn], pledge: bool, key: str) -> Case:
    """Submit with the form token as the idempotency key. Two posts of one form racing each other: the
    loser's key insert fails, and asking again returns the winner's case."""
    try:
        with session.begin_nested():
            return cases.submit(session, actor, item_code=code, form=form, materials=materials, pledge=pledge,
                                idempotency_key=key)
    except IntegrityError:
        with session.begin_nested():
            return cases.submit(session, actor, item_code=code, form=form, materials=materials, pledge=pledge,
                                idempotency_key=key)


def _problems_of(exc: DomainError, materials: list[cases.MaterialIn]) -> dict[str, Any]:
    """Where a refused submission went wrong: form fields, materials or the pledge."""
    if exc.code == "invalid_form":
        return {"form_problems": exc.extra.get("problems", [])}
    if exc.code == "materials_missing":
        return {"material_problems": {name: "缺少此项必要材料，请上传" for name in exc.extra.get("missing", [])}}
    field = exc.field or ""
    if field.startswith("materials.") and field.split(".")[1].isdigit():
        i = int(field.split(".")[1])
        if i < len(materials):
            return {"material_problems": {materials[i].name: exc.message}}
    if field == "pledge":
        return {"pledge_problem": exc.message}
    return {}


# --- my affairs -----------------------------------------------------------------------------------------

@router.get("/my/cases")
def my_cases(request: Request, page: str = "1", session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    number = page_number(page)
    total, rows = cases.list_cases(session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    items = [cases.list_view(session, c) for c in rows]
    drafts = []
    for d in cases.list_drafts(session, actor):
        try:
            name, open_ = catalog.get_guide(session, d.item_code).name, True
        except DomainError:  # the item was retired since: the draft can no longer be submitted
            name, open_ = d.item_code, False
        drafts.append({"code": d.item_code, "name": name, "updated_at": d.updated_at, "open": open_})
    return render(request, "portal/my_cases.html", {
        "total": total, "items": items, "drafts": drafts, "light_words": LIGHT_WORDS,
        "pager": pager("/my/cases", {}, number, total, PAGE_SIZE)})


def _case_page(request: Request, session: Session, actor: Actor, case: Case, *, status: int = 200,
               error: dict[str, Any] | None = None, notice: str | None = None,
               values: dict[str, str] | None = None) -> Any:
    view = cases.view(session, actor, case)
    spec = catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    item_materials = {m.name for m in spec.materials}
    open_notice = next((c for c in reversed(view.corrections) if c["answered_at"] is None), None) \
        if case.status == "correction_requested" else None
    to_correct = []
    if open_notice:
        to_correct = [{"index": j, "name": name, "uploadable": name in item_materials}
                      for j, name in enumerate(open_notice["materials"])]
    form_rows = [{"label": f.label, "value": _shown(view.form[f.name])} for f in eforms.fields(spec.form_schema)
                 if f.name in view.form and view.form[f.name] not in (None, "")]
    return render(request, "portal/my_case.html", {
        "case": view,
        "outcome_label": OUTCOME_LABELS.get(Outcome(view.outcome)) if view.outcome else None,
        "timeline": [{"entry": e, "comment": e.comment if e.action in APPLICANT_COMMENTS else None}
                     for e in view.timeline],
        "open_notice": open_notice, "to_correct": to_correct, "form_rows": form_rows,
        "notices": notices.available(session, case), "can_withdraw": "withdraw" in view.allowed_actions,
        "error": error, "notice": notice, "values": values or {}, "accept": UPLOAD_ACCEPT,
        "max_mb": get_settings().max_upload_bytes // (1024 * 1024)}, status=status)


def _shown(value: Any) -> Any:
    """A form value as a person reads it: 80 rather than 80.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _case_url(case_no: str) -> str:
    return f"/my/cases/{quote(case_no, safe='')}"


@router.get("/my/cases/{case_no}")
def my_case(request: Request, case_no: str, done: str = "", session: Session = Depends(get_session, scope="function"),
            actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    case = cases.get_case(session, actor, case_no)  # not theirs → the 404 page
    notice = None
    if done in DONE_MESSAGES:
        notice = DONE_MESSAGES[done] + f"办件编号：{case.case_no}，请妥善保存，可用于查询办理进度。"
    return _case_page(request, session, actor, case, notice=notice)


async def _posted_materials(request: Request, session: Session, actor: Actor, prefix: str,
                            names: list[Any]) -> tuple[str, dict[str, str], dict[str, str]]:
    """A case page's material upload form (correction answers, 容缺 supplements): the CSRF check, then
    the comment, the stored files by material name and the problems of the files that were refused. File
    field ``{prefix}{j}`` carries material ``names[j]``."""
    posted = await request.form(max_files=60, max_fields=MAX_FIELDS)
    check_csrf(request, _text(posted, "csrf_token", 200))
    stored, problems = await _store_uploads(session, actor, posted,
                                            {f"{prefix}{j}": str(name) for j, name in enumerate(names)})
    return _text(posted, "comment"), stored, problems


@router.post("/my/cases/{case_no}/resubmit")
async def my_case_resubmit(request: Request, case_no: str, session: Session = Depends(get_session, scope="function"),
                           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """Answer a correction notice: upload every corrected material at once."""
    require_applicant(actor)
    case = cases.get_case(session, actor, case_no)
    listed = next((c.materials for c in reversed(cases.corrections(session, case)) if c.answered_at is None), [])
    comment, stored, problems = await _posted_materials(request, session, actor, "c", listed)
    try:
        if problems:
            raise ValidationFailed("；".join(f"{k}：{v}" for k, v in problems.items()), field="materials")
        with session.begin_nested():
            cases.apply(session, actor, case_no=case.case_no, action="resubmit", comment=comment or None,
                        materials=[{"name": name, "file_id": fid} for name, fid in stored.items()])
    except DomainError as exc:
        session.refresh(case)
        return _case_page(request, session, actor, case, status=exc.status, error=form_error(exc),
                          values={"comment": comment})
    return redirect(_case_url(case.case_no) + "?done=resubmitted")


# --- 容缺后补: supplying deferred materials ------------------------------------------------------------

def _supplement_page(request: Request, session: Session, actor: Actor, case: Case, *, status: int = 200,
                     error: dict[str, Any] | None = None, problems: dict[str, str] | None = None,
                     values: dict[str, str] | None = None) -> Any:
    owed = cases.supplement_view(session, case)
    return render(request, "portal/supplement.html", {
        "case": cases.view(session, actor, case), "owed": owed,
        "rows": [{"index": j, "name": name, "problem": (problems or {}).get(name)}
                 for j, name in enumerate(owed["materials"] if owed else [])],
        "can_supplement": owed is not None and "supplement" in cases.allowed_actions(actor, case),
        "error": error, "values": values or {}, "accept": UPLOAD_ACCEPT,
        "max_mb": get_settings().max_upload_bytes // (1024 * 1024)}, status=status)


@router.get("/my/cases/{case_no}/supplement")
def my_case_supplement_form(request: Request, case_no: str, session: Session = Depends(get_session, scope="function"),
                            actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    case = cases.get_case(session, actor, case_no)
    return _supplement_page(request, session, actor, case)


@router.post("/my/cases/{case_no}/supplement")
async def my_case_supplement(request: Request, case_no: str, session: Session = Depends(get_session, scope="function"),
                             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """容缺后补: upload the materials the case was accepted without (any of them now, the rest later)."""
    require_applicant(actor)
    case = cases.get_case(session, actor, case_no)
    comment, stored, problems = await _posted_materials(request, session, actor, "s", list(case.deferred or []))
    try:
        if problems:
            raise ValidationFailed("部分文件未能上传，请按提示重新选择文件", field="materials")
        if not stored:
            raise ValidationFailed("请至少为一项待补材料选择文件", field="materials", code="materials_required")
        with session.begin_nested():
            cases.apply(session, actor, case_no=case.case_no, action="supplement", comment=comment or None,
                        materials=[{"name": name, "file_id": fid} for name, fid in stored.items()])
    except DomainError as exc:
        session.refresh(case)
        return _supplement_page(request, session, actor, case, status=exc.status, error=form_error(exc),
                                problems=problems, values={"comment": comment})
    return redirect(_case_url(case.case_no) + "?done=supplemented")


@router.post("/my/cases/{case_no}/withdraw")
def my_case_withdraw(request: Request, case_no: str, confirm: str = Form(""), comment: str = Form(""),
                     csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, csrf_token)
    case = cases.get_case(session, actor, case_no)
    comment = comment.strip()[:2000]
    try:
        if confirm != "yes":
            raise ValidationFailed("请勾选“我确认撤回本次申请”后再提交", field="confirm")
        with session.begin_nested():
            cases.apply(session, actor, case_no=case.case_no, action="withdraw", comment=comment or None)
    except DomainError as exc:
        session.refresh(case)
        return _case_page(request, session, actor, case, status=exc.status, error=form_error(exc),
                          values={"withdraw_comment": comment})
    return redirect(_case_url(case.case_no) + "?done=withdrawn")


@router.get("/my/cases/{case_no}/files/{file_id}")
def my_case_file(case_no: str, file_id: str, session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)) -> Response:
    require_applicant(actor)
    return file_response(cases.material_file(session, actor, case_no=case_no[:40], file_id=file_id[:32]))


@router.get("/my/cases/{case_no}/notices/{kind}")
def my_case_notice(case_no: str, kind: str, seq: str = "", session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)) -> Response:
    require_applicant(actor)
    return notice_response(session, actor, case_no, kind, seq)


def notice_response(session: Session, actor: Actor, case_no: str, kind: str, seq: str) -> Response:
    """A case's notice as a PDF download, for whoever may see the case (applicant or staff)."""
    number = int(seq) if seq.isdigit() and len(seq) < 4 else None
    doc = notices.render(session, actor, case_no=case_no[:40], kind=kind[:20], seq=number)
    return Response(doc.data, media_type="application/pdf",
                    headers=attachment_headers(doc.filename) | {"Cache-Control": "private, no-store"})


# --- public progress --------------------------------------------------------------------------------------

@router.get("/progress")
def progress(request: Request, case_no: str = "", tail: str = "", session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """Progress by case number and the last four characters of the applicant's phone or ID number."""
    case_no, tail = case_no.strip()[:40], tail.strip()[:18]
    ctx: dict[str, Any] = {"case_no": case_no, "tail": tail, "result": None, "error": None}
    if not case_no and not tail:
        return render(request, "portal/progress.html", ctx)
    try:
        if not case_no or len(tail) < 4:
            raise ValidationFailed("请填写办件编号，以及手机号码或证件号码的后四位", field="case_no" if not case_no
                                   else "tail")
        found = cases.public_view(session, cases.public_progress(session, case_no=case_no, tail=tail,
                                                                 client=client_address(request)))
    except DomainError as exc:
        return render(request, "portal/progress.html", {**ctx, "error": form_error(exc)}, status=exc.status)
    found["steps"] = [{"at": dt.datetime.fromisoformat(s["at"]), "step": s["step"]} for s in found["steps"]]
    found["outcome_label"] = OUTCOME_LABELS.get(Outcome(found["outcome"])) if found["outcome"] else None
    return render(request, "portal/progress.html", {**ctx, "result": found})
