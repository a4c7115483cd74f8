from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, require_login
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError
from yiwang.identity import service as identity
from yiwang.identity.schemas import EnterpriseRegistration, LoginIn, PersonRegistration, TokenOut

router = APIRouter(tags=["身份认证"])


@router.post("/auth/register", status_code=201)
def register(payload: Annotated[PersonRegistration | EnterpriseRegistration, Body(discriminator="kind")],
             session: Session = Depends(get_session, scope="function")) -> JSONResponse:
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
