from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictInt
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, client_address, get_session, page_params, require_login
from yiwang.api.openapi import download
from yiwang.core.config import get_settings
from yiwang.core.errors import PayloadTooLarge
from yiwang.licenses import service as licenses
from yiwang.seals import service as seals

router = APIRouter(tags=["电子证照"])


class StatusChangeIn(BaseModel):
    action: str = Field(max_length=20)
    reason: str = Field(default="", max_length=1000)
    expected_version: StrictInt | None = None  # the ``version`` the caller was shown: 409 stale_version if it moved


class ShareIn(BaseModel):
    days: StrictInt = 7
    note: str | None = Field(default=None, max_length=200)


@router.get("/licenses")
def list_licenses(request: Request, session: Session = Depends(get_session, scope="function"),
                  status: Annotated[str | None, Query(max_length=12)] = None,
                  q: Annotated[str | None, Query(max_length=100)] = None,
                  limit: Annotated[str | None, Query(max_length=10)] = None,
                  offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """The holder's wallet (applicants) or the licenses the caller's department issued (staff)."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=200)
    total, rows = licenses.list_licenses(session, actor, status=status or None, q=q or None, limit=size, offset=start)
    return {"total": total, "items": [r.model_dump(mode="json") for r in rows]}


@router.post("/licenses/verify")
def verify_upload(request: Request, file: UploadFile = File(...),
                  session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """Verify a license PDF: signature valid, document unchanged, issued by this platform, matching the
    registry, and neither revoked, suspended nor expired. Open to anyone; every check is logged."""
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"文件超过 {limit // (1024 * 1024)} MB 的上限", field="file")
    return licenses.verify_pdf(session, data, method="api", client=client_address(request)).as_json()


@router.get("/licenses/verify/{license_id}")
def verify_registered(license_id: str, request: Request,
                      session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """The registry's word on a license id (what the QR code's page shows), holder name masked."""
    result, kind = licenses.check_registered(session, license_id[:32], method="api", client=client_address(request))
    body = result.as_json()
    body["license"] = licenses.public_summary(result.license, holder_kind=kind)
    return body


@router.get("/seals/authority.pem", response_class=Response, responses=download("application/x-pem-file"))
def authority_certificate(session: Session = Depends(get_session, scope="function")) -> Response:
    """The platform seal authority's certificate: trust it to check license PDFs offline (pdfsig, Acrobat)."""
    return Response(seals.authority_certificate(session), media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="yiwang-seal-authority.pem"'})


@router.get("/licenses/{license_id}", response_model=licenses.LicenseOut)
def get_license(license_id: str, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return licenses.get_license(session, actor, license_id[:32])


@router.get("/licenses/{license_id}/pdf", response_class=Response, responses=download("application/pdf"))
def license_pdf(license_id: str, request: Request, session: Session = Depends(get_session, scope="function")) -> Response:
    """The signed license PDF (the holder, or staff of the issuing department)."""
    actor = require_login(bearer_actor(request, session))
    name, data = licenses.pdf_bytes(session, actor, license_id[:32])
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.post("/licenses/{license_id}/actions", response_model=licenses.LicenseOut)
def change_status(license_id: str, body: StatusChangeIn, request: Request,
                  session: Session = Depends(get_session, scope="function")) -> Any:
    """Suspend, revoke or reinstate (the issuing department's approvers, with a reason)."""
    actor = require_login(bearer_actor(request, session))
    return licenses.change_status(session, actor, license_id[:32], action=body.action, reason=body.reason,
                                  expected_version=body.expected_version)


@router.post("/licenses/{license_id}/share", status_code=201)
def share(license_id: str, body: ShareIn, request: Request,
          session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """A time-limited verification link for the holder to give to whoever needs to see the license."""
    actor = require_login(bearer_actor(request, session))
    token, expires = licenses.share(session, actor, license_id[:32], days=body.days, note=body.note)
    return {"url": licenses.share_url(token), "expires_at": expires.isoformat()}
