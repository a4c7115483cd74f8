"""The hotline's work orders: register (or file on the web), route, dispatch, sign for, handle, answer, review,
call back and close, on the lifecycle engine with a working-day clock that supervision watches like a case's.

Routing (:mod:`.routing`) reads the units and their duties, the rules (shipped with the platform and kept by the
centre), the catalog's items and the knowledge base. Every decision is stored on the order with its explanation;
an operator who dispatches elsewhere overrides it, and the override report (:func:`override_report`) shows
where the rules went wrong so the centre can write better ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, lifecycle, ratelimit
from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.errors import DomainError, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm, region_prefix
from yiwang.hotline import events, repository
from yiwang.hotline.errors import RegionOutOfScope, TicketNotFound, UnitNotFound
from yiwang.hotline.models import HotlineCounter, HotlineLimit, HotlineRule, HotlineTicket, HotlineUnit
from yiwang.hotline.routing import (
    DutyIndex,
    Evidence,
    HistoryIndex,
    Router,
    Rule,
    Unit,
    function_of_department,
)
from yiwang.hotline.schemas import ActionIn, TicketIn, TicketView
from yiwang.hotline.states import (
    ACCEPT_DAYS,
    ACTION_LABELS,
    CHANNEL_LABELS,
    CLOCKED_STATUSES,
    DEFAULT_LIMITS,
    KIND_LABELS,
    NEEDS_COMMENT,
    OPERATOR,
    REVIEW_DAYS,
    STATUS_LABELS,
    TRANSITIONS,
    UNIT,
    WARN_DAYS,
    Action,
    Status,
)
from yiwang.org import service as org

# --- the machine ----------------------------------------------------------------------------------------------


def is_operator(actor: Actor, ticket: HotlineTicket | None = None) -> bool:
    """A hotline operator whose region covers the order (or, without one, any operator)."""
    if actor is SYSTEM:
        return True
    if not (actor.is_staff and actor.can(Perm.HOTLINE_TICKET) and actor.region_code):
        return False
    return ticket is None or ticket.region_code.startswith(region_prefix(actor.region_code))


def is_unit(actor: Actor, ticket: HotlineTicket) -> bool:
    """A liaison of the department the order is dispatched to."""
    return (actor.is_staff and actor.can(Perm.HOTLINE_HANDLE) and ticket.department_id is not None
            and actor.department_id == ticket.department_id)


def _holds(actor: Actor, ticket: HotlineTicket, transition: lifecycle.Transition, action: str) -> bool:
    if transition.who == OPERATOR:
        return is_operator(actor, ticket)
    if transition.who == UNIT:
        return actor is SYSTEM or is_unit(actor, ticket)
    return lifecycle._default_holds(actor, ticket, transition, action)


def _event(ticket: HotlineTicket, ctx: lifecycle.Context) -> events.TicketChanged:
    return events.TicketChanged(action=ctx.action, actor=ctx.actor.label, ticket_no=ticket.ticket_no,
                                status=ticket.status, kind=ticket.kind, channel=ticket.channel,
                                department_id=ticket.department_id, region_code=ticket.region_code,
                                deadline=ticket.deadline.isoformat() if ticket.deadline else None,
                                owner=ticket.owner, title=ticket.title)


MACHINE: lifecycle.Machine[HotlineTicket] = lifecycle.Machine(
    name="hotline_ticket", transitions=TRANSITIONS, subject=lambda t: t.ticket_no, topic=events.TOPICS.get,
    event=_event, holds=_holds, stamp_attr="updated_at", labels=STATUS_LABELS)


# --- units, rules and the router -------------------------------------------------------------------------------

def _seed_file(name: str) -> str:
    return (resources.files("yiwang.hotline") / "seed_data" / name).read_text(encoding="utf-8")


def packaged_duties() -> list[tuple[str, str, str, str]]:
    """(function, department name, region code, duties) of the demo district's dispatch list."""
    rows = []
    for line in _seed_file("duties.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        function, name, region, duties = line.split("\t")
        rows.append((function, name, region, duties))
    return rows


def _rule_from_record(rec: dict[str, Any]) -> Rule:
    return Rule(code=str(rec["code"]), function=rec.get("function"), any_of=tuple(rec.get("any") or ()),
                all_of=tuple(rec.get("all") or ()), none_of=tuple(rec.get("none") or ()),
                kinds=tuple(_kind_code(k) for k in rec.get("kinds") or ()),
                region_code=region_prefix(rec["region_code"]) if rec.get("region_code") else None,
                item_codes=tuple(rec.get("item_codes") or ()), weight=float(rec.get("weight", 1.0)),
                note=str(rec.get("note") or ""), department_id=rec.get("department_id"))


def _kind_code(value: str) -> str:
    from yiwang.hotline.states import KIND_ALIASES

    return KIND_ALIASES.get(value, value)


_seed_rules: list[Rule] | None = None


def seed_rules() -> list[Rule]:
    """The routing rules shipped with the platform (seed_data/routing_rules.jsonl)."""
    global _seed_rules
    if _seed_rules is None:
        try:
            raw = _seed_file("routing_rules.jsonl")
        except FileNotFoundError:
            raw = ""
        _seed_rules = [_rule_from_record(json.loads(line)) for line in raw.splitlines() if line.strip()]
    return _seed_rules


def _rule_of_row(row: HotlineRule) -> Rule:
    return Rule(code=row.code, function=row.function, any_of=tuple(row.any_of or ()), all_of=tuple(row.all_of or ()),
                none_of=tuple(row.none_of or ()), kinds=tuple(row.kinds or ()),
                region_code=region_prefix(row.region_code) if row.region_code else None,
                item_codes=tuple(row.item_codes or ()), weight=row.weight, note=row.note,
                department_id=row.department_id)


def effective_rules(session: Session) -> list[Rule]:
    """The shipped rules, each replaced (or switched off) by the centre's rule of the same code, then the
    centre's own."""
    rows = {r.code: r for r in session.scalars(select(HotlineRule))}
    out = []
    for rule in seed_rules():
        row = rows.pop(rule.code, None)
        if row is None:
            out.append(rule)
        elif row.enabled:
            out.append(_rule_of_row(row))
    out += [_rule_of_row(r) for r in rows.values() if r.enabled]
    return out


_duty_cache: dict[tuple[tuple[str, str], ...], DutyIndex] = {}
_router_cache: dict[str, tuple[float, Any, Router]] = {}
_router_lock = threading.Lock()
def _ttl() -> float:
    """Seconds a router is used before the database is asked whether units or rules changed."""
    from yiwang.core.config import get_settings

    return min(5.0, get_settings().cache_seconds)


def _stamp(session: Session) -> Any:
    units = session.execute(select(func.count(), func.max(HotlineUnit.updated_at)).select_from(HotlineUnit)).one()
    rules = session.execute(select(func.count(), func.max(HotlineRule.updated_at)).select_from(HotlineRule)).one()
    # with no units configured, routing goes by the departments' names: a new or renamed department counts
    departments = org.departments_stamp(session) if not units[0] else None
    return (tuple(units), tuple(rules), departments)


def load_units(session: Session) -> list[Unit]:
    """The units that take orders. With none configured, every department whose name says which function of the
    shipped dispatch list it serves (so a fresh installation routes by names)."""
    rows = list(session.scalars(select(HotlineUnit).where(HotlineUnit.active.is_(True))))
    depts = org.departments_by_ids(session, [r.department_id for r in rows]) if rows else {}
    if rows:
        return [Unit(r.department_id, depts[r.department_id].name, r.function, r.region_code,
                     region_prefix(r.region_code), r.duties) for r in rows if r.department_id in depts]
    duties = {f: d for f, _, _, d in packaged_duties()}
    out = []
    for dept in org.all_departments(session):
        function = function_of_department(dept.name, duties)
        if function is not None:
            out.append(Unit(dept.id, dept.name, function, dept.region_code, region_prefix(dept.region_code),
                            duties[function]))
    return out


def _duty_index(units: Sequence[Unit]) -> DutyIndex:
    texts: dict[str, str] = {}
    for unit in units:
        if unit.duties and unit.function not in texts:
            texts[unit.function] = unit.duties
    key = tuple(sorted(texts.items()))
    index = _duty_cache.get(key)
    if index is None:
        index = _duty_cache[key] = DutyIndex(texts)
    return index


_samples: list[tuple[str, str, str]] | None = None
_history_cache: dict[Any, HistoryIndex] = {}
HISTORY_LIMIT = 20_000  # the most recent answered orders the router learns from


def dispatch_samples() -> list[tuple[str, str, str]]:
    """The shipped dispatch samples (seed_data/dispatch_samples.jsonl): requests and the function that handles
    them, so a new centre routes by example from its first day."""
    global _samples
    if _samples is None:
        try:
            raw = _seed_file("dispatch_samples.jsonl")
        except FileNotFoundError:
            raw = ""
        rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
        _samples = [(f"S{n}", r["content"], r["function"]) for n, r in enumerate(rows)]
    return _samples


def _history_index(session: Session, units: Sequence[Unit]) -> HistoryIndex:
    """The samples, then the centre's own orders as they are answered (see :func:`_learn`)."""
    key = (str(session.get_bind().engine.url), tuple(sorted((u.department_id, u.function) for u in units)))
    index = _history_cache.get(key)
    if index is None:
        _history_cache.clear()
        index = _history_cache[key] = HistoryIndex(dispatch_samples())
    _learn(session, index, units)
    return index


def _learn(session: Session, index: HistoryIndex, units: Sequence[Unit]) -> None:
    """Take in the orders answered since the index last looked: the unit that answered is where such a request
    belongs, after whatever re-dispatch and override it took — overrides teach the router this way."""
    by_dept = {u.department_id: u.function for u in units}
    stmt = select(HotlineTicket.ticket_no, HotlineTicket.content, HotlineTicket.department_id,
                  HotlineTicket.answered_at).where(HotlineTicket.answered_at.is_not(None),
                                                   HotlineTicket.department_id.is_not(None))
    if index.seen is not None:
        stmt = stmt.where(HotlineTicket.answered_at > index.seen)
    rows = session.execute(stmt.order_by(HotlineTicket.answered_at.desc()).limit(HISTORY_LIMIT)).all()
    for no, content, dept, _ in reversed(rows):
        if dept in by_dept:
            index.add(no, content, by_dept[dept])
    if rows:
        index.seen = rows[0][3]


def router(session: Session) -> Router:
    bind = str(session.get_bind().engine.url)
    now = time.monotonic()
    with _router_lock:
        cached = _router_cache.get(bind)
    if cached is not None and now - cached[0] < _ttl():
        return cached[2]
    stamp = _stamp(session)
    if cached is not None and cached[1] == stamp:
        if cached[2].history is not None:
            with _router_lock:
                _learn(session, cached[2].history, cached[2].units)
        with _router_lock:
            _router_cache[bind] = (now, stamp, cached[2])
        return cached[2]
    units = load_units(session)
    built = Router(effective_rules(session), units, _duty_index(units), _history_index(session, units))
    with _router_lock:
        _router_cache[bind] = (now, stamp, built)
    return built


def invalidate() -> None:
    with _router_lock:
        _router_cache.clear()


def centre_region(session: Session) -> str:
    """The hotline centre's region: the widest region among the units (the home region without units)."""
    units = load_units(session) if not _router_cache else router(session).units
    if units:
        return min(units, key=lambda u: len(u.region_prefix)).region_code
    from yiwang.core.config import get_settings

    return get_settings().home_region_code


# a request asking how to get something done is about a service item, so the catalog speaks to it; a complaint or
# a report is about a matter, where the items it happens to find mislead (measured: bench/hotline_routing.py)
ASKS_FOR_SERVICE = frozenset({None, "consult", "help"})


def found_items(session: Session, content: str) -> list[Any]:
    """The published items a request finds (best first)."""
    try:
        return catalog.search_items(session, q=content[:120], limit=5)[1]
    except ValidationFailed:
        return []


def catalog_evidence(session: Session, content: str, functions: Iterable[str],
                     items: list[Any] | None = None) -> list[tuple[str, Evidence]]:
    """What the catalog knows: the departments of the items the request finds, as functions."""
    known = list(functions)
    items = found_items(session, content) if items is None else items
    out: list[tuple[str, Evidence]] = []
    top = max((i.score or 0.0) for i in items) if items else 0.0
    for rank, item in enumerate(items[:3]):
        function = function_of_department(item.department, known)
        if function is None or not top:
            continue
        share = (item.score or 0.0) / top / (rank + 1)
        out.append((function, Evidence("catalog", share, f"事项：{item.name}",
                                       f"相关事项“{item.name}”由{item.department}办理")))
    return out


def route(session: Session, *, content: str, region_code: str | None, kind: str | None = None,
          use: frozenset[str] | None = None) -> Any:
    """The routing decision for a request (see :mod:`.routing`)."""
    from yiwang.hotline.masking import for_routing

    content = for_routing(content)
    r = router(session)
    region = region_code or centre_region(session)
    functions = {u.function for u in r.units}
    extra: list[tuple[str, Evidence]] = []
    items: list[Any] = []
    # the catalog is searched for questions, and whenever a rule stands for catalog items (the centre's may)
    if use is None or "catalog" in use or "rule" in use:
        if kind in ASKS_FOR_SERVICE or any(rule.item_codes for rule in r.rules):
            items = found_items(session, content)
    if (use is None or "catalog" in use) and kind in ASKS_FOR_SERVICE:
        extra += catalog_evidence(session, content, functions, items)
    if use is None or "knowledge" in use:
        from yiwang.hotline import knowledge

        extra += knowledge.evidence(session, content, r.units)
    return r.decide(content, kind=kind, region=region, extra=extra, use=use,
                    items=frozenset(i.code for i in items))


def import_units(session: Session, actor: Actor, rows: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """Set the units from (function, department name, region code, duties) rows; returns the problems (a row
    whose department is unknown). Departments must exist (org import)."""
    actor.require(Perm.HOTLINE_RULES)
    problems = []
    now = clock.now()
    for function, name, region, duties in rows:
        dept = org.find_department(session, name, region)
        if dept is None:
            problems.append(f"{name}：部门不存在")
            continue
        unit = session.get(HotlineUnit, dept.id)
        if unit is None:
            session.add(HotlineUnit(department_id=dept.id, function=function, region_code=dept.region_code,
                                    duties=duties, active=True, updated_at=now))
        else:
            unit.function, unit.region_code, unit.duties, unit.active = function, dept.region_code, duties, True
            unit.updated_at = now
        audit.record(session, actor, "hotline.unit_set", "department", dept.id, {"function": function})
    session.flush()
    invalidate()
    return problems


def units_view(session: Session) -> list[Unit]:
    return sorted(router(session).units, key=lambda u: (u.region_prefix, u.function))


# --- limits -------------------------------------------------------------------------------------------------

def limits(session: Session) -> dict[str, tuple[int, int]]:
    out = dict(DEFAULT_LIMITS)
    for row in session.scalars(select(HotlineLimit)):
        out[row.key] = (row.working_days, row.max_days)
    return out


def limit_for(session: Session, kind: str, channel: str) -> tuple[int, int]:
    table = limits(session)
    return table.get(f"channel:{channel}") or table.get(f"kind:{kind}") or (7, 15)


def set_limit(session: Session, actor: Actor, *, key: str, working_days: int, max_days: int) -> None:
    actor.require(Perm.HOTLINE_RULES)
    if key not in DEFAULT_LIMITS:
        raise ValidationFailed("未知的时限类别", field="key", code="unknown_limit")
    if not (1 <= working_days <= max_days <= 60):
        raise ValidationFailed("时限应为 1–60 个工作日，且不超过最长时限", field="working_days", code="invalid_limit")
    row = session.get(HotlineLimit, key)
    if row is None:
        session.add(HotlineLimit(key=key, working_days=working_days, max_days=max_days, updated_at=clock.now()))
    else:
        row.working_days, row.max_days, row.updated_at = working_days, max_days, clock.now()
    audit.record(session, actor, "hotline.limit_set", "hotline_limit", key,
                 {"working_days": working_days, "max_days": max_days})
    session.flush()


# --- numbers ------------------------------------------------------------------------------------------------

def _reserve_no(session: Session, day: dt.date) -> str:
    stmt = text("UPDATE hotline_counter SET last = last + 1 WHERE day = :d RETURNING last")
    row = session.execute(stmt, {"d": day}).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(HotlineCounter(day=day, last=0))
                session.flush()
        except IntegrityError:
            pass  # another registration created the day's counter first
        row = session.execute(stmt, {"d": day}).one()
    return f"RX{day:%Y%m%d}{int(row[0]):05d}"


# --- registering --------------------------------------------------------------------------------------------

def known_region(session: Session, region_code: str) -> str:
    if org.region_name(session, region_code) == region_code:
        raise ValidationFailed("行政区划不存在", field="region_code", code="unknown_region")
    return region_code


def _check_region(session: Session, actor: Actor, region_code: str | None) -> str:
    """Where the matter is: within the operator's region, or within the centre's for a caller filing online (a
    request elsewhere belongs to that place's 12345)."""
    if region_code is None:
        return actor.region_code if (actor.is_staff and actor.region_code and actor.can(Perm.HOTLINE_TICKET)) \
            else centre_region(session)
    known_region(session, region_code)
    if actor.is_staff and actor.region_code and not region_code.startswith(region_prefix(actor.region_code)):
        raise RegionOutOfScope("该区划不在您的辖区内", field="region_code")
    if actor.is_applicant and not any(region_code.startswith(u.region_prefix) for u in router(session).units):
        raise RegionOutOfScope("该地区不在本热线受理范围内，请向当地 12345 反映", field="region_code")
    return region_code


def like_escape(text: str) -> str:
    """A search text taken literally in LIKE (``%`` and ``_`` are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _title(content: str) -> str:
    first = content.strip().splitlines()[0] if content.strip() else ""
    return first[:40] + ("…" if len(first) > 40 else "")


def create_ticket(session: Session, actor: Actor, data: TicketIn) -> HotlineTicket:
    """Register a request: an operator for a caller (any channel), a signed-in person on the web, an enterprise
    for itself. The request is routed at once and, unless the operator says otherwise, dispatched to the unit
    routing found (or the one the operator chose, which is recorded as an override)."""
    if actor.is_applicant:  # online: a board post stays one; otherwise a person's is web, an enterprise's 涉企诉求
        channel = "board" if data.channel == "board" else ("enterprise" if actor.kind.value == "enterprise" else "web")
    else:
        actor.require(Perm.HOTLINE_TICKET)  # staff: operators only; anyone else: sign in first
        channel = data.channel
    if data.department_id is not None and not (actor.is_staff or actor is SYSTEM):
        raise PermissionDenied("只有话务员可以指定承办单位", field="department_id", code="forbidden")
    region = _check_region(session, actor, data.region_code)
    if actor.is_applicant:  # counted across workers; a refused request is not counted
        ratelimit.check(session, [f"hotline_request:{actor.label}"], limit=ONLINE_REQUESTS_PER_DAY,
                        window=dt.timedelta(days=1), message="今天提交的诉求较多，请 {minutes} 分钟后再提交，或拨打 12345")
    now = clock.now()
    today = clock.to_local(now).date()
    limit_days, max_days = limit_for(session, data.kind, channel)
    decision = route(session, content=data.content, region_code=region, kind=data.kind)
    routing = decision.as_dict()
    ticket = HotlineTicket(
        ticket_no=_reserve_no(session, today), channel=channel, kind=data.kind,
        title=data.title or _title(data.content), content=data.content, location=data.location,
        region_code=region, contact_name=data.contact_name, contact_phone=data.contact_phone,
        owner=actor.label if actor.is_applicant else None, source_ref=data.source_ref, created_by=actor.label,
        department_id=None, status=Status.REGISTERED.value, routing=routing, overridden=False,
        limit_days=limit_days, max_days=max_days, extended_days=0, paused_working_days=0, returned_count=0,
        redispatch_count=0, created_at=now, updated_at=now)
    session.add(ticket)
    session.flush()
    audit.record(session, actor, "hotline_ticket.register", "hotline_ticket", ticket.ticket_no,
                 {"channel": channel, "kind": data.kind, "region_code": region,
                  "suggested": routing.get("department_id")})
    target = data.department_id if data.department_id is not None else (
        routing.get("department_id") if confident(decision) else None)
    if data.dispatch and target is not None:
        # the registration and the dispatch are two steps of the timeline; routing dispatches as the system
        # when a caller filed it, as the operator when an operator registered it
        _dispatch(session, actor if actor.is_staff else SYSTEM, ticket, int(target), comment=None, now=now)
    return ticket


ONLINE_REQUESTS_PER_DAY = 20
# dispatch without an operator only when the evidence is strong enough and clearly ahead of the next unit; below
# that an order waits, registered, for an operator (a rule counts 3–5, a weak similarity or a word or two of duties
# well under 2)
AUTO_DISPATCH_SCORE = 2.0
AUTO_DISPATCH_MARGIN = 0.5


def confident(decision: Any) -> bool:
    if decision.unit is None or decision.score < AUTO_DISPATCH_SCORE:
        return False
    runner_up = decision.alternatives[0].score if decision.alternatives else 0.0
    return decision.score - runner_up >= AUTO_DISPATCH_MARGIN


def _unit_or_error(session: Session, ticket: HotlineTicket, department_id: int) -> Unit:
    r = router(session)
    unit = next((u for u in r.units if u.department_id == department_id), None)
    if unit is None or not ticket.region_code.startswith(unit.region_prefix):
        raise UnitNotFound("该部门不是本诉求所在区域的热线承办单位", field="department_id")
    return unit


def _dispatch(session: Session, actor: Actor, ticket: HotlineTicket, department_id: int, *, comment: str | None,
              now: dt.datetime, expected_version: int | None = None) -> None:
    unit = _unit_or_error(session, ticket, department_id)
    suggested = (ticket.routing or {}).get("department_id")
    cal = get_calendar(session)
    today = clock.to_local(now).date()

    def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
        if t.status == Status.RETURNED:
            t.redispatch_count += 1
        t.department_id = unit.department_id
        t.overridden = suggested is not None and int(suggested) != unit.department_id
        t.dispatched_at = ctx.now
        # the unit's clock starts at dispatch (the dispatch day not counted): a unit that gets an order after
        # another returned it has its own full limit, and time the centre held it is not the unit's
        lifecycle.set_clock(t, lifecycle.WorkClock.start(cal, today, t.limit_days, WARN_DAYS))
        t.extended_days, t.on_time = 0, None
        t.step, t.step_due = "accept", cal.add_working_days(today, ACCEPT_DAYS)
        ctx.data["deadline"] = t.deadline.isoformat() if t.deadline else None

    data = {"department_id": unit.department_id, "department": unit.name, "suggested": suggested,
            "overridden": suggested is not None and int(suggested) != unit.department_id}
    lifecycle.apply(session, MACHINE, ticket, lifecycle.Context(actor=actor, action=Action.DISPATCH, now=now,
                                                                comment=comment, data=data),
                    effect=effect, expected_version=expected_version)


# --- reading ------------------------------------------------------------------------------------------------

def get_ticket(session: Session, actor: Actor, ticket_no: str, *, lock: bool = False) -> HotlineTicket:
    ticket = repository.ticket_in_scope(session, actor, ticket_no, lock=lock)
    if ticket is None:
        raise TicketNotFound("工单不存在", field="ticket_no")
    return ticket


def light_of(cal: WorkCalendar, ticket: HotlineTicket, today: dt.date | None = None) -> str | None:
    if ticket.status not in CLOCKED_STATUSES:
        return None
    return lifecycle.clock_of(ticket).light(cal, today or clock.today(), WARN_DAYS)


def view(session: Session, actor: Actor, ticket: HotlineTicket, *, timeline: bool = True) -> TicketView:
    cal = get_calendar(session)
    staff = actor.is_staff or actor is SYSTEM
    # the caller's name and phone: the centre's operators and the unit handling it (who call back), not readers
    handles = is_operator(actor, ticket) or is_unit(actor, ticket)
    dept = org.department_name(session, ticket.department_id) if ticket.department_id else None
    answer_public = ticket.status in (Status.REVIEWED, Status.CLOSED) or staff
    entries = []
    if timeline:
        for e in lifecycle.timeline_of(session, MACHINE.name, ticket.ticket_no):
            entries.append({"at": e.at, "action": e.action, "action_label": ACTION_LABELS.get(e.action, e.action),
                            "status": e.to_status, "status_label": STATUS_LABELS.get(e.to_status, e.to_status),
                            "actor": e.actor_name if staff else ("话务员" if e.actor.startswith("staff:") else
                                                                 e.actor_name),
                            "comment": e.comment if (staff or e.action in ("progress", "resolve")) else None,
                            "data": ({k: v for k, v in (e.data or {}).items() if k != "suggested"} if staff else {})})
    return TicketView(
        ticket_no=ticket.ticket_no, channel=ticket.channel, channel_label=CHANNEL_LABELS.get(ticket.channel, ""),
        kind=ticket.kind, kind_label=KIND_LABELS.get(ticket.kind, ""), title=ticket.title, content=ticket.content,
        location=ticket.location, region_code=ticket.region_code, status=ticket.status,
        status_label=STATUS_LABELS.get(ticket.status, ticket.status), department=dept,
        department_id=ticket.department_id, deadline=ticket.deadline, light=light_of(cal, ticket),
        step=ticket.step, step_due=ticket.step_due, limit_days=ticket.limit_days,
        extended_days=ticket.extended_days, progress=ticket.progress,
        answer=ticket.answer if answer_public else None, answered_at=ticket.answered_at if answer_public else None,
        satisfaction=ticket.satisfaction, on_time=ticket.on_time, returned_count=ticket.returned_count,
        created_at=ticket.created_at, closed_at=ticket.closed_at, version=ticket.version,
        allowed_actions=MACHINE.allowed(actor, ticket),
        contact_name=ticket.contact_name if handles else None,
        contact_phone=ticket.contact_phone if handles else None,
        routing=ticket.routing if staff else None, overridden=ticket.overridden if staff else None,
        timeline=entries)


@dataclass
class TicketPage:
    total: int
    rows: list[HotlineTicket]


def list_tickets(session: Session, actor: Actor, *, status: str | Sequence[str] | None = None, mine: bool = False,
                 light: str | None = None, q: str | None = None, limit: int = 50, offset: int = 0) -> TicketPage:
    """Orders in the actor's scope, newest first. ``status``: one status, "open", or several (a queue such as
    registered and returned orders waiting for dispatch); ``mine``: a liaison's own unit's orders only; ``light``:
    only orders whose clock shows it (yellow | red)."""
    stmt = select(HotlineTicket).where(repository.ticket_scope(actor))
    if status and not isinstance(status, str):
        stmt = stmt.where(HotlineTicket.status.in_(list(status)))
    elif status:
        if status == "open":
            stmt = stmt.where(HotlineTicket.status.in_([s.value for s in Status if s not in
                                                        (Status.CLOSED, Status.VOIDED)]))
        else:
            stmt = stmt.where(HotlineTicket.status == status)
    if mine and actor.department_id is not None:
        stmt = stmt.where(HotlineTicket.department_id == actor.department_id)
    if q:
        like = "%" + like_escape(q.strip()[:50]) + "%"
        stmt = stmt.where((HotlineTicket.ticket_no == q.strip()) | HotlineTicket.content.like(like, escape="\\")
                          | HotlineTicket.title.like(like, escape="\\"))
    if light in ("yellow", "red"):
        today = clock.today()
        stmt = stmt.where(HotlineTicket.status.in_([s.value for s in CLOCKED_STATUSES]))
        if light == "red":
            stmt = stmt.where(HotlineTicket.deadline < today)
        else:
            stmt = stmt.where(HotlineTicket.deadline >= today, HotlineTicket.warn_at <= today)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.order_by(HotlineTicket.created_at.desc(), HotlineTicket.id.desc())
                                .limit(limit).offset(offset)))
    return TicketPage(total, rows)


# --- acting -------------------------------------------------------------------------------------------------

def act(session: Session, actor: Actor, ticket_no: str, data: ActionIn) -> HotlineTicket:
    """Take one action on an order (the same shape as a case's actions)."""
    ticket = get_ticket(session, actor, ticket_no, lock=True)
    try:
        action = Action(data.action)
    except ValueError:
        raise ValidationFailed("未知的操作", field="action", code="unknown_action",
                               extra={"allowed_actions": MACHINE.allowed(actor, ticket)}) from None
    comment = (data.comment or "").strip() or None
    if action in NEEDS_COMMENT and MACHINE.rule(ticket.status, action) is not None and not comment:
        raise ValidationFailed(f"请填写{_comment_label(action)}", field="comment", code="comment_required")
    now = clock.now()
    if action == Action.DISPATCH:
        if MACHINE.rule(ticket.status, action) is None or not MACHINE.holds(actor, ticket,
                                                                            MACHINE.transitions[(ticket.status,
                                                                                                 action)], action):
            lifecycle.apply(session, MACHINE, ticket, lifecycle.Context(actor=actor, action=action, now=now),
                            expected_version=data.expected_version)  # raises the engine's own refusal
        target = data.department_id if data.department_id is not None else (ticket.routing or {}).get(
            "department_id")
        if target is None:
            raise ValidationFailed("请选择承办单位", field="department_id", code="department_required")
        if ticket.status == Status.RETURNED and data.department_id is None:
            raise ValidationFailed("该工单已被承办单位退回，请选择重新派往的单位", field="department_id",
                                   code="department_required")
        _dispatch(session, actor, ticket, int(target), comment=comment, now=now,
                  expected_version=data.expected_version)
        return ticket
    cal = get_calendar(session)
    today = clock.to_local(now).date()
    ctx_data: dict[str, Any] = {}
    effect = None

    if action == Action.RETURN:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            ctx.data["department_id"] = t.department_id
            t.department_id, t.step, t.step_due = None, None, None
            lifecycle.set_clock(t, lifecycle.WorkClock(None, None))  # the centre holds it: no unit's clock runs
    elif action == Action.ACCEPT:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.step, t.step_due = "handle", t.deadline
    elif action == Action.PROGRESS:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.progress, t.progress_at = comment, ctx.now
    elif action == Action.EXTEND:
        days = data.days or 0
        if days < 1:
            raise ValidationFailed("请填写延期的工作日数", field="days", code="days_required")
        if ticket.limit_days + ticket.extended_days + days > ticket.max_days:
            left = ticket.max_days - ticket.limit_days - ticket.extended_days
            raise ValidationFailed(f"延期后超过最长办理时限（{ticket.max_days} 个工作日），最多还可延期 {max(0, left)} 个工作日",
                                   field="days", code="extension_too_long")
        if ticket.deadline is not None and today > ticket.deadline:
            raise ValidationFailed("已超过办理期限，不能再申请延期，请尽快答复", field="action", code="past_deadline")
        if ticket.channel in ("forwarded", "board") and ticket.progress is None:
            raise ValidationFailed("转办留言延期前须先回复办理进展", field="action", code="progress_first")
        ctx_data["days"] = days

        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            deadline = cal.add_working_days(t.deadline or today, days)
            lifecycle.set_clock(t, lifecycle.WorkClock(deadline, lifecycle.warn_point(cal, deadline, WARN_DAYS),
                                                       t.paused_on, t.paused_working_days))
            t.extended_days += days
            if t.step == "handle":
                t.step_due = deadline
            ctx.data["deadline"] = deadline.isoformat()
    elif action == Action.ANSWER:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.answer, t.answered_at, t.answered_by = comment, ctx.now, actor.label
            # a late first answer stays late: an answer redone after review or a dissatisfied callback is on time
            # only if every answer was
            t.on_time = t.on_time is not False and (t.deadline is None or today <= t.deadline)
            t.step, t.step_due = "review", cal.add_working_days(today, REVIEW_DAYS)
    elif action == Action.APPROVE:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.step, t.step_due = None, None
    elif action in (Action.SEND_BACK, Action.REOPEN):
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            if action == Action.SEND_BACK:
                t.returned_count += 1
            # a second handling gets the order's own limit again, from today
            deadline = cal.add_working_days(today, t.limit_days)
            lifecycle.set_clock(t, lifecycle.WorkClock(deadline, lifecycle.warn_point(cal, deadline, WARN_DAYS)))
            t.step, t.step_due = "handle", deadline
            if action == Action.REOPEN:
                t.satisfaction = "dissatisfied"
                t.callback_note = comment
    elif action == Action.CALLBACK:
        if data.satisfaction is None:
            raise ValidationFailed("请选择回访满意度", field="satisfaction", code="satisfaction_required")
        ctx_data["satisfaction"] = data.satisfaction

        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.satisfaction, t.callback_note, t.closed_at = data.satisfaction, comment, ctx.now
    elif action == Action.RESOLVE:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.answer, t.answered_at, t.answered_by = comment, ctx.now, actor.label
            registered = clock.to_local(t.created_at).date()
            t.on_time = today <= cal.add_working_days(registered, t.limit_days)
            t.closed_at, t.step, t.step_due = ctx.now, None, None
    elif action == Action.VOID:
        def effect(s: Session, ctx: lifecycle.Context, t: HotlineTicket) -> None:
            t.closed_at, t.step, t.step_due = ctx.now, None, None

    lifecycle.apply(session, MACHINE, ticket,
                    lifecycle.Context(actor=actor, action=action, comment=comment, now=now, data=ctx_data),
                    effect=effect, expected_version=data.expected_version)
    return ticket


def _comment_label(action: str) -> str:
    return {"return": "退回理由", "progress": "办理进展", "extend": "延期理由", "answer": "答复内容",
            "send_back": "退回重办的理由", "reopen": "回访情况", "resolve": "答复内容", "void": "作废理由"}.get(
        action, "说明")


# --- the override report --------------------------------------------------------------------------------------

@dataclass
class OverrideRow:
    suggested: str
    chosen: str
    count: int
    returned: int  # of these, how many the chosen unit returned as not theirs
    examples: list[tuple[str, str, str]]  # (ticket no, title, rule that suggested)


def override_report(session: Session, actor: Actor, *, since: dt.date | None = None) -> list[OverrideRow]:
    """Every dispatch an operator made elsewhere than routing suggested (at registration or later, after a unit
    returned an order), grouped by (suggested, chosen), with how many of those the chosen unit returned: where
    the rules need work (and where operators guessed wrong)."""
    actor.require(Perm.HOTLINE_RULES)
    stmt = select(HotlineTicket).where(repository.ticket_scope(actor), HotlineTicket.overridden.is_(True)
                                       | (HotlineTicket.redispatch_count > 0))
    if since is not None:
        stmt = stmt.where(HotlineTicket.created_at >= clock.as_utc(dt.datetime.combine(since, dt.time(),
                                                                                         tzinfo=clock.LOCAL_TZ)))
    tickets = {t.ticket_no: t for t in session.scalars(stmt.order_by(HotlineTicket.created_at.desc()).limit(2000))}
    if not tickets:
        return []
    entries = session.scalars(select(lifecycle.LifecycleEvent).where(
        lifecycle.LifecycleEvent.kind == MACHINE.name, lifecycle.LifecycleEvent.subject.in_(list(tickets)),
        lifecycle.LifecycleEvent.action.in_([Action.DISPATCH.value, Action.RETURN.value]))
        .order_by(lifecycle.LifecycleEvent.subject, lifecycle.LifecycleEvent.seq))
    groups: dict[tuple[str, str], OverrideRow] = {}
    last: dict[str, OverrideRow] = {}  # the row of each order's latest override, to count a return against it
    for e in entries:
        t, data = tickets[e.subject], e.data or {}
        if e.action == Action.RETURN.value:
            if e.subject in last:
                last.pop(e.subject).returned += 1
            continue
        if not data.get("overridden"):
            last.pop(e.subject, None)
            continue
        routing = t.routing or {}
        suggested = routing.get("department") or "（未匹配）"
        chosen = str(data.get("department") or "")
        row = groups.setdefault((suggested, chosen), OverrideRow(suggested, chosen, 0, 0, []))
        row.count += 1
        last[e.subject] = row
        if len(row.examples) < 5:
            row.examples.append((t.ticket_no, t.title, routing.get("rule") or ""))
    return sorted(groups.values(), key=lambda r: (-r.count, r.suggested, r.chosen))


def rules_view(session: Session) -> list[Rule]:
    return effective_rules(session)


def disabled_rules(session: Session) -> list[Rule]:
    """The rules the centre switched off (shipped or its own), so they can be switched on again."""
    return [_rule_of_row(r) for r in session.scalars(select(HotlineRule).where(HotlineRule.enabled.is_(False))
                                                     .order_by(HotlineRule.code))]


def save_rule(session: Session, actor: Actor, rec: dict[str, Any], *, origin: str = "manual") -> HotlineRule:
    """Add or change a rule of the centre (a shipped rule's code replaces it; ``enabled`` false switches it off)."""
    actor.require(Perm.HOTLINE_RULES)
    code = str(rec.get("code") or "").strip().upper()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValidationFailed("规则编码只能包含字母、数字、短横线，长度 1–40", field="code", code="invalid_code")
    words = [w.strip() for w in rec.get("any") or [] if str(w).strip()]
    item_codes = list(dict.fromkeys(str(c).strip() for c in rec.get("item_codes") or [] if str(c).strip()))
    if not words and not rec.get("all") and not item_codes:
        raise ValidationFailed("请至少填写一个关键词或关联事项", field="any", code="keywords_required")
    for item_code in item_codes:
        try:
            catalog.get_published_version(session, item_code)
        except DomainError:
            raise ValidationFailed(f"事项 {item_code} 不存在或未发布", field="item_codes", code="unknown_item") from None
    function = (rec.get("function") or "").strip() or None
    department_id = rec.get("department_id")
    if function is None and department_id is None:
        raise ValidationFailed("请选择规则派往的职能或单位", field="function", code="target_required")
    known = {u.function for u in load_units(session)}
    if function is not None and function not in known:
        raise ValidationFailed("未知的职能（须为承办单位的职能之一）", field="function", code="unknown_function")
    row = session.scalars(select(HotlineRule).where(HotlineRule.code == code)).first()
    shipped = any(r.code == code for r in seed_rules())
    if row is not None or shipped:
        region: str | None = row.region_code if row is not None else None  # a rule keeps its region
    else:
        region = rec.get("region_code") or (actor.region_code if actor.is_staff else None)
    _check_rule_region(actor, region)
    if department_id is not None:
        dept = org.get_department(session, int(department_id))
        if region and not dept.region_code.startswith(region_prefix(region)) and \
                not region.startswith(region_prefix(dept.region_code)):
            raise ValidationFailed("规则派往的单位不在规则适用的区划内", field="department_id", code="unit_out_of_region")
    values: dict[str, Any] = dict(function=function, department_id=department_id, any_of=[normalise_word(w) for w in words],
                  all_of=[normalise_word(w) for w in rec.get("all") or [] if str(w).strip()],
                  none_of=[normalise_word(w) for w in rec.get("none") or [] if str(w).strip()],
                  kinds=[_kind_code(k) for k in rec.get("kinds") or []], region_code=region,
                  item_codes=item_codes,
                  # a rule written to correct the routing must outweigh the shipped rules it corrects (3–5)
                  weight=float(rec.get("weight") or (OVERRIDE_RULE_WEIGHT if origin == "override" else 1.0)),
                  note=str(rec.get("note") or "")[:500], enabled=bool(rec.get("enabled", True)),
                  updated_at=clock.now())
    if not (0 < values["weight"] <= 10):
        raise ValidationFailed("权重应在 0–10 之间", field="weight", code="invalid_weight")
    if row is None:
        row = HotlineRule(code=code, origin=origin, **values)
        session.add(row)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    session.flush()
    audit.record(session, actor, "hotline.rule_saved", "hotline_rule", code,
                 {"function": function, "any": values["any_of"], "enabled": values["enabled"]})
    invalidate()
    return row


OVERRIDE_RULE_WEIGHT = 6.0


def may_keep_rule(actor: Actor, rule: Rule) -> bool:
    """Whether ``actor`` may change or switch off ``rule`` (its region is theirs; the platform-wide ones are the
    home region's centre's)."""
    if not actor.can(Perm.HOTLINE_RULES):
        return False
    try:
        _check_rule_region(actor, rule.region_code)
    except PermissionDenied:
        return False
    return True


def _check_rule_region(actor: Actor, region: str | None) -> None:
    """A centre keeps the rules of its own region; the platform-wide rules (the shipped ones, and any without a
    region) belong to the centre of the platform's home region."""
    if actor is SYSTEM or not actor.is_staff or not actor.region_code:
        return
    from yiwang.core.config import get_settings

    mine = region_prefix(actor.region_code)
    target = region if region is not None else get_settings().home_region_code
    if not target.startswith(mine):
        raise PermissionDenied("只能维护本辖区的派单规则；平台通用规则由平台所在区划的热线中心维护", code="out_of_region")


def normalise_word(word: Any) -> str:
    from yiwang.hotline.routing import normalise

    return normalise(str(word))[:40]


# --- supervision ----------------------------------------------------------------------------------------------

def supervision_feed() -> Any:
    """Open orders whose clock runs, as (ticket_no, department_id, region_code, due, step, step_due): what the
    supervision tick lights like a case."""
    return select(HotlineTicket.ticket_no.label("ticket_no"), HotlineTicket.department_id.label("department_id"),
                  HotlineTicket.region_code.label("region_code"), HotlineTicket.deadline.label("due"),
                  HotlineTicket.step.label("step"), HotlineTicket.step_due.label("step_due"),
                  HotlineTicket.status.label("status")).where(
        HotlineTicket.status.in_([s.value for s in CLOCKED_STATUSES] + [Status.ANSWERED.value]),
        HotlineTicket.department_id.is_not(None))


def export_csv(rows: Sequence[HotlineTicket], names: dict[int, str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["工单编号", "渠道", "类型", "标题", "承办单位", "状态", "期限", "登记时间"])
    for t in rows:
        w.writerow([t.ticket_no, CHANNEL_LABELS.get(t.channel, t.channel), KIND_LABELS.get(t.kind, t.kind), t.title,
                    names.get(t.department_id or 0, ""), STATUS_LABELS.get(t.status, t.status),
                    t.deadline.isoformat() if t.deadline else "", clock.to_local(t.created_at).strftime("%Y-%m-%d %H:%M")])
    return buf.getvalue()
