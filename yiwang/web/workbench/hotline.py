"""The hotline console (12345 热线): the work orders in the staff member's scope by queue, registering a call with
the routing's suggestion beside it (智能派单建议), and an order's page with the actions its status and the staff
member's place allow (派单, 签收, 答复, 审核, 回访 …).

Operators of the centre's region register, dispatch, review and call back; a unit's liaisons sign for, handle and
answer their department's orders; the centre's report readers may look. Every read and write goes through
``hotline.service`` (scoped there: another region's or department's order is "not found" here too). Each action
form carries the order's version the page showed: an order that moved on since is refused with a Chinese
message and the fresh page. Knowledge base pages are in ``hotline_knowledge``, the override report and the rules
in ``hotline_rules``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from pydantic import ValidationError as ModelError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.core import clock
from yiwang.core.calendar import get_calendar
from yiwang.core.errors import DomainError, PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.core.requests import get_session
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.models import HotlineTicket
from yiwang.hotline.schemas import ActionIn, TicketIn
from yiwang.hotline.states import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    KIND_ALIASES,
    KIND_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
)
from yiwang.org import service as org
from yiwang.web.pagekit import current_actor, redirect, require_staff, shown_version
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(prefix="/workbench/hotline", include_in_schema=False)

PAGE_SIZE = 50
LIGHTS = {"green": ("绿灯", "正常"), "yellow": ("黄灯", "即将到期"), "red": ("红灯", "已超期")}
# the queues: tab → (label, statuses); an empty tuple is every order in scope
CENTRE_TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dispatch": ("待派单", ("registered", "returned")), "handling": ("办理中", ("dispatched", "in_progress")),
    "review": ("待审核", ("answered",)), "callback": ("待回访", ("reviewed",)), "closed": ("已办结", ("closed",)),
    "all": ("全部", ())}
UNIT_TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sign": ("待签收", ("dispatched",)), "handling": ("办理中", ("in_progress",)),
    "answered": ("已答复", ("answered", "reviewed")), "closed": ("已办结", ("closed",)), "all": ("全部", ())}
STALE = "该工单在您打开页面之后已被其他人处理，您的操作没有执行。下面是工单的最新情况，请核对后再决定是否操作。"
DONE = {str(a): f"已完成：{label}。" for a, label in ACTION_LABELS.items()} | {
    "created": "来电已登记。", "dispatch": "已派单，等待承办单位签收。", "accept": "已签收，请在期限内办理并答复。",
    "answer": "已答复，等待热线中心审核。", "approve": "审核通过，请回访市民。", "callback": "回访完成，工单已办结。"}
# the form fields of a request, for messages about them
TICKET_FIELDS = {"channel": "来电渠道", "kind": "诉求类型", "content": "诉求内容", "contact_phone": "联系电话",
                 "contact_name": "来电人姓名", "region_code": "所在区域", "location": "具体地点", "title": "标题",
                 "department_id": "承办单位"}
TICKET_MESSAGES = {"contact_phone": "请填写有效的联系电话（手机号或固定电话）"}
ACTION_FIELDS = {"comment": "说明", "days": "延期工作日数", "satisfaction": "满意度", "department_id": "承办单位"}

M = TypeVar("M", bound=BaseModel)


# --- shared by the hotline's pages ------------------------------------------------------------------------------

def text(posted: FormData, name: str, limit: int = 4000) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def checked(model: type[M], data: Mapping[str, Any], labels: Mapping[str, str],
            messages: Mapping[str, str] | None = None) -> M:
    """The model from a form's values, or the first problem as a Chinese message naming the field (``messages``:
    what to say of a field filled in wrongly, whatever the rule it broke)."""
    try:
        return model.model_validate(dict(data))
    except ModelError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else None
        label = labels.get(field or "", "")
        ctx = first.get("ctx") or {}
        kind = first.get("type", "")
        if kind == "value_error":
            message = str(ctx.get("error") or first.get("msg", "输入有误"))
        elif messages and field and field in messages and data.get(field):
            message = messages[field]
        elif kind in ("missing", "string_too_short") and ctx.get("min_length", 1) <= 1 or not data.get(field or ""):
            message = f"请填写{label}"
        elif kind == "string_too_short":
            message = f"{label}至少需要 {ctx['min_length']} 个字"
        elif kind == "string_too_long":
            message = f"{label}不能超过 {ctx['max_length']} 个字"
        elif kind in ("greater_than_equal", "less_than_equal"):
            message = f"{label}超出允许的范围"
        else:
            message = f"{label}填写有误" if label else "输入有误"
        raise ValidationFailed(message, field=field, code="invalid") from None


def number(raw: str, field: str, message: str) -> int | None:
    """A whole number typed into a form (empty: None)."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise ValidationFailed(message, field=field, code="invalid")
    return int(raw)


def may_read(actor: Actor) -> bool:
    return actor.is_staff and any(actor.can(p) for p in (Perm.HOTLINE_TICKET, Perm.HOTLINE_HANDLE,
                                                          Perm.HOTLINE_REPORT))


def reader(actor: Actor) -> Actor:
    require_staff(actor)
    if not may_read(actor):
        raise PermissionDenied("只有 12345 话务员、热线联络员和热线统计人员可以查看工单", code="forbidden")
    return actor


def units_covering(session: Session, region_code: str) -> list[Any]:
    """The units that may take an order of this region (the district's and the street's), by function."""
    return [u for u in hotline.units_view(session) if region_code.startswith(u.region_prefix)]


def regions_of(session: Session, region_code: str | None) -> list[tuple[str, str]]:
    """A region and the regions inside it (a district and its streets), as (code, name)."""
    if not region_code:
        return []
    prefix = region_prefix(region_code)
    return [(r.code, r.name) for r in org.list_regions(session) if r.code.startswith(prefix)]


def ticket_url(ticket_no: str, done: str | None = None) -> str:
    return f"/workbench/hotline/{quote(ticket_no, safe='')}" + (f"?done={done}" if done else "")


# --- the queues ---------------------------------------------------------------------------------------------------

def _tabs(actor: Actor) -> dict[str, tuple[str, tuple[str, ...]]]:
    return UNIT_TABS if actor.can(Perm.HOTLINE_HANDLE) and not actor.can(Perm.HOTLINE_TICKET) else CENTRE_TABS


@router.get("")
def queue(request: Request, tab: str = "", light: str = "", q: str = "", page: str = "1",
          session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    reader(actor)
    tabs = _tabs(actor)
    light = light if light in ("yellow", "red") else ""
    tab = tab if tab in tabs else ("all" if light else next(iter(tabs)))
    q = q.strip()[:50]
    page_no = page_number(page)
    statuses = tabs[tab][1]
    found = hotline.list_tickets(session, actor, status=statuses or None, light=light or None, q=q or None,
                                 limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    counts = {key: hotline.list_tickets(session, actor, status=s or None, limit=0).total
              for key, (_, s) in tabs.items() if key != "all"}
    lit = {c: hotline.list_tickets(session, actor, light=c, limit=0).total for c in ("yellow", "red")}
    cal = get_calendar(session)
    today = clock.today()
    names = org.departments_by_ids(session, {t.department_id for t in found.rows if t.department_id})
    rows = [{"t": t, "kind": KIND_LABELS.get(t.kind, t.kind), "status": STATUS_LABELS.get(t.status, t.status),
             "unit": names[t.department_id].name if t.department_id in names else "",
             "light": hotline.light_of(cal, t, today), "step": STEP_LABELS.get(t.step or "", "")} for t in found.rows]
    params = {"tab": tab, "light": light, "q": q}
    return render(request, "workbench/hotline/list.html", {
        "tabs": tabs, "tab": tab, "light": light, "q": q, "counts": counts, "lit": lit, "rows": rows,
        "total": found.total, "lights": LIGHTS, "unit_view": tabs is UNIT_TABS,
        "pager": pager("/workbench/hotline", params, page_no, found.total, PAGE_SIZE)})


# --- registering a call ----------------------------------------------------------------------------------------

def _operator(actor: Actor) -> Actor:
    return require_staff(actor, Perm.HOTLINE_TICKET)


def _suggest(session: Session, values: Mapping[str, str]) -> dict[str, Any] | None:
    """The routing's suggestion for what the form holds (nothing without content)."""
    content = values.get("content", "")
    if not content:
        return None
    raw = values.get("kind", "")
    kind = raw if raw in KIND_LABELS else KIND_ALIASES.get(raw)
    return dict(hotline.route(session, content=content, region_code=values.get("region_code") or None,
                              kind=kind).as_dict())


def _new_page(request: Request, session: Session, actor: Actor, *, values: dict[str, str] | None = None,
              suggestion: dict[str, Any] | None = None, error: dict[str, Any] | None = None,
              status: int = 200) -> Any:
    values = values or {}
    regions = regions_of(session, actor.region_code)
    region = values.get("region_code") or actor.region_code or ""
    return render(request, "workbench/hotline/new.html", {
        "values": values, "suggestion": suggestion, "error": error, "regions": regions,
        "channels": CHANNEL_LABELS, "kinds": KIND_LABELS,
        "units": units_covering(session, region) if region else []}, status=status)


@router.get("/new")
def new_call(request: Request, session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _operator(actor)
    return _new_page(request, session, actor, values={"channel": "phone", "region_code": actor.region_code or ""})


@router.post("/new")
def register_call(request: Request, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _operator(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    values = {"channel": text(posted, "channel", 20), "kind": text(posted, "kind", 20),
              "content": text(posted, "content", 4000), "contact_name": text(posted, "contact_name", 100),
              "contact_phone": text(posted, "contact_phone", 40), "region_code": text(posted, "region_code", 12),
              "location": text(posted, "location", 300), "department_id": text(posted, "department_id", 12),
              "hold": "1" if posted.get("hold") else ""}
    if text(posted, "op", 10) == "suggest":
        if not values["content"]:
            error = {"message": "请先填写诉求内容，再查看派单建议", "field": "content"}
            return _new_page(request, session, actor, values=values, error=error, status=422)
        return _new_page(request, session, actor, values=values, suggestion=_suggest(session, values))
    try:
        with session.begin_nested():
            data = checked(TicketIn, {
                "channel": values["channel"] or "phone", "kind": values["kind"], "content": values["content"],
                "contact_phone": values["contact_phone"], "contact_name": values["contact_name"] or None,
                "region_code": values["region_code"] or None, "location": values["location"] or None,
                "department_id": number(values["department_id"], "department_id", "请从列表中选择承办单位"),
                "dispatch": not values["hold"]}, TICKET_FIELDS, TICKET_MESSAGES)
            ticket = hotline.create_ticket(session, actor, data)
    except DomainError as exc:
        return _new_page(request, session, actor, values=values, suggestion=_suggest(session, values),
                         error=form_error(exc), status=exc.status)
    return redirect(ticket_url(ticket.ticket_no, "created"))


# --- one order ----------------------------------------------------------------------------------------------------

def _timeline(view: Any) -> list[dict[str, Any]]:
    out = []
    for e in view.timeline:
        data = e.get("data") or {}
        facts = []
        if e["action"] == "dispatch" and data.get("department"):
            facts.append(f"派往{data['department']}" + ("（未采用派单建议，已记录改派）" if data.get("overridden") else ""))
        if data.get("days"):
            facts.append(f"延期 {data['days']} 个工作日，新期限 {data.get('deadline', '')}")
        if data.get("satisfaction"):
            facts.append(f"回访满意度：{SATISFACTION_LABELS.get(data['satisfaction'], data['satisfaction'])}")
        out.append(e | {"facts": facts})
    return out


def ticket_page(request: Request, session: Session, actor: Actor, ticket: HotlineTicket, *, use: str = "",
                error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                notice: str | None = None, status: int = 200) -> Any:
    view = hotline.view(session, actor, ticket)
    allowed = view.allowed_actions
    hits: list[dict[str, Any]] = []
    if "resolve" in allowed:
        today = clock.today()
        hits = [{"e": e, "stale": knowledge.is_stale(e, today), "dept": org.department_name(session, e.department_id)}
                for e, _ in knowledge.search(session, ticket.content, public_only=False, limit=5)]
    values = dict(values or {})
    chosen = next((h for h in hits if h["e"].code == use), None)
    if chosen is not None and not error:
        values = {"comment": chosen["e"].answer}  # the resolve form starts from the chosen answer's text
    routing = view.routing or {}
    return render(request, "workbench/hotline/ticket.html", {
        "v": view, "version": ticket.version, "routing": routing, "allowed": allowed,
        "region_name": org.region_name(session, ticket.region_code), "lights": LIGHTS,
        "step_label": STEP_LABELS.get(ticket.step or "", ""), "timeline": _timeline(view),
        "units": units_covering(session, ticket.region_code) if "dispatch" in allowed else [],
        "hits": hits, "used": chosen["e"].code if chosen else "", "action_labels": ACTION_LABELS,
        "satisfactions": SATISFACTION_LABELS, "extend_left": max(0, ticket.max_days - ticket.limit_days
                                                                 - ticket.extended_days),
        "max_days": ticket.max_days, "callback_note": ticket.callback_note,
        "error": error, "values": values, "notice": notice}, status=status)


@router.get("/{ticket_no}")
def ticket_detail(request: Request, ticket_no: str, done: str = "", use: str = "",
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    reader(actor)
    ticket = hotline.get_ticket(session, actor, ticket_no[:24])  # not in scope → the Chinese 404 page
    return ticket_page(request, session, actor, ticket, use=use[:24], notice=DONE.get(done))


@router.post("/{ticket_no}/actions")
def ticket_action(request: Request, ticket_no: str, posted: FormData = Depends(posted_form),
                  session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    reader(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    ticket = hotline.get_ticket(session, actor, ticket_no[:24])
    action = text(posted, "action", 20)
    values = {"comment": text(posted, "comment", 4000), "department_id": text(posted, "department_id", 12),
              "days": text(posted, "days", 10), "satisfaction": text(posted, "satisfaction", 14)}
    try:
        with session.begin_nested():
            version = shown_version(text(posted, "version", 20))
            if version is not None and version != ticket.version:
                raise StaleVersion(STALE, field="version")
            data = checked(ActionIn, {
                "action": action, "comment": values["comment"] or None, "expected_version": version,
                "department_id": number(values["department_id"], "department_id", "请从列表中选择承办单位"),
                "days": number(values["days"], "days", "延期工作日数请填写 1–15 的整数"),
                "satisfaction": values["satisfaction"] or None}, ACTION_FIELDS)
            hotline.act(session, actor, ticket.ticket_no, data)
    except DomainError as exc:
        fresh = hotline.get_ticket(session, actor, ticket.ticket_no)
        stale = isinstance(exc, StaleVersion)
        error = form_error(exc) | {"action": action, "label": ACTION_LABELS.get(action, "")}
        if stale:
            error["message"] = STALE
        return ticket_page(request, session, actor, fresh, error=error, values={} if stale else values,
                           status=exc.status)
    return redirect(ticket_url(ticket.ticket_no, action))
