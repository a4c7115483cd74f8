"""The applicant's account page: verify the phone on record by SMS code (/my/phone). Only a verified phone
may be used to log in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from yiwang.core.codes import mask_phone
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError
from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.credit import service as credit
from yiwang.identity import service as identity
from yiwang.notify import service as notify
from yiwang.web.pagekit import current_actor, redirect, require_applicant
from yiwang.web.setup import check_csrf, form_error, render

router = APIRouter(include_in_schema=False)

PAGE = "/my/phone"
NOTICES = {"sent": "验证码已通过短信发送，请查收后在下方填写。", "verified": "手机号已验证，今后可以用手机号登录。"}


def _page(request: Request, session: Session, actor: Actor, *, notice: str | None = None,
          error: dict[str, Any] | None = None, status: int = 200) -> Any:
    state = identity.phone_status(session, actor)
    credit_total, credit_records = credit.list_records(session, actor, limit=50)
    return render(request, "portal/phone.html", {
        "credit_records": credit_records, "credit_total": credit_total,
        "phone_masked": mask_phone(state.phone), "verified_at": state.verified_at, "pending": state.pending,
        "minutes": get_settings().phone_code_minutes, "notice": notice, "error": error}, status=status)


@router.get(PAGE)
def phone_page(request: Request, done: str = "", session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _page(request, session, actor, notice=NOTICES.get(done))


@router.post(PAGE + "/code")
def phone_code(request: Request, csrf_token: str = Form(""), session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, csrf_token)
    try:
        _, code = identity.request_phone_code(session, actor)
    except DomainError as exc:
        session.rollback()
        return _page(request, session, actor, error=form_error(exc), status=exc.status)
    notify.send_phone_code(session, recipient=actor.label, code=code, minutes=get_settings().phone_code_minutes)
    return redirect(PAGE + "?done=sent")


@router.post(PAGE)
def phone_confirm(request: Request, code: str = Form(""), csrf_token: str = Form(""),
                  session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, csrf_token)
    try:
        identity.confirm_phone(session, actor, code[:20])
    except DomainError as exc:
        session.commit()  # a wrong code counts
        return _page(request, session, actor, error=form_error(exc), status=exc.status)
    return redirect(PAGE + "?done=verified")
