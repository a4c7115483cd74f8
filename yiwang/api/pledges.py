"""告知承诺 API: the public list of pledged approvals (公示), the deciding department's post-check tasks and their
results, and an applicant's (or a department's) credit records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.core.errors import ValidationFailed
from yiwang.credit import service as credit
from yiwang.pledges import service as pledges
from yiwang.pledges.schemas import PledgeCheckOut, ResultIn

router = APIRouter(tags=["告知承诺"])

Id = Annotated[int, Path(ge=1, le=2**53)]


@router.get("/pledges")
def public_pledges(session: Session = Depends(get_session, scope="function"),
                   q: Annotated[str | None, Query(max_length=100)] = None,
                   department_id: Annotated[str | None, Query(max_length=12)] = None,
                   limit: Annotated[str | None, Query(max_length=10)] = None,
                   offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """Published pledged approvals (公示), newest first: item, department, decision day, the holder (an
    enterprise's name, a person's surname only) and the post-check's outcome. No login; no personal data."""
    size, start = page_params(limit, offset, most=100)
    dept: int | None = None
    if department_id not in (None, ""):
        raw = str(department_id).strip()
        if not raw.isascii() or not raw.isdigit():
            raise ValidationFailed("department_id 应为部门编号（整数）", field="department_id")
        dept = int(raw)
    total, rows = pledges.public_list(session, q=q, department_id=dept, limit=size, offset=start)
    return {"total": total, "items": [r.model_dump(mode="json") for r in rows]}


@router.get("/pledge-checks")
def list_checks(request: Request, session: Session = Depends(get_session, scope="function"),
                status: Annotated[str | None, Query(max_length=12)] = None, overdue: bool = False,
                q: Annotated[str | None, Query(max_length=100)] = None,
                limit: Annotated[str | None, Query(max_length=10)] = None,
                offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """The caller's department's post-check tasks (supervisors: their region's), pending ones first by deadline."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=200)
    total, rows = pledges.list_checks(session, actor, status=status or None, overdue=overdue, q=q, limit=size,
                                      offset=start)
    return {"total": total, "items": [r.model_dump(mode="json") for r in rows]}


@router.get("/pledge-checks/{check_id}", response_model=PledgeCheckOut)
def get_check(check_id: Id, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return pledges.get_check(session, actor, check_id)


@router.post("/pledge-checks/{check_id}/result", response_model=PledgeCheckOut)
def record_result(check_id: Id, body: ResultIn, request: Request,
                  session: Session = Depends(get_session, scope="function")) -> Any:
    """Record the post-check's result: ``passed``, or ``false_pledge`` (the deciding department's approvers
    only), which revokes the decision and its licences and writes a credit record on the applicant."""
    actor = require_login(bearer_actor(request, session))
    task = pledges.record_result(session, actor, check_id=check_id, result=body.result, note=body.note,
                                 evidence_file_id=body.evidence_file_id, expected_version=body.expected_version)
    return pledges.views(session, [task])[0]


@router.get("/credit-records")
def credit_records(request: Request, session: Session = Depends(get_session, scope="function"),
                   limit: Annotated[str | None, Query(max_length=10)] = None,
                   offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """The applicant's own credit records; staff: their department's findings (supervisors: their region's)."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=100)
    total, rows = credit.list_records(session, actor, limit=size, offset=start)
    return {"total": total, "items": [r.model_dump(mode="json", exclude={"subject"}) for r in rows]}
