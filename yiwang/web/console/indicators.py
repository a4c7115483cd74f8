"""Indicators in the console: the month's table for a region or department (with the definitions), the monthly
report (每月专报) as a page, Excel and PDF, and the administrators' settings — which indicators the public
figures page shows, and the population figures per-capita indicators divide by. The public page is here too
(``/figures``, 绩效评估结果公开)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.core.requests import get_session
from yiwang.metrics import report as monthly
from yiwang.metrics import service as metrics
from yiwang.metrics.indicators import INDICATORS
from yiwang.metrics.periods import Month
from yiwang.org import service as org
from yiwang.web import charts
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)
SAVED = {"publication": "公开设置已保存，公众页面 /figures 即时生效。", "baseline": "基数已录入。"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Short = Annotated[str, Query(max_length=20)]  # one Query() per parameter: a shared instance shares its alias


def _choices(session: Session, actor: Actor) -> tuple[list[Any], list[Any]]:
    """The regions and departments the actor may pick (its region's subtree; a department's staff: none)."""
    if not actor.can(Perm.METRICS_REGION):
        return [], []
    home = region_prefix(actor.region_code) if actor.region_code else ""
    regions = [r for r in org.list_regions(session) if region_prefix(r.code).startswith(home)]
    return regions, list(org.list_departments(session, actor))


def _context(session: Session, actor: Actor, period: str, region_code: str, department: str) -> dict[str, Any]:
    regions, departments = _choices(session, actor)
    return {"period": period[:7], "region_code": region_code, "department": department, "regions": regions,
            "departments": departments, "this_month": clock.today().strftime("%Y-%m")}


def _indicators(request: Request, session: Session, actor: Actor, period: str, region_code: str, department: str,
                *, form_error_: dict[str, Any] | None = None, form: dict[str, str] | None = None,
                status: int = 200, saved: str | None = None) -> Any:
    """The indicator page; after a refused settings form, the same page with that form's error and its input."""
    ctx = _context(session, actor, period, region_code, department)
    manage = actor.can(Perm.METRICS_MANAGE)
    settings = {"manage": manage, "may_publish": manage and metrics.may_publish(actor),
                "published": set(metrics.published_codes(session)) if manage else set(),
                "baselines": metrics.baselines(session) if manage else [], "fmt": monthly.fmt,
                "computable": [i for i in INDICATORS if i.computable], "form": form or {},
                "form_error": form_error_, "saved": saved}
    try:
        table = metrics.indicator_table(session, actor, period=period, region_code=region_code or None,
                                        department=department or None)
    except DomainError as exc:
        return render(request, "console/indicators.html", {**ctx, **settings, "error": form_error(exc),
                                                            "table": None}, status=exc.status)
    return render(request, "console/indicators.html", {
        **ctx, **settings, "table": table, "period": table["period"], "region_code": table["region_code"] or "",
        "department": str(table["department"] or ""), "error": None}, status=status)


@router.get("/console/indicators")
def indicators_page(request: Request, period: Short = "", region_code: Short = "", department: Short = "",
                    saved: Short = "", session: Session = Depends(get_session, scope="function"),
                    actor: Actor = Depends(current_actor)) -> Any:
    require_staff(actor, Perm.METRICS_READ)
    return _indicators(request, session, actor, period, region_code, department, saved=SAVED.get(saved))


@router.post("/console/indicators/publication")
def publication(request: Request, codes: list[str] = Form(default=[]), csrf_token: str = Form(""),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    require_staff(actor, Perm.METRICS_MANAGE)
    check_csrf(request, csrf_token)
    try:
        metrics.set_published(session, actor, codes[:100])
    except DomainError as exc:
        return _indicators(request, session, actor, "", "", "", form_error_=form_error(exc), status=exc.status)
    return redirect("/console/indicators?saved=publication#publication")


@router.post("/console/indicators/baselines")
def baselines(request: Request, region_code: str = Form(""), key: str = Form(""), value: str = Form(""),
              csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)) -> Any:
    require_staff(actor, Perm.METRICS_MANAGE)
    check_csrf(request, csrf_token)
    text = value.strip().replace(",", "").replace("，", "")
    try:
        if not re.fullmatch(r"[0-9]{1,12}", text):
            raise ValidationFailed("基数应为不超过 12 位的正整数", field="value", code="invalid_value")
        metrics.set_baseline(session, actor, region_code=region_code[:20], key=key[:16], value=int(text))
    except DomainError as exc:
        return _indicators(request, session, actor, "", "", "", form_error_=form_error(exc), status=exc.status,
                           form={"region_code": region_code[:20], "key": key[:16], "value": value[:20]})
    return redirect("/console/indicators?saved=baseline#baselines")


def _report(request: Request, session: Session, actor: Actor, period: str, region_code: str, department: str,
            fmt: str) -> Any:
    require_staff(actor, Perm.METRICS_READ)
    ctx = _context(session, actor, period, region_code, department)
    try:
        scope = metrics.resolve_scope(session, actor, region_code or None, department or None)
        month = metrics.parse_month(period)
        report = monthly.monthly_report(session, actor, month, scope)
    except DomainError as exc:
        return render(request, "console/indicators_report.html", {**ctx, "error": form_error(exc), "report": None},
                      status=exc.status)
    name = "-".join(["indicators", month.key, *([scope.region_code] if scope.region_code else []),
                     *([f"d{scope.department_id}"] if scope.department_id else [])])
    if fmt == "xlsx":
        return Response(monthly.report_xlsx(report), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    if fmt == "pdf":
        return Response(monthly.report_pdf(report), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
    board = [charts.bar_chart([(t.indicator.name, t.now.value) for t in report.board if t.indicator.unit == "%"],
                              unit="%", title="重点指标完成情况", theme="light", max_value=100.0,
                              target=None, width=900, row_height=34)]
    return render(request, "console/indicators_report.html", {
        **ctx, "report": report, "period": month.key, "region_code": scope.region_code or "",
        "department": str(scope.department_id or ""), "error": None, "board": board, "fmt": monthly.fmt,
        "change": monthly.change_text, "rank_codes": monthly.RANK_CODES, "target": monthly.target_text})


@router.get("/console/indicators/report")
def report_page(request: Request, period: Short = "", region_code: Short = "", department: Short = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    return _report(request, session, actor, period, region_code, department, "page")


@router.get("/console/indicators/report.xlsx")
def report_xlsx(request: Request, period: Short = "", region_code: Short = "", department: Short = "",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    return _report(request, session, actor, period, region_code, department, "xlsx")


@router.get("/console/indicators/report.pdf")
def report_pdf(request: Request, period: Short = "", region_code: Short = "", department: Short = "",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)) -> Any:
    return _report(request, session, actor, period, region_code, department, "pdf")


@router.get("/figures")
def public_figures(request: Request, period: Short = "", region_code: Short = "",
                   session: Session = Depends(get_session, scope="function")) -> Any:
    """绩效评估结果公开: the indicators the deployment publishes, of a month that has ended."""
    last = Month.of(clock.today()).previous
    regions = [r for r in org.list_regions(session) if len(r.code) == 6]  # counties and above: 12 digits are streets
    try:
        table = metrics.public_table(session, period=period, region_code=region_code or None)
    except DomainError as exc:
        return render(request, "portal/figures.html", {"table": None, "error": form_error(exc), "period": period[:7],
                                                       "region_code": region_code, "latest": last.key,
                                                       "regions": regions}, status=exc.status)
    return render(request, "portal/figures.html", {"table": table, "error": None, "period": table["period"],
                                                   "region_code": table["region_code"] or "", "latest": last.key,
                                                   "fmt": monthly.fmt, "regions": regions})
