"""Indicators (seed 003): the month's table for a region and department, the public selection, the department
figures, and the administrators' choices (what is public, population figures). Definitions: docs/indicators.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, client_address, get_session, require_login
from yiwang.core.ratelimit import SlidingWindow
from yiwang.metrics import service as metrics

router = APIRouter(tags=["指标"])
_public_reads = SlidingWindow(limit=120, seconds=60)  # per address: the public figures need no sign-in

Text = Annotated[str, Query(max_length=20)]


@router.get("/indicators")
def indicators(request: Request, period: Text = "", region_code: Text = "", department: Text = "",
               session: Session = Depends(get_session, scope="function")) -> Any:
    """``period`` YYYY-MM (default: the current month), ``region_code`` (default: the reader's region),
    ``department`` (a department id). ``items``: every indicator with ``code``, ``name``, ``value``, ``unit``,
    ``numerator``, ``denominator``, ``formula``, ``target``, ``met``; those the platform cannot compute carry
    ``computable`` false and the ``reason``."""
    actor = require_login(bearer_actor(request, session))
    return metrics.indicator_table(session, actor, period=period, region_code=region_code or None,
                                   department=department or None)


@router.get("/indicators/public")
def public(request: Request, period: Text = "", region_code: Text = "",
           session: Session = Depends(get_session, scope="function")) -> Any:
    """The indicators the deployment publishes (绩效评估结果公开), of a month that has ended (default: last
    month). No sign-in."""
    _public_reads.check(client_address(request) or "?")
    return metrics.public_table(session, period=period, region_code=region_code or None)


@router.get("/indicators/departments")
def departments(request: Request, period: Text = "", region_code: Text = "",
                session: Session = Depends(get_session, scope="function")) -> Any:
    """The departments of the region ranked (the monthly report's ranking): each with its indicators."""
    from yiwang.metrics import report

    actor = require_login(bearer_actor(request, session))
    scope = metrics.resolve_scope(session, actor, region_code or None, None)
    month = metrics.parse_month(period)
    return {"period": month.key, "region_code": scope.region_code,
            "departments": [r.as_dict() for r in report.ranking(session, month, scope)]}


class PublicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[Annotated[str, Field(max_length=8)]] = Field(max_length=100)


@router.put("/indicators/publication")
def set_publication(body: PublicationIn, request: Request,
                    session: Session = Depends(get_session, scope="function")) -> Any:
    """Publish exactly these indicators on the public figures page (administrators)."""
    actor = require_login(bearer_actor(request, session))
    return {"codes": metrics.set_published(session, actor, body.codes)}


class BaselineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region_code: str = Field(min_length=6, max_length=12)
    key: str = Field(max_length=16)
    value: int = Field(gt=0, lt=10**12)


@router.put("/indicators/baselines")
def set_baseline(body: BaselineIn, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Enter a region's resident population (``population``) or enterprise count (``enterprises``)."""
    actor = require_login(bearer_actor(request, session))
    metrics.set_baseline(session, actor, region_code=body.region_code, key=body.key, value=body.value)
    return {"baselines": metrics.baselines(session)}
