"""License pages: the holder's wallet (我的证照: list, one license, PDF download, share a verification link),
and the public verification pages — what a license's QR code opens, a shared link, and checking an uploaded
PDF. Verification pages show a stranger only what is needed to trust the document: the holder's name masked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError
from yiwang.core.permissions import Actor
from yiwang.core.requests import client_address, get_session
from yiwang.licenses import service as licenses
from yiwang.web.pagekit import current_actor, require_applicant
from yiwang.web.portal.guide import attachment_headers, page_number, pager
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
SHARE_DAYS = (1, 7, 30)


# --- the wallet -----------------------------------------------------------------------------------------

@router.get("/my/licenses")
def my_licenses(request: Request, page: str = "1", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    number = page_number(page)
    total, rows = licenses.list_licenses(session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "portal/my_licenses.html", {
        "total": total, "items": rows, "pager": pager("/my/licenses", {}, number, total, PAGE_SIZE)})


def _license_page(request: Request, session: Session, actor: Actor, license_id: str, *, status: int = 200,
                  error: dict[str, Any] | None = None, shared: dict[str, Any] | None = None) -> Any:
    lic = licenses.get_license(session, actor, license_id)
    days = min(SHARE_DAYS[-1], get_settings().license_share_max_days)
    return render(request, "portal/my_license.html", {
        "lic": lic, "error": error, "shared": shared, "share_days": [d for d in SHARE_DAYS if d <= days],
        "verify_url": licenses.verify_url(lic.license_id)}, status=status)


@router.get("/my/licenses/{license_id}")
def my_license(request: Request, license_id: str, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _license_page(request, session, actor, license_id[:32])


@router.get("/my/licenses/{license_id}/pdf")
def my_license_pdf(license_id: str, session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)) -> Response:
    require_applicant(actor)
    name, data = licenses.pdf_bytes(session, actor, license_id[:32])
    return Response(data, media_type="application/pdf",
                    headers=attachment_headers(name) | {"Cache-Control": "private, no-store"})


@router.post("/my/licenses/{license_id}/share")
def my_license_share(request: Request, license_id: str, days: str = Form("7"), note: str = Form(""),
                     csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            token, expires = licenses.share(session, actor, license_id[:32],
                                            days=int(days) if days.strip().isascii() and days.strip().isdigit() else 0, note=note[:200])
    except DomainError as exc:
        return _license_page(request, session, actor, license_id[:32], status=exc.status, error=form_error(exc))
    return _license_page(request, session, actor, license_id[:32],
                         shared={"url": licenses.share_url(token), "expires_at": expires})


# --- public verification --------------------------------------------------------------------------------

def _verify_page(request: Request, result: licenses.Verification, kind: str, *, shared: bool = False,
                 status: int = 200) -> Any:
    summary = licenses.public_summary(result.license, holder_kind=kind)
    if shared and result.license is not None:  # the holder chose to show this license in full
        summary = (summary or {}) | {"holder_name": result.license.holder_name, "fields": result.license.fields}
    return render(request, "portal/verify.html", {"result": result, "summary": summary, "shared": shared},
                  status=status)


@router.get("/verify")
def verify_form(request: Request, actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return render(request, "portal/verify_upload.html", {"result": None})


@router.post("/verify")
async def verify_upload(request: Request, session: Session = Depends(get_session, scope="function"),
                        actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    limit = get_settings().max_upload_bytes
    posted = await request.form(max_files=1, max_fields=5)
    token = posted.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else "")
    upload = posted.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "portal/verify_upload.html", {"result": None, "error": "请选择要核验的电子证照 PDF 文件"},
                      status=422)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        return render(request, "portal/verify_upload.html",
                      {"result": None, "error": f"文件超过 {limit // (1024 * 1024)} MB 的上限"}, status=413)
    # the PDF check is synchronous and runs its own event loop: never on the loop serving this request
    result = await run_in_threadpool(licenses.verify_pdf, session, data, method="page", client=client_address(request))
    return render(request, "portal/verify_upload.html", {
        "result": result, "summary": licenses.public_summary(result.license, holder_kind="person"),
        "filename": upload.filename})


@router.get("/verify/s/{token}")
def verify_shared(request: Request, token: str, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    result, kind = licenses.check_shared(session, token[:64], client=client_address(request))
    return _verify_page(request, result, kind, shared=True, status=200 if result.license_id else 404)


@router.get("/verify/{license_id}")
def verify_registered(request: Request, license_id: str, session: Session = Depends(get_session, scope="function"),
                      actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    result, kind = licenses.check_registered(session, license_id[:32], method="page", client=client_address(request))
    return _verify_page(request, result, kind, status=200 if result.license_id else 404)


def license_link(license_id: str) -> str:
    return f"/my/licenses/{quote(license_id, safe='')}"
