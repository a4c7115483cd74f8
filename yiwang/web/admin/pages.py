"""Administration: regions, departments, staff accounts and the working-day calendar."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session

from yiwang.core import calendar
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import ROLE_LABELS, Actor, Perm, Role
from yiwang.core.requests import get_session
from yiwang.identity import service as identity
from yiwang.org import service as org_service
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("")
def admin_home(request: Request, actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.IDENTITY_STAFF_MANAGE)
    return render(request, "admin/home.html")


# --- regions -------------------------------------------------------------------------------------

def _regions_page(request: Request, session: Session, error: dict | None = None, values: dict | None = None,
                  status: int = 200):  # type: ignore[no-untyped-def]
    return render(request, "admin/regions.html", {"regions": org_service.list_regions(session), "error": error,
                                                  "values": values or {}}, status=status)


@router.get("/regions")
def regions(request: Request, session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.ORG_REGION_MANAGE)
    return _regions_page(request, session)


@router.post("/regions")
def regions_add(request: Request, code: str = Form(""), name: str = Form(""), parent_code: str = Form(""),
                csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.ORG_REGION_MANAGE)
    check_csrf(request, csrf_token)
    try:
        org_service.add_region(session, actor, code=code, name=name, parent_code=parent_code or None)
    except DomainError as exc:
        session.rollback()
        return _regions_page(request, session, form_error(exc), {"code": code, "name": name,
                                                                  "parent_code": parent_code}, exc.status)
    return redirect("/admin/regions")


# --- departments ---------------------------------------------------------------------------------

def _departments_page(request: Request, session: Session, actor: Actor, error: dict | None = None,
                      values: dict | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render(request, "admin/departments.html", {
        "departments": org_service.list_departments(session, actor), "regions": org_service.list_regions(session),
        "error": error, "values": values or {}}, status=status)


@router.get("/departments")
def departments(request: Request, session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.ORG_DEPARTMENT_MANAGE)
    return _departments_page(request, session, actor)


@router.post("/departments")
def departments_add(request: Request, name: str = Form(""), region_code: str = Form(""), uscc: str = Form(""),
                    csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                    actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.ORG_DEPARTMENT_MANAGE)
    check_csrf(request, csrf_token)
    try:
        org_service.add_department(session, actor, name=name, region_code=region_code or None, uscc=uscc or None)
    except DomainError as exc:
        session.rollback()
        return _departments_page(request, session, actor, form_error(exc),
                                 {"name": name, "region_code": region_code, "uscc": uscc}, exc.status)
    return redirect("/admin/departments")


@router.post("/departments/{department_id}/combined-duties")
def departments_combined_duties(request: Request, department_id: int, combined: str = Form(""),
                                reason: str = Form(""), csrf_token: str = Form(""),
                                session: Session = Depends(get_session, scope="function"),
                                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """一人多岗: switch separation of duties off (with a reason) or back on for a small department."""
    require_staff(actor, Perm.ORG_DEPARTMENT_MANAGE)
    check_csrf(request, csrf_token)
    try:
        if len(reason) > 500:
            raise ValidationFailed("理由不超过 500 字", field="reason")
        org_service.set_combined_duties(session, actor, department_id=department_id, combined=combined == "1",
                                        reason=reason)
    except DomainError as exc:
        session.rollback()
        return _departments_page(request, session, actor, form_error(exc), {}, exc.status)
    return redirect("/admin/departments")


# --- staff ---------------------------------------------------------------------------------------

def _staff_page(request: Request, session: Session, actor: Actor, error: dict | None = None,
                values: dict | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render(request, "admin/staff.html", {
        "rows": identity.list_staff(session, actor), "departments": org_service.list_departments(session, actor),
        "roles": [(r.value, ROLE_LABELS[r]) for r in Role], "role_labels": {r.value: ROLE_LABELS[r] for r in Role},
        "error": error, "values": values or {}}, status=status)


@router.get("/staff")
def staff(request: Request, session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.IDENTITY_STAFF_MANAGE)
    return _staff_page(request, session, actor)


@router.post("/staff")
def staff_add(request: Request, login: str = Form(""), name: str = Form(""), password: str = Form(""),
              department_id: str = Form(""), roles: list[str] = Form([]), csrf_token: str = Form(""),
              session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.IDENTITY_STAFF_MANAGE)
    check_csrf(request, csrf_token)
    values = {"login": login, "name": name, "department_id": department_id, "roles": roles}
    try:
        if not department_id.isdigit():
            raise ValidationFailed("请选择所属部门", field="department_id")
        visible = {d.id for d in org_service.list_departments(session, actor)}
        if int(department_id) not in visible:
            raise ValidationFailed("只能在本人管辖范围内的部门中添加人员", field="department_id")
        identity.add_staff(session, actor, login=login, password=password, name=name,
                           department_id=int(department_id), roles=roles)
    except DomainError as exc:
        session.rollback()
        return _staff_page(request, session, actor, form_error(exc), values, exc.status)
    return redirect("/admin/staff")


# --- calendar ------------------------------------------------------------------------------------

def _calendar_page(request: Request, session: Session, actor: Actor, year: int | None = None, error: dict | None = None,
                   notice: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    cal = calendar.load(session)
    years = sorted(cal.years)
    shown = year if year in cal.years else (years[-1] if years else None)
    months = []
    if shown is not None:
        for month in range(1, 13):
            first = dt.date(shown, month, 1)
            days = []
            d = first
            while d.month == month:
                days.append({"date": d, "workday": cal.is_workday(d), "name": cal.holiday_name(d),
                             "weekend": d.weekday() >= 5})
                d += dt.timedelta(days=1)
            months.append({"month": month, "lead": first.weekday(), "days": days})
    return render(request, "admin/calendar.html", {"years": years, "shown": shown, "months": months,
                                                   "error": error, "notice": notice,
                                                   "may_import": calendar.may_replace_calendar(actor)},
                  status=status)


@router.get("/calendar")
def calendar_page(request: Request, year: int | None = None, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.CALENDAR_MANAGE)
    return _calendar_page(request, session, actor, year)


@router.post("/calendar")
def calendar_import(request: Request, file: UploadFile = File(...), csrf_token: str = Form(""),
                    force: str = Form(""), session: Session = Depends(get_session, scope="function"),
                    actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.CALENDAR_MANAGE)
    check_csrf(request, csrf_token)
    try:
        calendar.require_calendar_scope(actor)  # before the file is read
        raw = file.file.read(1024 * 1024 + 1)
        if len(raw) > 1024 * 1024:
            raise ValidationFailed("日历文件过大", field="file")
        year, entries, source = calendar.parse_holiday_file(raw)
        calendar.import_year(session, actor, year, entries, source, force=force == "1")
    except DomainError as exc:
        session.rollback()
        return _calendar_page(request, session, actor, error=form_error(exc), status=exc.status)
    return _calendar_page(request, session, actor, year, notice=f"已导入 {year} 年节假日安排（{len(entries)} 条调整日）")
