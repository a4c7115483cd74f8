"""Workbench pages for 跨域通办 and 转报: the receiving window's list of cases it took in for other regions
(通办代收), and the forms the case page carries — papers sent by courier, their receipt, the forward to an upper
department. Every write goes through ``cases.service``; a refusal re-renders the case page with its message."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.cases import service as cases
from yiwang.cases.errors import CaseConflict
from yiwang.core.errors import DomainError
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.org import service as org_service
from yiwang.web.pagekit import current_actor, redirect
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import (
    STALE,
    STATUSES,
    _case_url,
    _staff,
    _text,
    case_page,
    posted_form,
)

router = APIRouter(prefix="/workbench", include_in_schema=False)

PAGE_SIZE = 50
LABELS = {"paper_sent": "登记寄递纸质材料", "paper_received": "签收纸质材料", "forward": "转报上级部门"}


@router.get("/tongban")
def intake_list(request: Request, page: str = "1", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """通办代收: the cases this window took in for items decided in other regions, with their status."""
    _staff(actor)
    number = page_number(page)
    total, found = cases.intake_cases(session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    rows = []
    for case in found:
        transfers = cases.paper_transfers(session, actor, case)
        rows.append({"c": cases.list_view(session, case), "department": org_service.department_name(
            session, case.department_id), "deliver_at_intake": case.deliver_at_intake,
            "papers": "未登记" if not transfers else "、".join(t["status_label"] for t in transfers)})
    return render(request, "workbench/tongban.html", {
        "total": total, "rows": rows, "statuses": STATUSES,
        "pager": pager("/workbench/tongban", {}, number, total, PAGE_SIZE)})


def _failed(request: Request, session: Session, actor: Actor, case_no: str, exc: DomainError, what: str,
            values: dict[str, Any]):  # type: ignore[no-untyped-def]
    session.rollback()
    fresh = cases.get_case(session, actor, case_no)
    error = form_error(exc) | {"action": what, "inline": exc.status == 422, "label": LABELS[what]}
    return case_page(request, session, actor, fresh, error=error, values={} if isinstance(exc, StaleVersion)
                     else values, status=exc.status)


@router.post("/cases/{case_no}/paper-transfers")
def send_papers(request: Request, case_no: str, posted: FormData = Depends(posted_form),
                session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    case = cases.get_case(session, actor, case_no)
    materials = [line.strip() for line in _text(posted, "materials", 5000).splitlines() if line.strip()]
    values = {"courier": _text(posted, "courier", 100), "tracking_no": _text(posted, "tracking_no", 64),
              "materials": _text(posted, "materials", 5000), "comment": _text(posted, "comment")}
    try:
        cases.record_paper_transfer(session, actor, case_no=case.case_no, courier=values["courier"],
                                    tracking_no=values["tracking_no"], materials=materials,
                                    comment=values["comment"] or None)
    except DomainError as exc:
        return _failed(request, session, actor, case.case_no, exc, "paper_sent", values)
    return redirect(_case_url(case.case_no, "paper_sent") + "#paper")


@router.post("/cases/{case_no}/paper-transfers/{transfer_id}/receive")
def receive_papers(request: Request, case_no: str, transfer_id: int, posted: FormData = Depends(posted_form),
                   session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    case = cases.get_case(session, actor, case_no)
    version = _text(posted, "version", 20)
    try:
        cases.receive_paper_transfer(session, actor, case_no=case.case_no, transfer_id=transfer_id,
                                     comment=_text(posted, "comment") or None,
                                     expected_version=int(version) if version.isdigit() else None)
    except DomainError as exc:
        return _failed(request, session, actor, case.case_no, exc, "paper_received", {})
    return redirect(_case_url(case.case_no, "paper_received") + "#paper")


@router.post("/cases/{case_no}/forward")
def forward(request: Request, case_no: str, posted: FormData = Depends(posted_form),
            session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    case = cases.get_case(session, actor, case_no)
    target, reason = _text(posted, "to_department_id", 12), _text(posted, "comment")
    values = {"to_department_id": target, "comment": reason}
    try:
        posted_version = _text(posted, "version", 20)
        if posted_version != str(case.version):
            raise CaseConflict(STALE, field="version", code="stale_version")
        cases.forward(session, actor, case_no=case.case_no, to_department_id=int(target) if target.isdigit() else 0,
                      reason=reason, expected_version=int(posted_version))
    except DomainError as exc:
        if exc.field == "reason":
            exc.field = "comment"  # the form calls the reason its comment
        return _failed(request, session, actor, case.case_no, exc, "forward", values)
    return redirect(_case_url(case.case_no, "forward"))
