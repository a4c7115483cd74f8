"""12345 hotline figures (seed 003 tasks 39–45): a month's totals, the units ranked by satisfaction, the channel
groups and the knowledge base, of the orders in the reader's region. Definitions: :mod:`yiwang.hotline.report`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, require_login
from yiwang.hotline import report

router = APIRouter(tags=["12345 热线"])


@router.get("/hotline/figures")
def figures(request: Request, month: str = Query(default="", max_length=20),
            session: Session = Depends(get_session, scope="function")) -> Any:
    """``month`` as YYYY-MM (default: the current month). ``totals``, ``units`` (ranked: ``rank`` null for a unit
    without a callback), ``centre`` (orders without a unit), ``channels`` and ``knowledge``; rates are fractions
    (0–1, four decimals), null when nothing was counted under them."""
    actor = require_login(bearer_actor(request, session))
    return report.monthly_report(session, actor, report.parse_month(month)).as_dict()
