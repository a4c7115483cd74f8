from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictInt
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.api.openapi import XLSX
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import Perm
from yiwang.evaluation import service as evaluation
from yiwang.supervision import service as supervision

router = APIRouter(prefix="/supervision", tags=["电子监察"])


class OrderIn(BaseModel):
    department_id: int
    subject: str = Field(max_length=200)
    content: str = Field(max_length=5000)
    reply_days: int = 3
    case_no: str | None = Field(default=None, max_length=40)
    alert_id: int | None = None


class ReplyIn(BaseModel):
    reply: str = Field(max_length=5000)
    expected_version: StrictInt | None = None  # the order's ``version`` the caller was shown (409 if it moved)


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class CloseIn(NoteIn):
    expected_version: StrictInt | None = None  # the order's ``version`` the caller was shown (409 if it moved)


class RuleIn(BaseModel):
    code: str = Field(max_length=40)
    scope: str = Field(default="default", max_length=12)
    scope_value: str = Field(default="", max_length=64)
    params: dict[str, Any] = {}
    enabled: bool = True
    level: str | None = Field(default=None, max_length=12)


def _int(raw: str | None, name: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    if not (raw.strip().isascii() and raw.strip().isdigit()) or len(raw.strip()) > 9:
        raise ValidationFailed(f"{name} 应为整数", field=name)
    return int(raw)


@router.get("/alerts")
def alerts(request: Request, session: Session = Depends(get_session, scope="function"),
           level: Annotated[str | None, Query(max_length=12)] = None,
           department: Annotated[str | None, Query(max_length=12)] = None,
           status: Annotated[str | None, Query(max_length=10)] = "open",
           rule: Annotated[str | None, Query(max_length=40)] = None,
           min_age_days: Annotated[str | None, Query(max_length=4)] = None,
           limit: Annotated[str | None, Query(max_length=10)] = None,
           offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """Alerts and cards in the supervisor's region: `level` yellow | red | yellow_card | red_card,
    `department` a department id, `status` open (default) | cleared, `min_age_days` raised at least that long ago."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=500)
    total, rows = supervision.list_alerts(session, actor, level=level or None,
                                          department_id=_int(department, "department"), status=status or None,
                                          rule=rule or None, min_age_days=_int(min_age_days, "min_age_days"),
                                          limit=size, offset=start)
    return {"total": total, "counts": supervision.open_counts(session, actor),
            "items": [supervision.alert_out(session, a) for a in rows]}


@router.post("/alerts/{alert_id}/close")
def close_alert(alert_id: int, body: NoteIn, request: Request,
                session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    return supervision.alert_out(session, supervision.close_card(session, actor, alert_id, result=body.note))


@router.get("/orders")
def orders(request: Request, session: Session = Depends(get_session, scope="function"),
           status: Annotated[str | None, Query(max_length=10)] = None,
           limit: Annotated[str | None, Query(max_length=10)] = None,
           offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """Supervision orders: issued in the supervisor's region, or addressed to the caller's department."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=200)
    total, rows = supervision.list_orders(session, actor, status=status or None, limit=size, offset=start)
    return {"total": total, "items": [supervision.order_out(session, o) for o in rows]}


@router.post("/orders", status_code=201)
def issue_order(body: OrderIn, request: Request, session: Session = Depends(get_session, scope="function")
                ) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    order = supervision.issue_order(session, actor, department_id=body.department_id, subject=body.subject,
                                    content=body.content, reply_days=body.reply_days, case_no=body.case_no or None,
                                    alert_id=body.alert_id)
    return supervision.order_out(session, order)


@router.post("/orders/{order_no}/reply")
def reply_order(order_no: str, body: ReplyIn, request: Request,
                session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    return supervision.order_out(session, supervision.reply_order(session, actor, order_no[:30], reply=body.reply,
                                                                         expected_version=body.expected_version))


@router.post("/orders/{order_no}/close")
def close_order(order_no: str, body: CloseIn, request: Request,
                session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    return supervision.order_out(session, supervision.close_order(session, actor, order_no[:30], note=body.note,
                                                                         expected_version=body.expected_version))


@router.get("/scores", responses={200: {"description": "部门得分（JSON），或 format=csv / xlsx 时的文件", "content": {
    "text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def scores(request: Request, session: Session = Depends(get_session, scope="function"),
           month: Annotated[str | None, Query(max_length=7)] = None,
           format: Annotated[str | None, Query(max_length=4)] = None) -> Any:  # noqa: A002
    """Department scores for a month (YYYY-MM): `format=csv` or `xlsx` downloads them."""
    actor = require_login(bearer_actor(request, session))
    rows = supervision.scores(session, actor, month=month or None, figures=_figures(session, actor, month))
    if format == "csv":
        return Response(supervision.scores_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="scores.csv"'})
    if format == "xlsx":
        return Response(supervision.scores_xlsx(rows),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="scores.xlsx"'})
    if format:
        raise ValidationFailed("format 应为 csv 或 xlsx", field="format")
    return {"items": rows}


def _figures(session: Session, actor: Any, month: str | None) -> list[dict[str, Any]]:
    """The month's 好差评 figures for the departments the actor may see (`until` counts inclusively there)."""
    first, following = supervision.month_bounds(month)
    return evaluation.visible_figures(session, actor, since=first, until=following - dt.timedelta(days=1))


@router.get("/rules")
def rules(request: Request, session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    if not (actor.can(Perm.SUPERVISION_READ) or actor.can(Perm.SUPERVISION_RULE_MANAGE)):
        raise PermissionDenied("您没有查看监察规则的权限", code="forbidden")
    return {"items": [r.__dict__ for r in supervision.rules(session)]}


@router.put("/rules")
def set_rule(body: RuleIn, request: Request, session: Session = Depends(get_session, scope="function")
             ) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    return supervision.set_rule(session, actor, code=body.code, scope=body.scope, scope_value=body.scope_value,
                                params=body.params, enabled=body.enabled, level=body.level).__dict__
