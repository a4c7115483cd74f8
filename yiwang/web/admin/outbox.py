"""Failed background tasks (dead outbox events): administrators see why each failed and resend it.

Administrators of the deployment's top region see every failed task; an administrator of a city or district
sees the failed tasks about cases of their own region only, and every task about no case (a search update,
say: it concerns the whole deployment)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import ColumnElement, literal, or_, select
from sqlalchemy.orm import Session

from yiwang.cases.models import Case
from yiwang.core import outbox
from yiwang.core.config import get_settings
from yiwang.core.errors import NotFound
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import Actor, ActorKind, Perm, region_prefix, scope_clause
from yiwang.core.requests import get_session
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, render

router = APIRouter(prefix="/admin/outbox", include_in_schema=False)

PAGE_SIZE = 50
CASE_SUBJECT = "case:"
TOPIC_LABELS = {"case.approve": "准予决定后签发证照并通知申请人", "notify.deliver": "发送短信或电子邮件",
                "license.issued": "通知持证人证照已签发", "catalog.item_published": "事项发布后更新检索"}


def visible_events(actor: Actor) -> ColumnElement[bool] | None:
    """The failed tasks ``actor`` may see and resend: all of them for the system and for administrators of the
    top (home) region; otherwise those about no case and those about cases of the administrator's region.
    None means all."""
    if actor.kind is ActorKind.SYSTEM:
        return None
    home = get_settings().home_region_code
    if actor.region_code and home.startswith(region_prefix(actor.region_code)):
        return None
    own_cases = select(literal(CASE_SUBJECT) + Case.case_no).where(scope_clause(actor, region_col=Case.region_code))
    subject = OutboxEvent.subject
    return or_(subject.is_(None), ~subject.startswith(CASE_SUBJECT), subject.in_(own_cases))


@router.get("")
def dead_list(request: Request, page: str = "1", done: str = "",
              session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.OUTBOX_MANAGE)
    number = page_number(page)
    total, events = outbox.dead_events(session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                       visible=visible_events(actor))
    return render(request, "admin/outbox.html", {
        "events": events, "total": total, "labels": TOPIC_LABELS, "resent": done == "resent",
        "pager": pager("/admin/outbox", {}, number, total, PAGE_SIZE)})


@router.post("/{event_id}/resend")
def dead_resend(request: Request, event_id: int, csrf_token: str = Form(""),
                session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.OUTBOX_MANAGE)
    check_csrf(request, csrf_token)
    if outbox.resend(session, actor, event_id, visible=visible_events(actor)) is None:
        raise NotFound("没有这个失败任务，或它已重新投递", field="event_id")
    return redirect("/admin/outbox?done=resent")
