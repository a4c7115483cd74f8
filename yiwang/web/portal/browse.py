"""Finding a service: theme entrances, departments by region, announcements (通知公告)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.portal import service as portal
from yiwang.portal.themes import AUDIENCE_NAMES, ENTERPRISE, PERSON
from yiwang.web.pagekit import current_actor
from yiwang.web.portal.guide import PAGE_SIZE, limit_words, page_number, pager
from yiwang.web.setup import render

router = APIRouter(include_in_schema=False)


@router.get("/themes")
def themes(request: Request, session: Session = Depends(get_session, scope="function"),
           actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return render(request, "portal/themes.html", {
        "groups": [(kind, AUDIENCE_NAMES[kind], portal.theme_counts(session, kind)) for kind in (PERSON, ENTERPRISE)]})


@router.get("/themes/{slug}")
def theme(request: Request, slug: str, page: str = "1", session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    chosen = portal.get_theme(slug[:40])  # unknown → the Chinese 404 page
    number = page_number(page)
    found = portal.browse(session, theme=chosen.slug, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "portal/theme.html", {
        "theme": chosen, "audience_name": AUDIENCE_NAMES[chosen.audience], "total": found.total,
        "results": [{"item": s, "limit": limit_words(s.promised_limit)} for s in found.items],
        "pager": pager(f"/themes/{chosen.slug}", {}, number, found.total),
        "siblings": portal.theme_counts(session, chosen.audience)})


@router.get("/departments")
def departments(request: Request, session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    return render(request, "portal/departments.html", {"regions": portal.departments_by_region(session)})


@router.get("/announcements")
def announcements(request: Request, page: str = "1", session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    number = page_number(page)
    total, rows = portal.latest_announcements(session, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "portal/announcements.html", {
        "announcements": rows, "total": total, "regions": portal.region_names(session),
        "pager": pager("/announcements", {}, number, total)})


@router.get("/announcements/{announcement_id}")
def announcement(request: Request, announcement_id: str, session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    row = portal.public_announcement(session, int(announcement_id) if announcement_id.isdigit()
                                     and len(announcement_id) < 10 else 0)
    return render(request, "portal/announcement.html", {"a": row, "regions": portal.region_names(session),
                                                        "paragraphs": [p for p in row.body.splitlines() if p.strip()]})
