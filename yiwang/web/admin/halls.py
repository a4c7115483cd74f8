"""Administration of the service halls (服务大厅) of the administrator's region: the halls with their windows, the
items and staff of each window and whether its rating tablet is registered; importing halls from JSON lines (the
same file as ``yiwang hall import``); issuing a window's tablet key, whose address is shown once."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session

from yiwang.catalog import transfer
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.hall import service as hall
from yiwang.web.pagekit import current_actor, require_staff
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(prefix="/admin/halls", include_in_schema=False)


def _admin(actor: Actor) -> Actor:
    return require_staff(actor, Perm.HALL_MANAGE)


def _halls_page(request: Request, session: Session, actor: Actor, *, status: int = 200,
                error: dict[str, Any] | None = None, report: hall.HallImportReport | None = None,
                tablet: dict[str, str] | None = None) -> Any:
    halls = [(h, hall.hall_out(session, h)) for h in hall.halls_for(session, actor)]
    return render(request, "admin/halls.html", {
        "halls": halls, "error": error, "report": report, "summary": report.summary_lines() if report else [],
        "tablet": tablet, "max_mb": get_settings().max_upload_bytes // (1024 * 1024)}, status=status)


@router.get("")
def halls_list(request: Request, session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _admin(actor)
    return _halls_page(request, session, actor)


@router.post("/import")
def halls_import(request: Request, file: UploadFile | None = File(None), csrf_token: str = Form(""),
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _admin(actor)
    check_csrf(request, csrf_token)
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1) if file is not None else b""
    try:
        if not data:
            raise ValidationFailed("请选择要导入的大厅文件（.jsonl 或 .jsonl.gz）", field="file", code="file_required")
        if len(data) > limit:
            raise ValidationFailed(f"文件超过 {limit // (1024 * 1024)} MB", field="file", code="too_large")
        report = hall.import_halls(session, actor, transfer.read_jsonl_bytes(data))
    except DomainError as exc:
        session.rollback()
        return _halls_page(request, session, actor, status=exc.status, error=form_error(exc))
    return _halls_page(request, session, actor, report=report)


@router.post("/windows/{window_code}/tablet")
def window_tablet(request: Request, window_code: str, csrf_token: str = Form(""),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _admin(actor)
    check_csrf(request, csrf_token)
    code = window_code.strip()[:40]
    try:
        with session.begin_nested():
            key = hall.new_terminal_key(session, actor, code)
    except DomainError as exc:
        return _halls_page(request, session, actor, status=exc.status, error=form_error(exc))
    path = f"/hall/rate/{quote(code, safe='')}?key={quote(key, safe='')}"
    return _halls_page(request, session, actor, tablet={
        "window": code, "path": path, "url": get_settings().public_url.rstrip("/") + path})
