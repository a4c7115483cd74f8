"""Staff license pages: the licenses a department (or a region, for region-wide roles) issued, one license
with its PDF, and the issuing department's approvers suspending, revoking or reinstating it with a reason."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.core.errors import DomainError
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.licenses import service as licenses
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.portal.guide import attachment_headers, page_number, pager
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(prefix="/workbench", include_in_schema=False)

PAGE_SIZE = 30
STATUS_FILTERS = {"": "全部", "valid": "有效", "suspended": "已暂扣", "revoked": "已注销", "expired": "已过期"}
CHANGE_WORDS = {"suspend": "暂扣", "revoke": "注销", "reinstate": "恢复"}
STALE = "该证照在您打开页面之后已被其他人变更，您的操作没有执行。下面是证照的最新情况，请核对后再决定是否操作。"


@router.get("/licenses")
def license_list(request: Request, status: str = "", q: str = "", page: str = "1",
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.LICENSE_READ)
    number = page_number(page)
    status = status if status in STATUS_FILTERS else ""
    error, code = None, 200
    try:
        total, rows = licenses.list_licenses(session, actor, status=status or None, q=q[:100] or None,
                                             limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    except DomainError as exc:  # e.g. a search by a full ID number without the permission
        total, rows, error, code = 0, [], form_error(exc), exc.status
    return render(request, "workbench/licenses.html", {
        "items": rows, "total": total, "status": status, "q": q[:100], "filters": STATUS_FILTERS, "error": error,
        "pager": pager("/workbench/licenses", {"status": status, "q": q[:100]}, number, total, PAGE_SIZE)},
        status=code)


def _page(request: Request, session: Session, actor: Actor, license_id: str, *, status: int = 200,
          error: dict[str, Any] | None = None, notice: str | None = None) -> Any:
    lic = licenses.get_license(session, actor, license_id)
    can_change = actor.can(Perm.LICENSE_REVOKE)
    actions = []
    if can_change and lic.status == "valid":
        actions = ["suspend", "revoke"]
    elif can_change and lic.status == "suspended":
        actions = ["reinstate", "revoke"]
    return render(request, "workbench/license.html", {
        "lic": lic, "actions": [(a, CHANGE_WORDS[a]) for a in actions], "error": error, "notice": notice},
        status=status)


@router.get("/licenses/{license_id}")
def license_page(request: Request, license_id: str, done: str = "",
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.LICENSE_READ)
    notice = f"证照已{CHANGE_WORDS[done]}。" if done in CHANGE_WORDS else None
    return _page(request, session, actor, license_id[:32], notice=notice)


@router.get("/licenses/{license_id}/pdf")
def license_pdf(license_id: str, session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Response:
    require_staff(actor, Perm.LICENSE_READ)
    name, data = licenses.pdf_bytes(session, actor, license_id[:32])
    return Response(data, media_type="application/pdf",
                    headers=attachment_headers(name) | {"Cache-Control": "private, no-store"})


@router.post("/licenses/{license_id}/status")
def license_status(request: Request, license_id: str, action: str = Form(""), reason: str = Form(""),
                   version: str = Form(""), csrf_token: str = Form(""),
                   session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.LICENSE_READ)
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            licenses.change_status(session, actor, license_id[:32], action=action[:20], reason=reason[:1000],
                                   expected_version=shown_version(version))
    except DomainError as exc:
        error = {"message": STALE, "field": "version"} if isinstance(exc, StaleVersion) else form_error(exc)
        return _page(request, session, actor, license_id[:32], status=exc.status, error=error)
    return redirect(f"/workbench/licenses/{quote(license_id[:32], safe='')}?done={quote(action[:20])}")
