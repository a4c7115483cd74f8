"""Staff pages of 告知承诺核查: the department's post-check tasks (due dates, overdue marker) and one task, where
the deciding department records the result with a note and, optionally, an evidence file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from yiwang.cases import service as cases
from yiwang.core import storage
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.pledges import service as pledges
from yiwang.pledges.states import ACTION_LABELS, STATUS_LABELS
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.portal.guide import attachment_headers, page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(prefix="/workbench", include_in_schema=False)

PAGE_SIZE = 30
STATUS_FILTERS = {"": "全部", **STATUS_LABELS}
DONE = {"passed": "核查结果已登记：承诺属实。",
        "false_pledge": "已认定承诺不实：许可决定和相关电子证照已撤销，申请人的失信信息已记入信用记录。"}
STALE = "该核查任务在您打开页面之后已被其他人处理，您的结果没有登记。下面是任务的最新情况。"


def _id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 16):
        raise NotFound("核查任务不存在", field="check_id")
    return int(raw)


def _text(posted: FormData, name: str, limit: int = 2000) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@router.get("/pledge-checks")
def check_list(request: Request, status: str = "", overdue: str = "", q: str = "", page: str = "1",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.CASE_READ)
    number = page_number(page)
    status = status if status in STATUS_FILTERS else ""
    late = overdue == "1"
    total, rows = pledges.list_checks(session, actor, status=status or None, overdue=late, q=q[:100] or None,
                                      limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "workbench/pledge_checks.html", {
        "items": rows, "total": total, "status": status, "overdue": late, "q": q[:100], "filters": STATUS_FILTERS,
        "pager": pager("/workbench/pledge-checks", {"status": status, "overdue": "1" if late else "", "q": q[:100]},
                       number, total, PAGE_SIZE)})


def _detail(request: Request, session: Session, actor: Actor, check_id: int, *, status: int = 200,
            error: dict[str, Any] | None = None, notice: str | None = None,
            values: dict[str, str] | None = None) -> Any:
    check = pledges.get_check(session, actor, check_id)
    try:
        case = cases.get_case(session, actor, check.case_no)
        applicant = case.applicant_name
    except DomainError:
        applicant = check.applicant_name
    allowed = pledges.allowed_results(actor, check)
    return render(request, "workbench/pledge_check.html", {
        "c": check, "applicant": applicant, "events": pledges.timeline(session, actor, check_id),
        "results": [(r, ACTION_LABELS[r]) for r in allowed], "error": error, "notice": notice,
        "values": values or {}, "max_mb": get_settings().max_upload_bytes // (1024 * 1024),
        "status_labels": STATUS_LABELS, "action_labels": ACTION_LABELS}, status=status)


@router.get("/pledge-checks/{check_id}")
def check_page(request: Request, check_id: str, done: str = "",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.CASE_READ)
    return _detail(request, session, actor, _id(check_id), notice=DONE.get(done))


@router.get("/pledge-checks/{check_id}/evidence")
def check_evidence(check_id: str, session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)) -> Response:
    require_staff(actor, Perm.CASE_READ)
    record = pledges.evidence_file(session, actor, _id(check_id))
    return Response(storage.read(record), media_type=record.content_type,
                    headers=attachment_headers(record.filename) | {"Cache-Control": "private, no-store"})


@router.post("/pledge-checks/{check_id}/result")
def check_result(request: Request, check_id: str, posted: FormData = Depends(posted_form),
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.CASE_READ)
    check_csrf(request, _text(posted, "csrf_token", 200))
    number = _id(check_id)
    values = {"result": _text(posted, "result", 20), "note": _text(posted, "note")}
    try:
        with session.begin_nested():
            evidence = None
            upload = posted.get("evidence")
            if isinstance(upload, UploadFile) and upload.filename:
                limit = get_settings().max_upload_bytes
                record = storage.store(session, data=upload.file.read(limit + 1), filename=upload.filename,
                                       declared_type=upload.content_type, owner=actor.label)
                evidence = record.id
            pledges.record_result(session, actor, check_id=number, result=values["result"], note=values["note"],
                                  evidence_file_id=evidence, expected_version=shown_version(_text(posted, "version", 20)))
    except DomainError as exc:
        error = {"message": STALE, "field": "version"} if isinstance(exc, StaleVersion) else form_error(exc)
        if exc.field == "file":
            error["field"] = "evidence"
        return _detail(request, session, actor, number, status=exc.status, error=error, values=values)
    return redirect(f"/workbench/pledge-checks/{number}?done={values['result']}")
