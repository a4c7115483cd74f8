"""The staff's 一件事 pages: the queue of the applications with a case in the actor's scope, one application as staff
see it, and the 一件事 window (综合受理窗口) filing a bundle for an applicant with the portal's one application form."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from yiwang.bundles import service as bundles
from yiwang.catalog import service as catalog
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.web.pagekit import current_actor, require_staff
from yiwang.web.portal.applications import LIGHT_WORDS
from yiwang.web.portal.bundles import AUDIENCES, PAGE_SIZE, application_page, blank_page, file_from_page
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import render

router = APIRouter(include_in_schema=False)


@router.get("/workbench/bundles")
def queue(request: Request, page: str = "1", open: str = "1", session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    actor.require(Perm.CASE_READ)
    number = page_number(page)
    open_only = open != "0"
    total, rows = bundles.list_for(session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                   open_only=open_only)
    return render(request, "workbench/bundles.html", {
        "rows": bundles.views(session, actor, rows), "total": total, "lights": LIGHT_WORDS, "open_only": open_only,
        "pager": pager("/workbench/bundles", {"open": "1" if open_only else "0"}, number, total, PAGE_SIZE)})


@router.get("/workbench/bundles/intake")
def intake_choose(request: Request, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    """The 一件事 window: choose the bundle an applicant at the window applies for."""
    require_staff(actor)
    actor.require(Perm.CASE_INTAKE)
    rows = catalog.search_bundles(session)
    return render(request, "workbench/bundle_intake.html", {"bundles": rows, "labels": dict(
        (a, t) for a, t, _ in AUDIENCES)})


def _intake_actor(actor: Actor) -> Actor:
    require_staff(actor)
    actor.require(Perm.CASE_INTAKE)
    return actor


@router.get("/workbench/bundles/intake/{code}")
def intake_form(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _intake_actor(actor)
    return blank_page(request, session, actor, code, applicant_code="")


@router.post("/workbench/bundles/intake/{code}")
async def intake_submit(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                        actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _intake_actor(actor)
    return await file_from_page(request, session, actor, code, intake=True)


@router.get("/workbench/bundles/{application_no}")
def staff_bundle(request: Request, application_no: str, done: str = "",
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_staff(actor)
    return application_page(request, session, actor, application_no, done=bool(done), staff=True)
