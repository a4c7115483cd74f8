"""The hotline's monthly report in the console (12345热线办理情况通报): totals, the units ranked by satisfaction,
the channel groups and the knowledge base, for a month, as a page and Excel. Anyone with
:attr:`Perm.HOTLINE_REPORT` (the centre's operators, supervisors, administrators) sees the orders of their region."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.errors import DomainError
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.hotline import report as hotline_report
from yiwang.web.pagekit import current_actor, require_staff
from yiwang.web.setup import form_error, render

router = APIRouter(prefix="/console/hotline", include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: Request, *, month: str, status: int = 200, error: dict[str, Any] | None = None,
          report: hotline_report.MonthReport | None = None) -> Any:
    return render(request, "console/hotline_report.html", {
        "report": report, "month": month[:7], "error": error, "this_month": clock.today().strftime("%Y-%m"),
        "counts": hotline_report.COUNT_COLUMNS, "rates": hotline_report.RATE_COLUMNS,
        "centre_label": hotline_report.CENTRE_LABEL}, status=status)


def _report(request: Request, session: Session, actor: Actor, month: str, *, excel: bool):  # type: ignore[no-untyped-def]
    """The month's report as the page or its Excel file; a bad month gives the page with the Chinese error."""
    require_staff(actor, Perm.HOTLINE_REPORT)
    try:
        report = hotline_report.monthly_report(session, actor, hotline_report.parse_month(month[:20]))
    except DomainError as exc:
        return _page(request, month=month, status=exc.status, error=form_error(exc))
    if not excel:
        return _page(request, month=report.month.key, report=report)
    return Response(hotline_report.report_xlsx(report), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="hotline-report-{report.month.key}.xlsx"'})


@router.get("/report")
def report_page(request: Request, month: str = "", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _report(request, session, actor, month, excel=False)


@router.get("/report.xlsx")
def report_xlsx(request: Request, month: str = "", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _report(request, session, actor, month, excel=True)
