from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, client_address, get_session, page_params, require_login
from yiwang.api.openapi import download
from yiwang.cases import service as cases
from yiwang.cases.schemas import ActionIn, CaseIn, CaseOut, ForwardIn, PaperReceiveIn, PaperTransferIn
from yiwang.core import storage
from yiwang.core.config import Settings, get_settings
from yiwang.core.errors import PayloadTooLarge

router = APIRouter(tags=["办件"])


@router.post("/files", status_code=201)
def upload(request: Request, file: UploadFile = File(...), session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """Upload a material file (PDF, image, Word, Excel, OFD); returns its id for an application."""
    actor = require_login(bearer_actor(request, session))
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"文件超过 {limit // (1024 * 1024)} MB 的上限", field="file")
    record = storage.store(session, data=data, filename=file.filename, declared_type=file.content_type,
                           owner=actor.label)
    return {"file_id": record.id, "size": record.size, "content_type": record.content_type,
            "filename": record.filename}


@router.post("/cases", status_code=201, response_model=CaseOut)
def submit(body: CaseIn, request: Request, session: Session = Depends(get_session, scope="function"),
           idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> Any:
    actor = require_login(bearer_actor(request, session))

    def file() -> Any:
        return cases.submit(session, actor, item_code=body.item_code, form=body.form,
                            materials=[cases.MaterialIn(m.name, m.file_id, m.license_ref) for m in body.materials],
                            pledge=body.pledge, idempotency_key=idempotency_key, applicant_code=body.applicant_code,
                            deliver_at_intake=body.deliver_at_intake)

    try:
        case = file()
        session.flush()
    except IntegrityError:
        if not idempotency_key:
            raise
        # the same key raced in from another request and won: answer with its case
        session.rollback()
        case = file()
    return cases.view(session, actor, case)


@router.get("/cases")
def list_cases(request: Request, session: Session = Depends(get_session, scope="function"),
               status: Annotated[str | None, Query(max_length=30)] = None,
               light: Annotated[str | None, Query(max_length=10)] = None,
               mine: bool = False, q: Annotated[str | None, Query(max_length=100)] = None,
               limit: Annotated[str | None, Query(max_length=10)] = None,
               offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """The caller's visible cases: an applicant's own, a staff member's department (or region)."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=200)
    total, rows = cases.list_cases(session, actor, status=status or None, light=light or None, mine=mine,
                                   q=q or None, limit=size, offset=start)
    exact = total <= cases.COUNT_CAP
    return {"total": min(total, cases.COUNT_CAP), "total_exact": exact,
            "items": [cases.list_view(session, c).model_dump(mode="json") for c in rows]}


@router.get("/cases/{case_no}", response_model=CaseOut)
def get_case(case_no: str, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return cases.view(session, actor, cases.open_case(session, actor, case_no))


@router.post("/cases/{case_no}/actions", response_model=CaseOut)
def act(case_no: str, body: ActionIn, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    materials: list[Any] | None = None
    if body.materials is not None:
        materials = [m if isinstance(m, str) else {"name": m.name, "file_id": m.file_id,
                                                   "license_ref": m.license_ref} for m in body.materials]
    case = cases.apply(session, actor, case_no=case_no, action=body.action, comment=body.comment,
                       materials=materials, kind=body.kind, days=body.days, form=body.form,
                       expected_version=body.expected_version)
    return cases.view(session, actor, case)


@router.post("/cases/{case_no}/forward", response_model=CaseOut)
def forward(case_no: str, body: ForwardIn, request: Request,
            session: Session = Depends(get_session, scope="function")) -> Any:
    """转报: forward the case to a department of an ancestor region, which decides it from now on."""
    actor = require_login(bearer_actor(request, session))
    case = cases.forward(session, actor, case_no=case_no, to_department_id=body.to_department_id, reason=body.reason,
                         expected_version=body.expected_version)
    return cases.view(session, actor, case)


@router.post("/cases/{case_no}/paper-transfers", status_code=201)
def send_papers(case_no: str, body: PaperTransferIn, request: Request,
                session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """通办: the receiving window records the paper originals it sent to the deciding office."""
    actor = require_login(bearer_actor(request, session))
    row = cases.record_paper_transfer(session, actor, case_no=case_no, courier=body.courier,
                                      tracking_no=body.tracking_no, materials=body.materials, comment=body.comment)
    return _transfer(session, actor, case_no, row.id)


@router.post("/cases/{case_no}/paper-transfers/{transfer_id}/receive")
def receive_papers(case_no: str, transfer_id: int, request: Request, body: PaperReceiveIn | None = None,
                   session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """通办: the deciding office signs for the paper originals."""
    actor = require_login(bearer_actor(request, session))
    body = body or PaperReceiveIn()
    row = cases.receive_paper_transfer(session, actor, case_no=case_no, transfer_id=transfer_id, comment=body.comment,
                                       expected_version=body.expected_version)
    return _transfer(session, actor, case_no, row.id)


def _transfer(session: Session, actor: Any, case_no: str, transfer_id: int) -> dict[str, Any]:
    case = cases.get_case(session, actor, case_no)
    row = next(t for t in cases.paper_transfers(session, actor, case) if t["id"] == transfer_id)
    return row | {"case_no": case.case_no}


@router.get("/progress")
def progress(request: Request, case_no: Annotated[str, Query(min_length=1, max_length=40)],
             tail: Annotated[str, Query(min_length=4, max_length=18)],
             session: Session = Depends(get_session, scope="function")) -> JSONResponse:
    """Public progress by case number and the applicant's phone or ID tail: nothing personal is shown."""
    case = cases.public_progress(session, case_no=case_no, tail=tail, client=client_address(request))
    return JSONResponse(cases.public_view(session, case))


@router.get("/cases/{case_no}/files/{file_id}", response_class=Response,
            responses=download(*Settings().allowed_upload_types, description="材料文件（按上传时的类型）"))
def case_file(case_no: str, file_id: str, request: Request, session: Session = Depends(get_session, scope="function")) -> Response:
    """A material file of a visible case (staff preview, the applicant's own copy)."""
    actor = require_login(bearer_actor(request, session))
    record = cases.material_file(session, actor, case_no=case_no, file_id=file_id[:32])
    return Response(storage.read(record), media_type=record.content_type,
                    headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, no-store"})
