from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from yiwang.api.deps import get_session
from yiwang.core import calendar

router = APIRouter(prefix="/workdays", tags=["工作日"])


@router.get("/deadline")
def deadline(start: dt.date, days: Annotated[int, Query(ge=0, le=3650)],
             session: Session = Depends(get_session, scope="function")) -> dict[str, str]:
    """The ``days``-th working day after ``start`` (the start day is not counted)."""
    cal = calendar.get_calendar(session)
    return {"deadline": cal.add_working_days(start, days).isoformat()}


@router.get("/check")
def check(date: dt.date, session: Session = Depends(get_session, scope="function")) -> dict[str, object]:
    cal = calendar.get_calendar(session)
    return {"date": date.isoformat(), "workday": cal.is_workday(date), "name": cal.holiday_name(date)}


@router.get("/between")
def between(start: dt.date, end: dt.date, session: Session = Depends(get_session, scope="function")) -> dict[str, int]:
    """Working days in (start, end]."""
    return {"working_days": calendar.get_calendar(session).working_days_between(start, end)}
