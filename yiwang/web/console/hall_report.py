"""The hall's daily report in the console (政务服务事项日报): per hall in the viewer's scope and window type, as a
table, CSV (UTF-8 with a BOM) and Excel. Anyone with :attr:`Perm.HALL_REPORT` (supervisors, window clerks,
administrators) sees the halls their region covers or where they staff a window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.hall import report as hall_report
from yiwang.hall import service as hall_service
from yiwang.hall.states import OUTCOMES
from yiwang.web.pagekit import current_actor, require_staff
from yiwang.web.setup import form_error, render

router = APIRouter(prefix="/console/hall", include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(raw: str) -> dt.date:
    text = raw.strip()
    if not text:
        return clock.today()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD，例如 2026-03-02", field="date", code="invalid_date") from None


def _report(session: Session, actor: Actor, date: str, hall: str) -> tuple[dt.date, list[hall_report.HallDay]]:
    day = _day(date[:40])
    return day, hall_report.daily_report(session, actor, day=day, hall_code=hall.strip()[:40] or None)


def _page(request: Request, session: Session, actor: Actor, *, date: str, hall: str, status: int = 200,
          error: dict[str, Any] | None = None, report: list[hall_report.HallDay] | None = None,
          day: dt.date | None = None) -> Any:
    return render(request, "console/hall_report.html", {
        "report": report or [], "day": day, "date": date[:10], "hall": hall[:40], "error": error,
        "halls": hall_service.halls_for(session, actor), "outcomes": OUTCOMES,
        "query": f"date={day.isoformat() if day else ''}&hall={hall.strip()[:40]}"}, status=status)


@router.get("/report")
def report_page(request: Request, date: str = "", hall: str = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.HALL_REPORT)
    try:
        day, report = _report(session, actor, date, hall)
    except DomainError as exc:
        return _page(request, session, actor, date=date, hall=hall, status=exc.status, error=form_error(exc))
    return _page(request, session, actor, date=day.isoformat(), hall=hall, report=report, day=day)


def _download(request: Request, session: Session, actor: Actor, date: str, hall: str, suffix: str,
              media_type: str, write: Callable[[list[hall_report.HallDay]], bytes]) -> Any:
    """The report as a file (CSV, Excel), or the page with the error when the date or hall is wrong."""
    require_staff(actor, Perm.HALL_REPORT)
    try:
        day, report = _report(session, actor, date, hall)
    except DomainError as exc:
        return _page(request, session, actor, date=date, hall=hall, status=exc.status, error=form_error(exc))
    return Response(write(report), media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="hall-report-{day.isoformat()}.{suffix}"'})


@router.get("/report.csv")
def report_csv(request: Request, date: str = "", hall: str = "",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _download(request, session, actor, date, hall, "csv", "text/csv; charset=utf-8", hall_report.report_csv)


@router.get("/report.xlsx")
def report_xlsx(request: Request, date: str = "", hall: str = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _download(request, session, actor, date, hall, "xlsx", XLSX, hall_report.report_xlsx)
