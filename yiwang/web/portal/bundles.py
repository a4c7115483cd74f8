"""一件事 pages of the portal: the entrance (every bundle, for enterprises and for persons), a bundle's guide, the
one application (one merged form, each material once) and following it as one thing. The staff's 一件事 pages
(the queue and the window's intake, web/workbench/bundles.py) reuse the application form built here.
Every form works without JavaScript; a refused application is shown again with the Chinese message and what
was entered."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.bundles import service as bundles
from yiwang.catalog import eforms
from yiwang.catalog import service as catalog
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.licenses import service as licenses
from yiwang.web.pagekit import current_actor, redirect, require_applicant
from yiwang.web.portal.applications import LIGHT_WORDS, MAX_FIELDS, UPLOAD_ACCEPT, _store_uploads, _text
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)
AUDIENCES = (("enterprise", "企业（法人）一件事", "从开办到注销，企业全生命周期的关联事项一次办"),
             ("person", "个人一件事", "从出生到退休，个人全生命周期的关联事项一次办"))
PAGE_SIZE = 20
MAX_FILES = 60  # a bundle's materials, each once


@router.get("/bundles")
def entrance(request: Request, q: str = "", session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    q = q.strip()[:100]
    rows = catalog.search_bundles(session, q or None)
    names = catalog.bundle_item_names(session, [c for b in rows for c in b.items])
    groups = []
    for audience, title, lead in AUDIENCES:
        cards = [{"code": b.code, "name": b.name, "description": b.description, "themes": b.themes,
                  "items": [names.get(c, ("", 0, False))[0] for c in b.items],
                  "departments": len({names.get(c, ("", 0, False))[1] for c in b.items})}
                 for b in rows if b.audience == audience]
        groups.append({"audience": audience, "title": title, "lead": lead, "cards": cards})
    return render(request, "portal/bundles.html", {"groups": groups, "q": q, "total": len(rows)})


@router.get("/bundles/{code}")
def bundle_guide(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    guide = bundles.guide(session, code[:64])
    names = {i["code"]: i["name"] for i in guide["items"]}
    return render(request, "portal/bundle.html", {"b": guide, "names": names,
                                                  "fields": eforms.fields(guide["form_schema"])})


# --- applying ----------------------------------------------------------------------------------------------

def _guide(session: Session, request: Request, code: str, posted: FormData | None = None) -> tuple[Any, list[str] | None]:
    """The bundle's guide for the items chosen (the page's query, or the posted form's hidden fields), and that
    choice (None: the whole bundle)."""
    codes = list(catalog.bundle(session, code[:64]).items)
    raw = posted.getlist("items") if posted is not None else request.query_params.getlist("items")
    wanted = [c for c in raw if isinstance(c, str) and c][:20]
    picked = [c for c in codes if c in wanted]
    items = picked if wanted and picked and len(picked) < len(codes) else None
    return bundles.guide(session, code[:64], items), items


def _apply_page(request: Request, session: Session, actor: Actor, guide: dict[str, Any], *,
                items: list[str] | None, values: dict[str, Any], kept: dict[str, str], chosen: dict[str, str],
                form_token: str, status: int = 200, error: dict[str, Any] | None = None,
                problems: dict[str, str] | None = None, applicant_code: str | None = None) -> Any:
    """The one application; ``applicant_code`` set (even empty): the 一件事 window filing for an applicant."""
    problems = problems or {}
    intake = applicant_code is not None
    names = {i["code"]: i["name"] for i in guide["items"]}
    rows = []
    for i, m in enumerate(guide["materials"]):
        held = licenses.held(session, actor.label, m["license_type"]) if m["license_type"] and not intake else []
        word = ("必要" if not m["deficiency_allowed"] else "容缺后补") if m["required"] else "可选"
        rows.append({"index": i, "name": m["name"], "requirement": word,
                     "level": "required" if word == "必要" else ("deferred" if m["required"] else "optional"),
                     "for": [names.get(c, c) for c in m["items"]], "kept": kept.get(m["name"]),
                     "licenses": held, "chosen": chosen.get(m["name"], held[0].license_id if held else ""),
                     "problem": problems.get(m["name"])})
    form_problems = {k.removeprefix("form."): v for k, v in problems.items() if k.startswith("form.")}
    return render(request, "portal/bundle_apply.html", {
        "b": guide, "items": items, "materials": rows, "form_fields": eforms.fields(guide["form_schema"]),
        "form_values": values, "form_problems": form_problems, "form_token": form_token, "error": error,
        "max_mb": get_settings().max_upload_bytes // (1024 * 1024), "accept": UPLOAD_ACCEPT,
        "intake": intake,
        "applicant_code": applicant_code or "", "applicant_problem": problems.get("applicant_code")}, status=status)


@router.get("/bundles/{code}/apply")
def apply_form(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return blank_page(request, session, actor, code)


def blank_page(request: Request, session: Session, actor: Actor, code: str, applicant_code: str | None = None) -> Any:
    """The one application, empty, for the items the page's query chose (or all)."""
    guide, items = _guide(session, request, code)
    return _apply_page(request, session, actor, guide, items=items, values={}, kept={}, chosen={},
                       form_token=secrets.token_urlsafe(18), applicant_code=applicant_code)


@router.post("/bundles/{code}/apply")
async def apply_submit(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                       actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return await file_from_page(request, session, actor, code)


async def file_from_page(request: Request, session: Session, actor: Actor, code: str, *,
                          intake: bool = False) -> Any:
    """The posted one application, filed (or shown again with what was entered and where it went wrong)."""
    posted = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    check_csrf(request, _text(posted, "csrf_token", 200))
    guide, items = _guide(session, request, code, posted)
    materials = guide["materials"]
    form_token = _text(posted, "form_token", 200) or secrets.token_urlsafe(18)
    applicant_code = _text(posted, "applicant_code", 30) if intake else None
    raw = {f.name: _text(posted, f.name, 10_000) for f in eforms.fields(guide["form_schema"])
           if isinstance(posted.get(f.name), str)}
    kept = {m["name"]: _text(posted, f"keep{i}", 32) for i, m in enumerate(materials) if _text(posted, f"keep{i}", 32)}
    chosen = {m["name"]: _text(posted, f"lic{i}", 32) for i, m in enumerate(materials)
              if m["license_type"] and _text(posted, f"lic{i}", 32) and not intake}
    stored, file_problems = await _store_uploads(session, actor, posted,
                                                 {f"m{i}": m["name"] for i, m in enumerate(materials)
                                                  if m["name"] not in chosen})
    kept.update(stored)

    def again(status: int, error: dict[str, Any], problems: dict[str, str]) -> Any:
        return _apply_page(request, session, actor, guide, items=items, values=raw, kept=kept, chosen=chosen,
                           form_token=form_token, status=status, error=error, problems=problems,
                           applicant_code=applicant_code)

    if file_problems:
        return again(422, {"message": "部分文件未能上传，请按提示重新选择文件"}, file_problems)
    if intake and not applicant_code:
        message = "请输入申请人的身份证号码或统一社会信用代码"
        return again(422, {"message": message}, {"applicant_code": message})
    given = [bundles.MaterialGiven(m["name"], None, chosen[m["name"]]) if m["name"] in chosen
             else bundles.MaterialGiven(m["name"], kept[m["name"]]) for m in materials
             if m["name"] in chosen or m["name"] in kept]
    form = eforms.coerce_form(guide["form_schema"], raw)
    try:
        app = _submit_once(session, actor, guide["code"], form, given, items, form_token, applicant_code)
    except DomainError as exc:
        problems = _problems(exc, guide)
        if exc.field in ("applicant_code", None) and intake and exc.status in (404, 422):
            problems["applicant_code"] = exc.message
        return again(exc.status, form_error(exc), problems)
    if intake:
        return redirect(f"/workbench/bundles/{quote(app.application_no)}?done=1")
    return redirect(f"/my/bundles/{quote(app.application_no)}?done=1")


def _submit_once(session: Session, actor: Actor, code: str, form: dict[str, Any],
                 given: list[bundles.MaterialGiven], items: list[str] | None, key: str,
                 applicant_code: str | None = None) -> Any:
    """The form token is the idempotency key: a double click or a resent form files once."""
    def file() -> Any:
        return bundles.submit(session, actor, bundle_code=code, form=form, materials=given, items=items,
                              idempotency_key=f"web:{key}", applicant_code=applicant_code)

    try:
        with session.begin_nested():
            return file()
    except IntegrityError:
        return file()


def _problems(exc: DomainError, guide: dict[str, Any]) -> dict[str, str]:
    """Where on the page a refusal belongs: a form field, a material, or the summary."""
    field = exc.field or ""
    if field.startswith("form."):
        return {field: exc.message}
    if isinstance(exc, ValidationFailed) and exc.code == "materials_missing":
        return {name: "请上传本项材料，或选用您持有的电子证照" for name in exc.extra.get("missing", [])}
    if field.startswith("materials."):
        parts = field.split(".")
        if len(parts) > 1 and parts[1].isdigit():
            names = [m["name"] for m in guide["materials"]]
            index = int(parts[1])
            if index < len(names):
                return {names[index]: exc.message}
    return {}


# --- following it ------------------------------------------------------------------------------------------

@router.get("/my/bundles")
def my_bundles(request: Request, page: str = "1", session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    number = page_number(page)
    total, rows = bundles.list_for(session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "portal/my_bundles.html", {
        "rows": bundles.views(session, actor, rows), "total": total, "lights": LIGHT_WORDS,
        "pager": pager("/my/bundles", {}, number, total, PAGE_SIZE)})


@router.get("/my/bundles/{application_no}")
def my_bundle(request: Request, application_no: str, done: str = "",
              session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return application_page(request, session, actor, application_no, done=bool(done))


def application_page(request: Request, session: Session, actor: Actor, application_no: str, *, done: bool,
                     staff: bool = False) -> Any:
    """One application followed as one thing, as the applicant (or staff: links to the workbench) sees it."""
    app = bundles.get(session, actor, application_no[:40])
    return render(request, "portal/my_bundle.html", {"a": bundles.view(session, actor, app), "lights": LIGHT_WORDS,
                                                     "done": done, "staff": staff})
