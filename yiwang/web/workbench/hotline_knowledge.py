"""The hotline's knowledge base for staff (知识库): the answers (答复口径) in the staff member's scope with those past
their review date flagged 待复核, adding and changing an answer (its catalog items, policies and next review
date), confirming it still holds (复核无误) and taking it down (下架).

A liaison keeps their own unit's answers; an operator those of every unit of their region (``hotline.knowledge``
decides, the pages only offer)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.core import clock
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.core.requests import get_session
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.models import KnowledgeEntry
from yiwang.hotline.schemas import KnowledgeIn
from yiwang.org import service as org
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form
from yiwang.web.workbench.hotline import checked, number, text

router = APIRouter(prefix="/workbench/hotline/knowledge", include_in_schema=False)

DONE = {"added": "答复口径已添加。", "changed": "答复口径已保存，下次复核日期已更新。", "confirmed": "已复核，下次复核日期顺延半年。",
        "retired": "答复口径已下架，公众和话务员不再检索到它。"}
STALE = "该答复口径在您打开页面之后已被其他人修改，您的修改没有保存。下面是最新内容，请核对后重新修改。"
FIELDS = {"title": "标题", "topic": "主题", "answer": "答复内容", "keywords": "关键词", "item_codes": "关联事项",
          "policies": "政策依据", "review_due": "复核日期", "department_id": "维护单位"}


def _keeper(actor: Actor) -> Actor:
    return require_staff(actor, Perm.HOTLINE_KNOWLEDGE)


def _url(done: str | None = None, **query: str) -> str:
    params = {k: v for k, v in query.items() if v} | ({"done": done} if done else {})
    return "/workbench/hotline/knowledge" + ("?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
                                              if params else "")


# --- the list ---------------------------------------------------------------------------------------------------

def _list_page(request: Request, session: Session, actor: Actor, *, q: str = "", stale: bool = False,
               error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
               notice: str | None = None, status: int = 200) -> Any:
    entries = knowledge.list_entries(session, actor, stale_only=stale, q=q or None)
    today = clock.today()
    names = org.departments_by_ids(session, {e.department_id for e in entries})
    rows = [{"e": e, "stale": knowledge.is_stale(e, today),
             "dept": names[e.department_id].name if e.department_id in names else ""} for e in entries]
    return render(request, "workbench/hotline/knowledge.html", {
        "rows": rows, "q": q, "stale": stale, "figures": knowledge.figures(session, actor), "error": error,
        "values": values or {}, "notice": notice, "back": _url(q=q, stale="1" if stale else "")}, status=status)


@router.get("")
def knowledge_list(request: Request, q: str = "", stale: str = "", done: str = "",
                   session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    return _list_page(request, session, actor, q=q.strip()[:50], stale=stale == "1", notice=DONE.get(done))


def _back(posted: FormData) -> str:
    """Where a list form returns: the list as it was filtered (never another site)."""
    back = text(posted, "back", 200)
    return back if back.startswith("/workbench/hotline/knowledge") and "//" not in back else _url()


@router.post("/{code}/confirm")
def knowledge_confirm(request: Request, code: str, posted: FormData = Depends(posted_form),
                      session: Session = Depends(get_session, scope="function"),
                      actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    knowledge.confirm(session, actor, code[:24])
    return redirect(_with_done(_back(posted), "confirmed"))


@router.post("/{code}/retire")
def knowledge_retire(request: Request, code: str, posted: FormData = Depends(posted_form),
                     session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    reason = text(posted, "reason", 500)
    try:
        with session.begin_nested():
            knowledge.retire(session, actor, code[:24], reason)
    except ValidationFailed as exc:
        return _list_page(request, session, actor, error=form_error(exc) | {"code": code[:24]},
                          values={"reason": reason}, status=exc.status)
    return redirect(_with_done(_back(posted), "retired"))


def _with_done(url: str, done: str) -> str:
    url = re.sub(r"([?&])done=[^&]*&?", r"\1", url).rstrip("?&")
    return url + ("&" if "?" in url else "?") + f"done={done}"


# --- adding and changing an answer --------------------------------------------------------------------------------

def _split_codes(raw: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", raw) if c]


def _policies(raw: str) -> list[dict[str, str]]:
    """One policy a line: "标题 | 链接" (the link may be left out)."""
    out = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        parts = re.split(r"\s*[|｜]\s*", line.strip(), maxsplit=1)
        title, url = parts[0], parts[1] if len(parts) > 1 else ""
        out.append({"title": title, "url": url})
    return out


def _form_values(posted: FormData) -> dict[str, str]:
    return {"title": text(posted, "title", 200), "topic": text(posted, "topic", 60),
            "answer": text(posted, "answer", 8000), "keywords": text(posted, "keywords", 1000),
            "item_codes": text(posted, "item_codes", 2000), "policies": text(posted, "policies", 6000),
            "review_due": text(posted, "review_due", 20), "department_id": text(posted, "department_id", 12),
            "public": "1" if posted.get("public") else ""}


def _values_of(entry: KnowledgeEntry) -> dict[str, str]:
    return {"title": entry.title, "topic": entry.topic, "answer": entry.answer, "keywords": entry.keywords,
            "item_codes": "\n".join(entry.item_codes or []),
            "policies": "\n".join(f"{p.get('title', '')} | {p.get('url', '')}" if p.get("url") else p.get("title", "")
                                  for p in entry.policies or []),
            # a date already past would be refused: left empty, saving sets the next review half a year on
            "review_due": "" if knowledge.is_stale(entry) else entry.review_due.isoformat(),
            "department_id": str(entry.department_id),
            "public": "1" if entry.public else ""}


def _data(values: dict[str, str]) -> KnowledgeIn:
    review_due = None
    if values["review_due"]:
        try:
            review_due = dt.date.fromisoformat(values["review_due"])
        except ValueError:
            raise ValidationFailed("复核日期格式应为 YYYY-MM-DD", field="review_due", code="invalid") from None
    return checked(KnowledgeIn, {
        "title": values["title"], "topic": values["topic"], "answer": values["answer"], "keywords": values["keywords"],
        "item_codes": _split_codes(values["item_codes"]), "policies": _policies(values["policies"]),
        "public": values["public"] == "1", "review_due": review_due,
        "department_id": number(values["department_id"], "department_id", "请从列表中选择维护单位")}, FIELDS)


def _units(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The units an operator may keep answers for (their region's); a liaison keeps their own unit's only."""
    if not (actor.can(Perm.HOTLINE_TICKET) and actor.region_code):
        return []
    prefix = region_prefix(actor.region_code)
    return [(u.department_id, u.name) for u in hotline.units_view(session) if u.region_code.startswith(prefix)]


def _form_page(request: Request, session: Session, actor: Actor, *, entry: KnowledgeEntry | None,
               values: dict[str, str], error: dict[str, Any] | None = None, version: int | None = None,
               status: int = 200) -> Any:
    units = _units(session, actor)
    if units and entry is not None and entry.department_id not in {u[0] for u in units}:
        units.insert(0, (entry.department_id, org.department_name(session, entry.department_id)))
    return render(request, "workbench/hotline/knowledge_form.html", {
        "entry": entry, "stale": entry is not None and knowledge.is_stale(entry), "values": values, "error": error, "version": version if version is not None else
        (entry.version if entry else None), "units": units,
        "default_due": (clock.today() + dt.timedelta(days=knowledge.REVIEW_DAYS)).isoformat()}, status=status)


@router.get("/new")
def knowledge_new(request: Request, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    return _form_page(request, session, actor, entry=None,
                      values={"public": "1", "department_id": str(actor.department_id or "")})


@router.post("/new")
def knowledge_add(request: Request, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    values = _form_values(posted)
    try:
        with session.begin_nested():
            knowledge.save(session, actor, _data(values))
    except DomainError as exc:
        return _form_page(request, session, actor, entry=None, values=values, error=form_error(exc),
                          status=exc.status)
    return redirect(_url("added"))


@router.get("/{code}/edit")
def knowledge_edit(request: Request, code: str, session: Session = Depends(get_session, scope="function"),
                   actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    entry = knowledge.get_entry(session, code[:24], actor=actor)
    return _form_page(request, session, actor, entry=entry, values=_values_of(entry))


@router.post("/{code}/edit")
def knowledge_change(request: Request, code: str, posted: FormData = Depends(posted_form),
                     session: Session = Depends(get_session, scope="function"),
                     actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    entry = knowledge.get_entry(session, code[:24], actor=actor)
    values = _form_values(posted)
    shown = shown_version(text(posted, "version", 20))
    try:
        with session.begin_nested():
            knowledge.save(session, actor, _data(values), code=entry.code, expected_version=shown)
    except DomainError as exc:
        fresh = knowledge.get_entry(session, entry.code, actor=actor)
        if isinstance(exc, StaleVersion):
            return _form_page(request, session, actor, entry=fresh, values=_values_of(fresh),
                              error={"message": STALE, "field": "version"}, status=exc.status)
        return _form_page(request, session, actor, entry=fresh, values=values, error=form_error(exc),
                          version=shown, status=exc.status)
    return redirect(_url("changed"))
