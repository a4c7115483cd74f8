"""The public 告知承诺公示 page: pledged approvals, without personal data (a person by surname only, never an ID
number or a phone), searchable by item and department, paginated."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.pledges import service as pledges
from yiwang.web.pagekit import current_actor
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20


@router.get("/pledges")
def pledge_list(request: Request, q: str = "", department: str = "", page: str = "1",
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    number = page_number(page)
    departments = pledges.public_departments(session)
    chosen = int(department) if department.isascii() and department.isdigit() and len(department) < 12 else None
    if chosen not in {i for i, _ in departments}:
        chosen = None
    total, rows = pledges.public_list(session, q=q[:100] or None, department_id=chosen, limit=PAGE_SIZE,
                                      offset=(number - 1) * PAGE_SIZE)
    return render(request, "portal/pledges.html", {
        "items": rows, "total": total, "q": q[:100], "department": chosen, "departments": departments,
        "pager": pager("/pledges", {"q": q[:100], "department": str(chosen) if chosen else ""}, number, total,
                       PAGE_SIZE)})
