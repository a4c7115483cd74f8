"""Public guide pages: the item directory with search and filters, one item's guide (办事指南) and the
download of a published material's blank form or sample."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.catalog import eforms
from yiwang.catalog import service as catalog
from yiwang.catalog.standards import (
    AUDIENCES,
    ITEM_TYPES,
    LEVELS,
    LIMIT_UNITS,
    MATERIAL_FORMS,
    MATERIAL_SOURCES,
    ONLINE_DEPTHS,
)
from yiwang.core import clock, storage
from yiwang.core.errors import DomainError
from yiwang.core.permissions import Actor
from yiwang.core.requests import client_address, get_session
from yiwang.web.pagekit import current_actor
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
# item types a person can pick in the directory filter ("00" only groups the power types)
TYPE_CHOICES = [(code, name) for code, name in ITEM_TYPES.items() if code != "00"]
AUDIENCE_CHOICES = [("person", "个人"), ("enterprise", "法人")]
CASE_TYPES = {"immediate": "即办件", "promised": "承诺件"}


# --- helpers shared with the catalog administration pages -------------------------------------

def page_number(raw: str | None) -> int:
    """A page number from the query string; anything odd means the first page."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1


def pager(path: str, params: dict[str, str], page: int, total: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """Links for a result list: previous/next and a window of page numbers around the current one."""
    pages = max(1, math.ceil(total / size))

    def url(n: int) -> str:
        query = {k: v for k, v in params.items() if v}
        if n > 1:
            query["page"] = str(n)
        return f"{path}?{urlencode(query)}" if query else path

    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, Any]] = []
    previous = 0
    for n in shown:
        if n - previous > 1:
            links.append({"gap": True})
        links.append({"n": n, "url": url(n), "current": n == page})
        previous = n
    return {"page": page, "pages": pages, "links": links,
            "prev": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None}


def limit_words(limit: Any) -> str:
    """'即办', '7 个工作日', or '' when no limit is set."""
    if limit is None:
        return ""
    if limit == "immediate":
        return "即办"
    return f"{limit['value']} {LIMIT_UNITS.get(limit['unit'], '天')}"


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    def ascii_only(text: str) -> str:
        return "".join(ch for ch in text if ch.isascii() and ch.isprintable() and ch not in '"\\;').strip()

    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    fallback = (ascii_only(stem) or "download") + (f".{ascii_only(ext)}" if ascii_only(ext) else "")
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}",
            "X-Content-Type-Options": "nosniff"}


def file_response(record: storage.StoredFile) -> Response:
    return Response(storage.read(record), media_type=record.content_type,
                    headers=attachment_headers(record.filename) | {"Cache-Control": "private, max-age=300"})


def faq_pairs(faq: list[Any]) -> list[tuple[str, str]]:
    """FAQ entries as (question, answer); imported catalogs use several shapes."""
    out = []
    for entry in faq:
        if isinstance(entry, dict):
            q = entry.get("q") or entry.get("question") or entry.get("问题") or ""
            a = entry.get("a") or entry.get("answer") or entry.get("答案") or entry.get("解答") or ""
            out.append((str(q), str(a)))
        elif entry:
            out.append((str(entry), ""))
    return out


def fee_rows(fees: list[Any]) -> list[dict[str, str]]:
    """Fees as rows of item, standard, basis and whether they can be waived."""
    rows = []
    for fee in fees:
        if isinstance(fee, dict):
            waivable = fee.get("waivable")
            rows.append({"item": str(fee.get("item") or fee.get("name") or "收费"),
                         "standard": str(fee.get("standard") or fee.get("amount") or ""),
                         "basis": str(fee.get("basis") or ""),
                         "waivable": "是" if waivable is True else "否" if waivable is False else ""})
        elif fee:
            rows.append({"item": str(fee), "standard": "", "basis": "", "waivable": ""})
    return rows


GUIDE_WORDS = {"levels": LEVELS, "audiences": AUDIENCES, "online_depths": ONLINE_DEPTHS,
               "material_forms": MATERIAL_FORMS, "material_sources": MATERIAL_SOURCES, "case_types": CASE_TYPES}


def guide_context(guide: Any) -> dict[str, Any]:
    """What the guide partial needs besides the guide itself."""
    published = dt.datetime.fromisoformat(guide.published_at) if guide.published_at else None
    return {"guide": guide, "legal_limit": limit_words(guide.legal_limit),
            "published_on": clock.to_local(published).strftime("%Y-%m-%d") if published else "",
            "promised_limit": limit_words(guide.promised_limit), "faq": faq_pairs(guide.faq),
            "fees": fee_rows(guide.fees), **GUIDE_WORDS}


# --- pages -----------------------------------------------------------------------------------------

@router.get("/items")
def items(request: Request, q: str = "", department: str = "", type: str = "",  # noqa: A002 - the API's name
          audience: str = "", theme: str = "", region: str = "", page: str = "1",
          session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """The directory: search and filters (audience 个人/法人, theme, region → department, type). Without a
    query the deployment's own region comes first, then what people apply for, then demand."""
    from yiwang.portal import service as portal
    from yiwang.portal.themes import AUDIENCE_NAMES, THEMES

    q, theme = q.strip()[:100], theme.strip()[:50]
    department = department if department.isdigit() and len(department) < 10 else ""
    audience = audience if portal.audience_kind(audience) else ""
    item_type = type if type in ITEM_TYPES else ""
    number = page_number(page)
    groups = portal.departments_by_region(session)
    region_names = {g.code: g.name for g in groups}
    region = region.strip()[:12]
    if department and not region:  # an old link with a department only: show its region as chosen
        region = next((g.code for g in groups for d in g.departments if str(d[0]) == department), "")
    region = region if region in region_names else ""
    region_departments = next((g.departments for g in groups if g.code == region), [])
    params = {"q": q, "region": region, "department": department, "type": item_type, "audience": audience,
              "theme": theme}
    error, status = None, 200
    try:
        found = portal.browse(session, q=q, audience=audience or None, theme=theme or None,
                              department_id=int(department) if department else None, region=region or None,
                              item_type=item_type or None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        total, results, facets = found.total, found.items, found.facets
        if q and number == 1:
            portal.record_search(session, q, client=client_address(request))
    except DomainError as exc:
        total, results, facets, error, status = 0, [], {}, form_error(exc), exc.status
    kind = portal.audience_kind(audience)
    base = {k: v for k, v in params.items() if v and k != "theme"}
    theme_facets = [(t, facets[t.slug], "/items?" + urlencode(base | {"theme": t.slug})) for t in THEMES
                    if kind in (None, t.audience) and facets.get(t.slug)]
    filtered = any(v for k, v in params.items() if k != "q")
    return render(request, "portal/items.html", {
        "params": params, "total": total, "results": [{"item": s, "limit": limit_words(s.promised_limit)}
                                                      for s in results],
        "filtered": filtered, "error": error, "pager": pager("/items", params, number, total),
        "regions": groups, "region_departments": region_departments,
        "region_name": region_names.get(region, ""), "types": TYPE_CHOICES, "audiences": AUDIENCE_CHOICES,
        "audience_kind": kind, "audience_name": AUDIENCE_NAMES.get(kind or "", ""), "theme_facets": theme_facets,
        "themes": THEMES, "theme_names": {t.slug: t.name for t in THEMES}}, status=status)


@router.get("/items/{code}")
def item(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    guide = catalog.get_guide(session, code[:64])  # ItemNotFound → the Chinese 404 page
    return render(request, "portal/item.html", guide_context(guide))


@router.get("/catalog-files/{file_id}")
def catalog_file(file_id: str, session: Session = Depends(get_session, scope="function")) -> Response:
    return file_response(catalog.public_material_file(session, file_id[:32]))


# --- the item's e-form (fill in and check before applying) ------------------------------------------

def form_context(guide: Any, values: dict[str, Any] | None = None,
                 problems: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """What the e-form partial needs: fields, the values entered and each field's problem."""
    by_field = {p["field"].removeprefix("form."): p["message"] for p in problems or []}
    return {"form_title": (guide.form_schema or eforms.GENERIC_FORM).get("title") or "申请表",
            "form_fields": eforms.fields(guide.form_schema), "form_values": values or {},
            "form_problems": by_field}


@router.get("/items/{code}/form")
def item_form(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    guide = catalog.get_guide(session, code[:64])
    return render(request, "portal/item_form.html", {"guide": guide, **form_context(guide)})


@router.post("/items/{code}/form")
async def item_form_check(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """Check a filled form on the server (the same validation an application gets) without applying."""
    guide = catalog.get_guide(session, code[:64])
    posted = await request.form()
    check_csrf(request, str(posted.get("csrf_token") or ""))
    raw = {k: str(v) for k, v in posted.items() if isinstance(v, str)}
    data = eforms.coerce_form(guide.form_schema, raw)
    try:
        eforms.validate(guide.form_schema, data)
    except DomainError as exc:
        return render(request, "portal/item_form.html",
                      {"guide": guide, "error": form_error(exc), **form_context(guide, raw, exc.extra["problems"])},
                      status=exc.status)
    return render(request, "portal/item_form.html",
                  {"guide": guide, "notice": "表单填写正确。", **form_context(guide, raw)})
