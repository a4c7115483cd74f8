"""Administration of announcements (通知公告): write, publish, withdraw — within the administrator's region."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from yiwang.core.errors import DomainError
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.portal import service as portal
from yiwang.portal.states import STATUS_NAMES
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(prefix="/admin/announcements", include_in_schema=False)


def _page(request: Request, session: Session, actor: Actor, *, error: dict[str, Any] | None = None,
          values: dict[str, str] | None = None, notice: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render(request, "admin/announcements.html", {
        "rows": portal.staff_announcements(session, actor), "regions": portal.regions_for(session, actor),
        "region_names": portal.region_names(session),
        "status_names": {s.value: n for s, n in STATUS_NAMES.items()}, "error": error, "notice": notice,
        "values": values or {"region_code": actor.region_code or ""}}, status=status)


@router.get("")
def announcements(request: Request, done: str = "", session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.PORTAL_ANNOUNCE)
    notice = {"draft": "公告已保存为草稿。", "publish": "公告已发布。", "withdraw": "公告已撤回。"}.get(done)
    return _page(request, session, actor, notice=notice)


@router.post("")
def announcements_add(request: Request, title: str = Form(""), body: str = Form(""), region_code: str = Form(""),
                      action: str = Form("draft"), csrf_token: str = Form(""),
                      session: Session = Depends(get_session, scope="function"),
                      actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.PORTAL_ANNOUNCE)
    check_csrf(request, csrf_token)
    try:
        portal.create_announcement(session, actor, title=title[:1000], body=body[:40_000],
                                   region_code=region_code[:12], publish=action == "publish")
    except DomainError as exc:
        session.rollback()
        return _page(request, session, actor, error=form_error(exc),
                     values={"title": title[:1000], "body": body[:40_000], "region_code": region_code[:12]},
                     status=exc.status)
    return redirect(f"/admin/announcements?done={'publish' if action == 'publish' else 'draft'}")


def _act(request: Request, session: Session, actor: Actor, announcement_id: str, csrf: str, action: str):  # type: ignore[no-untyped-def]
    require_staff(actor, Perm.PORTAL_ANNOUNCE)
    check_csrf(request, csrf)
    number = int(announcement_id) if announcement_id.isdigit() and len(announcement_id) < 10 else 0
    try:
        if action == "publish":
            portal.publish_announcement(session, actor, announcement_id=number)
        else:
            portal.withdraw_announcement(session, actor, announcement_id=number)
    except DomainError as exc:
        session.rollback()
        return _page(request, session, actor, error=form_error(exc), status=exc.status)
    return redirect(f"/admin/announcements?done={action}")


@router.post("/{announcement_id}/publish")
def announcement_publish(request: Request, announcement_id: str, csrf_token: str = Form(""),
                         session: Session = Depends(get_session, scope="function"),
                         actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _act(request, session, actor, announcement_id, csrf_token, "publish")


@router.post("/{announcement_id}/withdraw")
def announcement_withdraw(request: Request, announcement_id: str, csrf_token: str = Form(""),
                          session: Session = Depends(get_session, scope="function"),
                          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _act(request, session, actor, announcement_id, csrf_token, "withdraw")


