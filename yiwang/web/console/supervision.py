"""The supervision console (电子监察): open alerts and cards by department, level and age; supervision orders
(督办) and the ordered department's reply; monthly department scores with CSV/Excel export; the rules in force.
Supervisors see their region; a department's handlers and approvers see the orders addressed to it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yiwang.bundles import service as bundles
from yiwang.core import clock
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.core.requests import get_session
from yiwang.evaluation import service as evaluation
from yiwang.org import service as org_service
from yiwang.supervision import service as supervision
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(prefix="/console", include_in_schema=False)

PAGE_SIZE = 50
AGES = {"": "不限", "1": "1 天以上", "3": "3 天以上", "7": "7 天以上", "30": "30 天以上"}


def _int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@router.get("")
def overview(request: Request, level: str = "", department: str = "", age: str = "", status: str = "open",
             page: str = "1", session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.SUPERVISION_READ)
    number = page_number(page)
    level = level if level in {lv.value for lv in supervision.Level} else ""
    status = status if status in ("open", "cleared") else "open"
    age = age if age in AGES else ""
    total, rows = supervision.list_alerts(session, actor, level=level or None, department_id=_int(department),
                                          status=status, min_age_days=_int(age), limit=PAGE_SIZE,
                                          offset=(number - 1) * PAGE_SIZE)
    by_department = supervision.open_by_department(session, actor)
    return render(request, "console/overview.html", {
        "counts": supervision.open_counts(session, actor), "by_department": by_department,
        "alerts": [supervision.alert_out(session, a) for a in rows], "total": total,
        "levels": {lv.value: label for lv, label in supervision.LEVEL_LABELS.items()}, "ages": AGES,
        "departments": org_service.list_departments(session, actor),
        "params": {"level": level, "department": department, "age": age, "status": status},
        "pager": pager("/console", {"level": level, "department": department, "age": age, "status": status},
                       number, total, PAGE_SIZE)})


@router.post("/alerts/{alert_id}/close")
def close_alert(request: Request, alert_id: int, result: str = Form(""), csrf_token: str = Form(""),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.SUPERVISION_ORDER)
    check_csrf(request, csrf_token)
    supervision.close_card(session, actor, alert_id, result=result[:1000])
    return redirect("/console?status=open")


# --- orders ----------------------------------------------------------------------------------------------

ORDER_STALE = "该督办单在您打开页面之后已被其他人处理，您的操作没有执行。下面是督办单的最新情况，请核对后再决定是否操作。"
ORDER_DONE = {"issued": "督办单已发出，已通知被督办部门。", "replied": "答复已提交，已通知监察部门。",
              "closed": "督办单已办结。"}


def _orders_page(request: Request, session: Session, actor: Actor, *, status: int = 200,
                 error: dict[str, Any] | None = None, values: dict[str, str] | None = None) -> Any:
    total, rows = supervision.list_orders(session, actor, limit=100)
    if values is None:  # issuing from an alert: its case and department come in the link
        query = request.query_params
        values = {"case_no": query.get("case_no", "")[:40],
                  "department_id": str(_int(query.get("department_id", "")) or "")}
    return render(request, "console/orders.html", {
        "orders": [supervision.order_out(session, o) for o in rows], "total": total,
        "can_issue": actor.can(Perm.SUPERVISION_ORDER), "departments": org_service.list_departments(session, actor),
        "error": error, "values": values}, status=status)


@router.get("/bundles")
def bundle_overview(request: Request, since: str = "", until: str = "",
                    session: Session = Depends(get_session, scope="function"),
                    actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """一件事 under supervision: each open application's one light, and the 一件事 coverage of the period."""
    require_staff(actor, Perm.SUPERVISION_READ)
    today = clock.today()
    first = _date(since) or today.replace(day=1)
    last = _date(until) or today
    if last < first:
        first, last = last, first
    return render(request, "console/bundles.html", {
        "coverage": bundles.coverage(session, actor, first, last + dt.timedelta(days=1)), "last": last,
        "rows": bundles.open_by_light(session, actor), "lights": {"red": "已超期", "yellow": "即将到期",
                                                                  "green": "正常"}})


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()[:10]) if raw.strip() else None
    except ValueError:
        return None


@router.get("/orders")
def orders(request: Request, session: Session = Depends(get_session, scope="function"),
           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    return _orders_page(request, session, actor)


@router.post("/orders")
def issue_order(request: Request, department_id: str = Form(""), subject: str = Form(""), content: str = Form(""),
                reply_days: str = Form("3"), case_no: str = Form(""), csrf_token: str = Form(""),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.SUPERVISION_ORDER)
    check_csrf(request, csrf_token)
    values = {"department_id": department_id, "subject": subject[:200], "content": content[:5000],
              "reply_days": reply_days, "case_no": case_no[:40]}
    try:
        dept = _int(department_id)
        if dept is None:
            raise ValidationFailed("请选择被督办部门", field="department_id")
        with session.begin_nested():
            order = supervision.issue_order(session, actor, department_id=dept, subject=subject[:200],
                                            content=content[:5000], reply_days=_int(reply_days) or 0,
                                            case_no=case_no.strip()[:40] or None)
    except DomainError as exc:
        return _orders_page(request, session, actor, status=exc.status, error=form_error(exc), values=values)
    return redirect(f"/console/orders/{quote(order.order_no)}?done=issued")


def _order_page(request: Request, session: Session, actor: Actor, order_no: str, *, status: int = 200,
                error: dict[str, Any] | None = None, notice: str | None = None) -> Any:
    order = supervision.get_order(session, actor, order_no)
    return render(request, "console/order.html", {
        "order": supervision.order_out(session, order),
        "can_reply": actor.can(Perm.SUPERVISION_REPLY) and actor.department_id == order.department_id
        and order.status == "issued",
        "can_close": actor.can(Perm.SUPERVISION_ORDER) and order.status == "replied", "error": error,
        "notice": notice}, status=status)


@router.get("/orders/{order_no}")
def order_page(request: Request, order_no: str, done: str = "",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    return _order_page(request, session, actor, order_no[:30], notice=ORDER_DONE.get(done))


def _order_step(request: Request, session: Session, actor: Actor, order_no: str, step: Any, done: str) -> Any:
    """Run one change to an order; show the order again with the message when it is refused."""
    try:
        with session.begin_nested():
            step()
    except DomainError as exc:
        error = {"message": ORDER_STALE, "field": "version"} if isinstance(exc, StaleVersion) else form_error(exc)
        return _order_page(request, session, actor, order_no, status=exc.status, error=error)
    return redirect(f"/console/orders/{quote(order_no)}?done={done}")


@router.post("/orders/{order_no}/reply")
def reply_order(request: Request, order_no: str, reply: str = Form(""), version: str = Form(""),
                csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    check_csrf(request, csrf_token)
    no = order_no[:30]
    return _order_step(request, session, actor, no,
                       lambda: supervision.reply_order(session, actor, no, reply=reply[:5000],
                                                       expected_version=shown_version(version)), "replied")


@router.post("/orders/{order_no}/close")
def close_order(request: Request, order_no: str, note: str = Form(""), version: str = Form(""),
                csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.SUPERVISION_ORDER)
    check_csrf(request, csrf_token)
    no = order_no[:30]
    return _order_step(request, session, actor, no,
                       lambda: supervision.close_order(session, actor, no, note=note[:2000],
                                                       expected_version=shown_version(version)), "closed")


# --- scores and rules -------------------------------------------------------------------------------------

@router.get("/scores")
def scores(request: Request, month: str = "", format: str = "",  # noqa: A002
           session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.SUPERVISION_READ)
    try:
        first, _ = supervision.month_bounds(month[:7] or None)
    except DomainError as exc:
        return render(request, "console/scores.html", {"rows": [], "month": month[:7], "error": form_error(exc)},
                      status=exc.status)
    following = supervision.month_bounds(f"{first:%Y-%m}")[1]
    figures = evaluation.visible_figures(session, actor, since=first, until=following - dt.timedelta(days=1))
    rows = supervision.scores(session, actor, month=f"{first:%Y-%m}", figures=figures)
    if format == "csv":
        return Response(supervision.scores_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="scores-{first:%Y-%m}.csv"'})
    if format == "xlsx":
        return Response(supervision.scores_xlsx(rows),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="scores-{first:%Y-%m}.xlsx"'})
    return render(request, "console/scores.html", {"rows": rows, "month": f"{first:%Y-%m}", "error": None})


# Chinese names of the rules' parameters (the rule keys stay in the data and the API)
PARAM_LABELS = {"working_days": "提前预警（工作日）", "handle": "承办环节时限（工作日）",
                "check": "审核环节时限（工作日）", "approve": "审批环节时限（工作日）",
                "limit": "补正告知次数达到（次）即亮红牌", "min_chars": "理由最少字数",
                "lookback_days": "检查最近多少天的决定（天）"}
SCOPES = {"default": "默认（全平台）", "item_type": "事项类型", "item": "单个事项"}
RULES_DONE = {"saved": "监察规则已保存，下次监察时生效。"}


def _rules_page(request: Request, session: Session, actor: Actor, *, status: int = 200,
                error: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
                notice: str | None = None) -> Any:
    defs = supervision.default_rules()
    home = get_settings().home_region_code
    sets_defaults = not actor.region_code or home.startswith(region_prefix(actor.region_code))
    return render(request, "console/rules.html", {
        "rules": supervision.rules(session), "defs": defs, "param_labels": PARAM_LABELS, "scopes": SCOPES,
        "levels": {lv.value: label for lv, label in supervision.LEVEL_LABELS.items()},
        "can_manage": actor.can(Perm.SUPERVISION_RULE_MANAGE), "sets_defaults": sets_defaults,
        "error": error, "values": values or {}, "notice": notice}, status=status)


@router.get("/rules")
def rules(request: Request, done: str = "", session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.SUPERVISION_READ)
    return _rules_page(request, session, actor, notice=RULES_DONE.get(done))


@router.post("/rules")
def save_rule(request: Request, code: str = Form(""), scope: str = Form(""), scope_value: str = Form(""),
              level: str = Form(""), enabled: str = Form(""), csrf_token: str = Form(""),
              p_working_days: str = Form(""), p_handle: str = Form(""), p_check: str = Form(""),
              p_approve: str = Form(""), p_limit: str = Form(""), p_min_chars: str = Form(""),
              p_lookback_days: str = Form(""), session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """Change one rule through the form: its parameters, level and whether it is in force, for the whole
    platform, an item type or one item (within the supervisor's region; the service checks the scope)."""
    require_staff(actor, Perm.SUPERVISION_RULE_MANAGE)
    check_csrf(request, csrf_token)
    code = code[:40]
    defs = supervision.default_rules()
    typed = {"working_days": p_working_days, "handle": p_handle, "check": p_check, "approve": p_approve,
             "limit": p_limit, "min_chars": p_min_chars, "lookback_days": p_lookback_days}
    wanted = {k: typed.get(k, "").strip()[:10] for k in (defs[code].params if code in defs else {})}
    scope, scope_value, level = scope[:20], scope_value.strip()[:40], level[:20]
    values: dict[str, Any] = {"code": code, "scope": scope, "scope_value": scope_value, "level": level,
                              "enabled": enabled == "on", "params": wanted}
    try:
        if code not in defs:
            raise ValidationFailed("请选择要修改的监察规则", field="code")
        if scope not in SCOPES:
            raise ValidationFailed("请选择适用范围", field="scope")
        if scope != "default" and not scope_value:
            raise ValidationFailed("请填写" + ("事项类型代码" if scope == "item_type" else "事项编码"),
                                   field="scope_value")
        params: dict[str, int] = {}
        for key, raw in wanted.items():
            number = _int(raw)
            if number is None or number > 365:
                raise ValidationFailed(f"“{PARAM_LABELS.get(key, key)}”应填写 0–365 的整数", field=f"p_{key}")
            params[key] = number
        with session.begin_nested():
            supervision.set_rule(session, actor, code=code, scope=scope,
                                 scope_value="" if scope == "default" else scope_value,
                                 params=params, enabled=enabled == "on", level=level or None)
    except DomainError as exc:
        return _rules_page(request, session, actor, status=exc.status, error=form_error(exc), values=values)
    return redirect("/console/rules?done=saved#rule-" + code)
