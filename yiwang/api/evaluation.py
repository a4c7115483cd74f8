"""好差评 API: the applicant rates a concluded case; the handling department works its rectification tasks;
supervisors decide appeals; anyone reads the figures per department."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.schemas import (
    AppealDecisionIn,
    AppealIn,
    CallbackIn,
    CaseEvaluationOut,
    EvaluationIn,
    EvaluationOut,
    RectificationOut,
    ReplyIn,
)

router = APIRouter(tags=["好差评"])

Id = Annotated[int, Path(ge=1, le=2**53)]


@router.get("/evaluation/options")
def options() -> dict[str, Any]:
    """Levels (GB/T 39046: 1 非常满意 … 5 非常不满意), the reasons a bad review picks from, channels."""
    return evaluation.options()


@router.get("/evaluation/figures")
def figures(session: Session = Depends(get_session, scope="function"), since: dt.date | None = None,
            until: dt.date | None = None) -> dict[str, Any]:
    """Public figures per department: ratings, satisfaction rate, bad reviews, rectified on time."""
    rows = evaluation.department_figures(session, since=since, until=until)
    return {"since": since, "until": until, "items": rows, "total": evaluation.figures_total(rows)}


@router.post("/cases/{case_no}/evaluation", status_code=201, response_model=EvaluationOut)
def rate(case_no: str, body: EvaluationIn, request: Request,
         session: Session = Depends(get_session, scope="function")) -> Any:
    """Rate a concluded case (the applicant only); changing it again within the window updates it. Levels 4–5
    need reasons and open a rectification for the handling department."""
    actor = require_login(bearer_actor(request, session))
    rated = evaluation.rate(session, actor, case_no=case_no[:40], level=body.level, reasons=body.reasons,
                            comment=body.comment, channel=body.channel)
    return evaluation.evaluation_out(session, rated)


@router.get("/cases/{case_no}/evaluation", response_model=CaseEvaluationOut)
def my_evaluation(case_no: str, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """The applicant's rating of the case (null before rating), whether it may be changed, the answers."""
    actor = require_login(bearer_actor(request, session))
    return evaluation.case_evaluation(session, actor, case_no[:40])


@router.get("/rectifications")
def list_rectifications(request: Request, session: Session = Depends(get_session, scope="function"),
                        status: Annotated[str | None, Query(max_length=12)] = None, overdue: bool = False,
                        limit: Annotated[str | None, Query(max_length=10)] = None,
                        offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """The caller's department's (or region's) rectification tasks, open ones first by deadline."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=200)
    total, rows = evaluation.list_rectifications(session, actor, status=status or None, overdue=overdue, limit=size,
                                                 offset=start)
    return {"total": total, "items": [r.model_dump(mode="json") for r in rows]}


@router.get("/rectifications/{rectification_id}", response_model=RectificationOut)
def get_rectification(rectification_id: Id, request: Request,
                      session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return evaluation.get_rectification(session, actor, rectification_id)


@router.post("/rectifications/{rectification_id}/callback", response_model=RectificationOut)
def record_callback(rectification_id: Id, body: CallbackIn, request: Request,
                    session: Session = Depends(get_session, scope="function")) -> Any:
    """Record the callback verifying the bad review with the applicant."""
    actor = require_login(bearer_actor(request, session))
    task = evaluation.record_callback(session, actor, rectification_id=rectification_id, note=body.note)
    return evaluation.rectification_views(session, [task])[0]


@router.post("/rectifications/{rectification_id}/reply", response_model=RectificationOut)
def reply(rectification_id: Id, body: ReplyIn, request: Request,
          session: Session = Depends(get_session, scope="function")) -> Any:
    """Report back what was fixed or explained (the applicant reads it and may re-rate)."""
    actor = require_login(bearer_actor(request, session))
    task = evaluation.reply(session, actor, rectification_id=rectification_id, text=body.text,
                            callback_note=body.callback_note, expected_version=body.expected_version)
    return evaluation.rectification_views(session, [task])[0]


@router.post("/evaluations/{evaluation_id}/appeal")
def request_appeal(evaluation_id: Id, body: AppealIn, request: Request,
                   session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """The handling department appeals a malicious or mistaken bad review."""
    actor = require_login(bearer_actor(request, session))
    rated = evaluation.request_appeal(session, actor, evaluation_id=evaluation_id, reason=body.reason)
    return {"evaluation_id": rated.id, "case_no": rated.case_no, "appeal_status": rated.appeal_status}


@router.post("/evaluations/{evaluation_id}/appeal/decision")
def decide_appeal(evaluation_id: Id, body: AppealDecisionIn, request: Request,
                  session: Session = Depends(get_session, scope="function")) -> dict[str, Any]:
    """A supervisor upholds (the rating leaves the figures) or rejects the appeal, with a reason."""
    actor = require_login(bearer_actor(request, session))
    rated = evaluation.decide_appeal(session, actor, evaluation_id=evaluation_id, uphold=body.uphold,
                                     reason=body.reason)
    return {"evaluation_id": rated.id, "case_no": rated.case_no, "appeal_status": rated.appeal_status,
            "excluded": rated.excluded}


@router.get("/appeals")
def list_appeals(request: Request, session: Session = Depends(get_session, scope="function"),
                 status: Annotated[str | None, Query(max_length=12)] = "requested",
                 limit: Annotated[str | None, Query(max_length=10)] = None,
                 offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """Appeals in the supervisor's region (status=requested by default; empty for all)."""
    actor = require_login(bearer_actor(request, session))
    size, start = page_params(limit, offset, most=200)
    total, rows = evaluation.list_appeals(session, actor, status=status or None, limit=size, offset=start)
    return {"total": total, "items": [r.model_dump(mode="json") for r in rows]}
