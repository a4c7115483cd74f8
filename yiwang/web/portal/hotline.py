"""The 12345 hotline for the public: what it is and how to reach it (/hotline), filing a request online and
one's own requests with their answers once reviewed (/hotline/requests/{no}, the filer only), and the public
knowledge base (/hotline/knowledge: the answers units publish, those under review marked as such)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.catalog import service as catalog
from yiwang.core import clock
from yiwang.core.errors import DomainError
from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import TicketIn
from yiwang.hotline.states import KIND_LABELS, STATUS_LABELS, Status
from yiwang.org import service as org
from yiwang.web.pagekit import current_actor, redirect, require_applicant
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form
from yiwang.web.workbench.hotline import TICKET_FIELDS, TICKET_MESSAGES, checked, regions_of, text

router = APIRouter(include_in_schema=False)

# what a person may file online (praise and suggestions too; reports of wrongdoing go the same way)
WEB_KINDS = ("consult", "help", "complaint", "report", "suggestion", "praise")
ANSWERED = (Status.REVIEWED.value, Status.CLOSED.value)
MY_LIMIT = 50


def _request_url(ticket_no: str, done: str | None = None) -> str:
    return f"/hotline/requests/{quote(ticket_no, safe='')}" + (f"?done={done}" if done else "")


# --- the hotline's page and filing online ----------------------------------------------------------------------

def _home(request: Request, session: Session, actor: Actor, *, values: dict[str, str] | None = None,
          error: dict[str, Any] | None = None, status: int = 200) -> Any:
    mine = []
    if actor.is_applicant:
        for t in hotline.list_tickets(session, actor, limit=MY_LIMIT).rows:
            mine.append({"t": t, "kind": KIND_LABELS.get(t.kind, t.kind),
                         "status": STATUS_LABELS.get(t.status, t.status), "answered": t.status in ANSWERED})
    table = hotline.limits(session)
    return render(request, "hotline/home.html", {
        "limit": {k: table[f"kind:{k}"][0] for k in ("consult", "complaint", "help")}, "mine": mine, "values": values or {}, "error": error, "kinds": [(k, KIND_LABELS[k]) for k in WEB_KINDS],
        "regions": regions_of(session, hotline.centre_region(session)) if actor.is_applicant else []},
        status=status)


@router.get("/hotline")
def hotline_page(request: Request, session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return _home(request, session, actor)


@router.post("/hotline/requests")
def file_request(request: Request, posted: FormData = Depends(posted_form),
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    values = {"kind": text(posted, "kind", 20), "content": text(posted, "content", 4000),
              "contact_name": text(posted, "contact_name", 100), "contact_phone": text(posted, "contact_phone", 40),
              "region_code": text(posted, "region_code", 12), "location": text(posted, "location", 300)}
    try:
        with session.begin_nested():
            data = checked(TicketIn, {
                "channel": "web", "kind": values["kind"], "content": values["content"],
                "contact_phone": values["contact_phone"], "contact_name": values["contact_name"] or None,
                "region_code": values["region_code"] or None, "location": values["location"] or None},
                TICKET_FIELDS, TICKET_MESSAGES)
            ticket = hotline.create_ticket(session, actor, data)
    except DomainError as exc:
        return _home(request, session, actor, values=values, error=form_error(exc), status=exc.status)
    return redirect(_request_url(ticket.ticket_no, "filed"))


@router.get("/hotline/requests/{ticket_no}")
def my_request(request: Request, ticket_no: str, done: str = "",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    ticket = hotline.get_ticket(session, actor, ticket_no[:24])  # another person's number is "not found"
    view = hotline.view(session, actor, ticket)
    return render(request, "hotline/request.html", {
        "v": view, "region_name": org.region_name(session, ticket.region_code),
        "notice": "诉求已提交，热线中心会派给承办单位办理。请记下工单编号，答复后可在此查看。" if done == "filed" else None})


# --- the public knowledge base ---------------------------------------------------------------------------------

@router.get("/hotline/knowledge")
def knowledge_search(request: Request, q: str = "", session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    q = q.strip()[:100]
    today = clock.today()
    hits = [{"e": e, "stale": knowledge.is_stale(e, today)}
            for e, _ in knowledge.search(session, q, public_only=True, limit=20)]
    return render(request, "hotline/knowledge.html", {"q": q, "hits": hits})


@router.get("/hotline/knowledge/{code}")
def knowledge_answer(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    entry = knowledge.get_entry(session, code[:24])  # public answers only, whoever asks
    names = catalog.bundle_item_names(session, list(entry.item_codes or [])) if entry.item_codes else {}
    items = [(c, names[c][0]) for c in entry.item_codes or [] if c in names and names[c][2]]
    return render(request, "hotline/answer.html", {
        "e": entry, "stale": knowledge.is_stale(entry), "items": items,
        "dept": org.department_name(session, entry.department_id)})
