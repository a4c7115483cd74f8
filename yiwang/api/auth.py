from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, client_address, get_session, require_login
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError
from yiwang.identity import service as identity
from yiwang.identity.schemas import (
    EnterpriseRegistration,
    LoginIn,
    PersonRegistration,
    PhoneCodeIn,
    PhoneStatusOut,
    TokenOut,
)
from yiwang.notify import service as notify

router = APIRouter(tags=["身份认证"])


@router.post("/auth/register", status_code=201)
def register(payload: Annotated[PersonRegistration | EnterpriseRegistration, Body(discriminator="kind")],
             request: Request, session: Session = Depends(get_session, scope="function")) -> JSONResponse:
    identity.check_register_rate(session, client_address(request))
    if isinstance(payload, PersonRegistration):
        p = identity.register_person(session, name=payload.name, id_number=payload.id_number, phone=payload.phone,
                                     password=payload.password)
        return JSONResponse({"id": p.id, "kind": "person"}, status_code=201)
    assert isinstance(payload, EnterpriseRegistration)
    e = identity.register_enterprise(session, name=payload.name, uscc=payload.uscc,
                                     legal_person=payload.legal_person, phone=payload.phone,
                                     password=payload.password)
    return JSONResponse({"id": e.id, "kind": "enterprise"}, status_code=201)


@router.post("/auth/login", response_model=TokenOut)
def login(payload: LoginIn, session: Session = Depends(get_session, scope="function")) -> TokenOut:
    try:
        actor = identity.authenticate(session, payload.username, payload.password)
    except DomainError:
        session.commit()  # the failure counter must survive the refused login
        raise
    raw, _ = identity.issue_token(session, actor, "api")
    return TokenOut(access_token=raw, expires_in=get_settings().token_hours * 3600)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: Session = Depends(get_session, scope="function")) -> None:
    require_login(bearer_actor(request, session))
    identity.revoke_token(session, request.headers["authorization"].partition(" ")[2].strip())


@router.get("/me")
def me(request: Request, session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    return identity.describe(session, actor)


def _phone_status(session: Session, actor: Any) -> PhoneStatusOut:
    from yiwang.core.codes import mask_phone

    state = identity.phone_status(session, actor)
    return PhoneStatusOut(phone_masked=mask_phone(state.phone), verified=state.verified_at is not None,
                          verified_at=state.verified_at.isoformat() if state.verified_at else None,
                          code_pending=state.pending)


@router.get("/me/phone", response_model=PhoneStatusOut)
def my_phone(request: Request, session: Session = Depends(get_session, scope="function")) -> PhoneStatusOut:
    """Whether the phone on the caller's account is verified (only a verified phone may be used to log in)."""
    actor = require_login(bearer_actor(request, session))
    return _phone_status(session, actor)


@router.post("/me/phone/code", status_code=202, response_model=PhoneStatusOut)
def my_phone_code(request: Request, session: Session = Depends(get_session, scope="function")) -> PhoneStatusOut:
    """Send a verification code by SMS to the phone on the caller's account."""
    actor = require_login(bearer_actor(request, session))
    _, code = identity.request_phone_code(session, actor)
    notify.send_phone_code(session, recipient=actor.label, code=code, minutes=get_settings().phone_code_minutes)
    return _phone_status(session, actor)


@router.post("/me/phone/verify", response_model=PhoneStatusOut)
def my_phone_verify(payload: PhoneCodeIn, request: Request,
                    session: Session = Depends(get_session, scope="function")) -> PhoneStatusOut:
    """Confirm the phone with the code received by SMS."""
    actor = require_login(bearer_actor(request, session))
    try:
        identity.confirm_phone(session, actor, payload.code)
    except DomainError:
        session.commit()  # a wrong code counts
        raise
    return _phone_status(session, actor)
