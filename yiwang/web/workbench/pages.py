"""Staff workbench: login and the staff home page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.core.errors import DomainError
from yiwang.core.permissions import ROLE_LABELS, Actor, Perm, Role
from yiwang.core.requests import get_session
from yiwang.hall import service as hall
from yiwang.identity import service as identity
from yiwang.identity.errors import BadCredentials
from yiwang.web.pagekit import current_actor, require_staff
from yiwang.web.portal.pages import _safe_next, start_session
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import scope_label

router = APIRouter(include_in_schema=False)


@router.get("/staff/login")
def staff_login_form(request: Request, next: str | None = None, actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]  # noqa: A002
    return render(request, "portal/login.html", {"next": next or "", "staff": True})


@router.post("/staff/login")
def staff_login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                       next: str = Form(""), csrf_token: str = Form(""),  # noqa: A002
                       session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    check_csrf(request, csrf_token)
    try:
        if not username or not password:
            raise BadCredentials("请输入登录名和密码", field="username")
        who = identity.authenticate(session, username, password, staff=True)
    except DomainError as exc:
        session.commit()  # keep the failure counter
        return render(request, "portal/login.html", {"next": next, "error": form_error(exc), "username": username,
                                                     "staff": True}, status=exc.status)
    return start_session(request, session, who, _safe_next(next, "/workbench"))


@router.get("/workbench")
def workbench_home(request: Request, session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    roles = [ROLE_LABELS[Role(r)] for r in sorted(actor.roles)]
    reads_cases = actor.can(Perm.CASE_READ)
    mine = cases.list_cases(session, actor, mine=True, limit=1)[0] if reads_cases else 0
    return render(request, "workbench/home.html", {
        "role_labels": roles, "reads_cases": reads_cases, "mine_count": mine, "scope_label": scope_label(actor),
        "all_label": "辖区办件" if actor.region_scoped else "本部门办件",
        "can_intake": actor.can(Perm.CASE_INTAKE) or actor.can(Perm.CASE_PROXY_SUBMIT),
        "hall_windows": hall.my_windows(session, actor), "hall_desk": actor.can(Perm.HALL_DESK)})
