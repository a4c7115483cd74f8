"""12345 hotline API: routing (dry run), work orders and their actions, the knowledge base.

The dry run is open to anyone (it says which department handles a matter, as the public guide does) within a rate
limit; work orders are the caller's own, their unit's, or their region's for the centre's staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.core import clock
from yiwang.core.calendar import get_calendar
from yiwang.core.ratelimit import SlidingWindow
from yiwang.core.requests import client_address
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import ActionIn, DryRunIn, TicketIn, TicketView

router = APIRouter(tags=["12345 热线"])

TicketNo = Annotated[str, Path(min_length=1, max_length=24)]
Code = Annotated[str, Path(min_length=1, max_length=24)]
# per address: the console's live suggestion calls it as the operator types (a centre's operators may share one)
_anonymous_dry_runs = SlidingWindow(limit=600, seconds=60)
_online_requests = SlidingWindow(limit=10, seconds=3600)  # per person or enterprise filing online


@router.post("/hotline/routing/dry-run")
def dry_run(body: DryRunIn, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Where a request would go and why: ``department``, ``rule`` (the strongest evidence), ``explanation`` and
    ``alternatives``. Nothing is stored."""
    actor = bearer_actor(request, session)
    if not (actor.is_staff or actor.is_applicant):
        _anonymous_dry_runs.check(client_address(request) or "?")
    if body.region_code:
        hotline.known_region(session, body.region_code)
    decision = hotline.route(session, content=body.content, region_code=body.region_code, kind=body.kind)
    return decision.as_dict()


@router.post("/hotline/tickets", status_code=201)
def create_ticket(body: TicketIn, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Register a request. An operator registers any channel; a signed-in person files on the web (an enterprise
    as 企业诉求). It is routed and dispatched at once; the answer is due by ``deadline`` (working days by kind)."""
    actor = require_login(bearer_actor(request, session))
    if actor.is_applicant:
        _online_requests.check(actor.label)
    ticket = hotline.create_ticket(session, actor, body)
    view = hotline.view(session, actor, ticket, timeline=False)
    return {"ticket_no": ticket.ticket_no, "department": view.department, "department_id": ticket.department_id,
            "deadline": ticket.deadline.isoformat() if ticket.deadline else None, "status": ticket.status,
            "kind": ticket.kind, "channel": ticket.channel, "routing": view.routing if actor.is_staff else None}


@router.get("/hotline/tickets")
def list_tickets(request: Request, status: str | None = Query(default=None, max_length=12),
                 light: str | None = Query(default=None, max_length=6), q: str | None = Query(default=None, max_length=50),
                 limit: str | None = None, offset: str | None = None,
                 session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    lim, off = page_params(limit, offset)
    page = hotline.list_tickets(session, actor, status=status, light=light, q=q, limit=lim, offset=off)
    cal = get_calendar(session)
    today = clock.today()
    return {"total": page.total, "items": [
        {"ticket_no": t.ticket_no, "title": t.title, "kind": t.kind, "channel": t.channel, "status": t.status,
         "department_id": t.department_id, "deadline": t.deadline.isoformat() if t.deadline else None,
         "light": hotline.light_of(cal, t, today), "created_at": t.created_at.isoformat()} for t in page.rows]}


@router.get("/hotline/tickets/{ticket_no}", response_model=TicketView)
def get_ticket(ticket_no: TicketNo, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    actor = require_login(bearer_actor(request, session))
    return hotline.view(session, actor, hotline.get_ticket(session, actor, ticket_no))


@router.post("/hotline/tickets/{ticket_no}/actions", response_model=TicketView)
def act(ticket_no: TicketNo, body: ActionIn, request: Request,
        session: Session = Depends(get_session, scope="function")) -> Any:
    """dispatch (department_id) · return · accept · progress · extend (days) · answer · approve · send_back ·
    callback (satisfaction) · reopen · resolve · void; ``comment`` carries the text each needs."""
    actor = require_login(bearer_actor(request, session))
    ticket = hotline.act(session, actor, ticket_no, body)
    return hotline.view(session, actor, ticket)


@router.get("/hotline/knowledge")
def search_knowledge(request: Request, q: str = Query(default="", max_length=100),
                     limit: str | None = None, session: Session = Depends(get_session, scope="function")) -> Any:
    """Search the knowledge base (the public sees public answers; staff every active answer)."""
    actor = bearer_actor(request, session)
    lim, _ = page_params(limit, None)
    hits = knowledge.search(session, q, viewer=actor, limit=lim)
    today = clock.today()
    return {"total": len(hits), "items": [
        {"code": e.code, "title": e.title, "topic": e.topic, "answer": e.answer, "item_codes": e.item_codes,
         "policies": e.policies, "review_due": e.review_due.isoformat(), "stale": knowledge.is_stale(e, today),
         "score": round(s, 4)} for e, s in hits]}


@router.get("/hotline/knowledge/{code}")
def get_knowledge(code: Code, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    actor = bearer_actor(request, session)
    e = knowledge.get_entry(session, code, actor=actor if actor.is_staff else None)
    return {"code": e.code, "title": e.title, "topic": e.topic, "answer": e.answer, "keywords": e.keywords,
            "item_codes": e.item_codes, "policies": e.policies, "public": e.public, "status": e.status,
            "review_due": e.review_due.isoformat(), "stale": knowledge.is_stale(e), "version": e.version}
