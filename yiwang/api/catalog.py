from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.catalog import service as catalog
from yiwang.catalog import transfer
from yiwang.catalog.schemas import ItemGuide
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import Perm

router = APIRouter(tags=["事项目录"])


@router.get("/items")
def list_items(session: Session = Depends(get_session, scope="function"), q: Annotated[str, Query(max_length=100)] = "",
               department: Annotated[str | None, Query(max_length=200)] = None,
               type: Annotated[str | None, Query(max_length=20)] = None,  # noqa: A002 - the contract's name
               audience: Annotated[str | None, Query(max_length=2)] = None,
               theme: Annotated[str | None, Query(max_length=50)] = None,
               region: Annotated[str | None, Query(pattern=r"^([0-9]{6}([0-9]{6})?)?$")] = None,
               limit: Annotated[str | None, Query(max_length=10)] = None,
               offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """Search published items (Chinese segmentation, synonyms, pinyin, typos) with filters."""
    size, start = page_params(limit, offset)
    total, items = catalog.search_items(session, q=q, department=department or None, item_type=type or None,
                                        audience=audience or None, theme=theme or None, region=region or None,
                                        limit=size, offset=min(start, 100_000))
    return {"total": total, "items": [i.model_dump() for i in items]}


@router.get("/items/{code}", response_model=ItemGuide)
def get_item(code: Annotated[str, Field(max_length=64)], session: Session = Depends(get_session, scope="function")) -> ItemGuide:
    """The published guide (办事指南) of an item, including its materials and the form an application must
    fill in (`form_schema`: the item's own e-form, or the generic applicant form when `form_is_generic`)."""
    return catalog.get_effective_guide(session, code)


class RetireIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


@router.post("/items/{code}/publish")
def publish_item(code: str, request: Request, session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    v = catalog.publish(session, actor, code=code)
    return {"code": code, "version": v.version_no, "status": v.status}


@router.post("/items/{code}/retire")
def retire_item(code: str, body: RetireIn, request: Request, session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    actor = require_login(bearer_actor(request, session))
    catalog.retire(session, actor, code=code, reason=body.reason)
    return {"code": code, "status": "retired"}


@router.post("/catalog/import")
def import_catalog(request: Request, file: UploadFile = File(...), publish: bool = True,
                   session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """Import a JSON-lines file (.jsonl, .jsonl.gz) or the Excel template (.xlsx)."""
    actor = require_login(bearer_actor(request, session))
    actor.require(Perm.CATALOG_ITEM_PUBLISH if publish else Perm.CATALOG_ITEM_EDIT)
    data = file.file.read(transfer.MAX_UPLOAD + 1)
    if len(data) > transfer.MAX_UPLOAD:
        raise ValidationFailed("文件超过 50 MB，请拆分后分批导入", field="file")
    report = transfer.import_records(session, actor, transfer.records_from_upload(file.filename or "", data),
                                     publish=publish)
    return {"total": report.total, "created": report.created, "new_version": report.new_version,
            "unchanged": report.unchanged, "published": report.published,
            "errors": [{"line": line, "reason": r} for line, r in report.errors],
            "drafts": [{"line": line, "code": c, "problems": p} for line, c, p in report.drafts]}


class WindowDecisionIn(BaseModel):
    window_may_decide: bool


@router.post("/items/{code}/window-decision")
def set_window_decision(code: Annotated[str, Field(max_length=64)], body: WindowDecisionIn, request: Request,
                        session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """Let any window decide this immediate item on the spot (即办件当场办结), or withdraw that: the
    owning department's catalog staff only; audited."""
    actor = require_login(bearer_actor(request, session))
    item = catalog.set_window_may_decide(session, actor, code=code, allowed=body.window_may_decide)
    return {"code": item.code, "window_may_decide": item.window_may_decide}
