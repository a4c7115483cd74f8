"""一件事: the bundles of the catalog and applications for them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.bundles import service as bundles
from yiwang.bundles.schemas import BundleApplicationIn
from yiwang.catalog import service as catalog
from yiwang.core.errors import ValidationFailed

router = APIRouter(tags=["一件事"])


@router.get("/bundles")
def list_bundles(session: Session = Depends(get_session, scope="function"),
                 q: Annotated[str, Query(max_length=100)] = "",
                 audience: Annotated[str, Query(max_length=12)] = "") -> dict[str, Any]:
    """The 一件事 bundles, optionally those matching ``q`` (name, themes, description, item names) or for one
    audience (person | enterprise)."""
    if audience and audience not in ("person", "enterprise"):
        raise ValidationFailed("audience 应为 person 或 enterprise", field="audience")
    rows = catalog.search_bundles(session, q or None, audience or None)
    return {"total": len(rows), "items": [
        {"code": b.code, "name": b.name, "items": list(b.items), "audience": b.audience, "themes": list(b.themes),
         "description": b.description} for b in rows]}


@router.get("/bundles/{code}")
def get_bundle(code: Annotated[str, Path(max_length=64)], session: Session = Depends(get_session, scope="function"),
               items: Annotated[list[str] | None, Query(max_length=20)] = None) -> dict[str, Any]:
    """A bundle's items, its merged e-form (``form_schema``: each field once) and de-duplicated materials
    (each once, with the items that need it); ``items`` narrows both to a chosen subset."""
    return jsonable_encoder(bundles.guide(session, code, items or None))


@router.post("/bundle-applications", status_code=201)
def submit(body: BundleApplicationIn, request: Request, session: Session = Depends(get_session, scope="function"),
           idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> Any:
    """File a 一件事 application: one case per item (all or none). The same Idempotency-Key files once."""
    actor = require_login(bearer_actor(request, session))

    def file() -> Any:
        return bundles.submit(session, actor, bundle_code=body.bundle_code, form=body.form,
                              materials=[bundles.MaterialGiven(m.name, m.file_id, m.license_ref)
                                         for m in body.materials],
                              items=body.items, idempotency_key=idempotency_key, applicant_code=body.applicant_code)

    try:
        app = file()
        session.flush()
    except IntegrityError:
        if not idempotency_key:
            raise
        session.rollback()  # the same key raced in from another request and won: answer with its application
        app = file()
    out = bundles.view(session, actor, app)
    return jsonable_encoder({"application_no": out["application_no"], "bundle_code": out["bundle_code"],
                             "status": out["status"], "due": out["due"],
                             "cases": [{"case_no": c["case_no"], "item_code": c["item_code"],
                                        "department": c["department"]} for c in out["cases"]]})


@router.get("/bundle-applications")
def list_applications(request: Request, session: Session = Depends(get_session, scope="function"),
                      limit: Annotated[str | None, Query(max_length=10)] = None,
                      offset: Annotated[str | None, Query(max_length=10)] = None) -> Any:
    """An applicant's own 一件事 applications; for staff, those with a case they may see."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=100)
    total, rows = bundles.list_for(session, actor, limit=size, offset=start)
    return jsonable_encoder({"total": total, "items": bundles.views(session, actor, rows)})


@router.get("/bundle-applications/{application_no}")
def get_application(application_no: Annotated[str, Path(max_length=40)], request: Request,
                    session: Session = Depends(get_session, scope="function")) -> Any:
    """The application's overall status, its one clock and light, and each case's status."""
    actor = require_login(bearer_actor(request, session))
    return jsonable_encoder(bundles.view(session, actor, bundles.get(session, actor, application_no)))
