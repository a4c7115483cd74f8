"""The service hall: setting up halls and windows (``import_halls``), queue tickets and calling on the lifecycle
engine, the calling board, appointments and their slots, the visit each served ticket registers (首问负责), what the
window may see of the person it serves, the window-side rating and the end-of-day sweep.

Tickets and appointments are lifecycles (``states.py``) changed only through :func:`_act` → ``lifecycle.apply``,
which writes the timeline, the audit record and the event. Who may act is a role of the machine: staff on duty at
the window (``WINDOW``), a window clerk of the hall's region at the front desk (``DESK``) and the person who took
the ticket or booked (``TAKER``). Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, lifecycle, outbox, ratelimit
from yiwang.core.calendar import CalendarYearMissing, get_calendar
from yiwang.core.codes import mask_name
from yiwang.core.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from yiwang.core.permissions import SYSTEM, Actor, Perm, region_prefix
from yiwang.evaluation import service as evaluation
from yiwang.hall import events, repository
from yiwang.hall.errors import (
    AlreadyRated,
    AppointmentNotFound,
    BookingBarred,
    CheckInClosed,
    HallNotFound,
    NoTicketWaiting,
    SlotFull,
    TicketNotFound,
    VisitNotFound,
    WindowBusy,
    WindowNotFound,
)
from yiwang.hall.models import Appointment, Hall, HallWindow, Ticket, Visit, WindowStaff
from yiwang.hall.schemas import (
    AppointmentOut,
    BoardCall,
    BoardOut,
    BoardQueue,
    CalledTicket,
    HallIn,
    HallOut,
    SlotOut,
    TicketOut,
    VisitOut,
)
from yiwang.hall.states import (
    APPOINTMENT_STATUS_LABELS,
    APPOINTMENT_TRANSITIONS,
    BOOK_AHEAD_DAYS,
    CHECK_IN_EARLY_MINUTES,
    CHECK_IN_LATE_MINUTES,
    DEFAULT_SERVICE_MINUTES,
    DESK,
    NO_SHOW_BAR_DAYS,
    NO_SHOW_LIMIT,
    NO_SHOW_WINDOW_DAYS,
    OUTCOMES,
    PRIORITIES,
    SOURCES,
    TAKER,
    TICKET_STATUS_LABELS,
    TICKET_TRANSITIONS,
    WINDOW,
    WINDOW_TYPE_LABELS,
    WINDOW_TYPES,
    AppointmentAction,
    AppointmentStatus,
    TicketAction,
    TicketStatus,
)
from yiwang.identity import service as identity
from yiwang.licenses import service as licenses
from yiwang.org import service as org_service

LEVEL_NAMES = {1: "省级政务服务中心", 2: "市级政务服务中心", 3: "县级政务服务中心", 4: "乡镇（街道）便民服务中心",
               5: "村（社区）便民服务站"}
RATING_WINDOW_MINUTES = 30  # the tablet offers the window's last finished visit for this long
MAX_WAITING_PER_PERSON = 3  # waiting tickets one signed-in person may hold in a hall


# --- the machines -------------------------------------------------------------------------------------------

@dataclass
class HallContext(lifecycle.Context):
    window: HallWindow | None = None  # the window acting (WINDOW transitions)
    hall: Hall | None = None
    session: Session | None = None


def _ticket_holds(actor: Actor, ticket: Ticket, transition: lifecycle.Transition, action: str) -> bool:
    # WINDOW and DESK are settled by the callers (on duty at a window of the ticket's hall; a clerk of its region),
    # which refuse with a finer error first; here they hold for staff, never for anyone else
    if transition.who == WINDOW or transition.who == DESK:
        return actor.is_staff
    if transition.who == TAKER:
        return actor.is_staff or (actor.is_applicant and ticket.applicant == actor.label)
    return lifecycle._default_holds(actor, ticket, transition, action)


def _ticket_subject(ticket: Ticket) -> str:
    return f"{ticket.hall_id}/{ticket.day.isoformat()}/{ticket.ticket_no}"


def _ticket_event(ticket: Ticket, ctx: lifecycle.Context) -> events.TicketChanged:
    window = ctx.window if isinstance(ctx, HallContext) else None
    hall = ctx.hall if isinstance(ctx, HallContext) else None
    return events.TicketChanged(action=ctx.action, actor=ctx.actor.label, hall_code=hall.code if hall else "",
                                ticket_no=ticket.ticket_no, day=ticket.day.isoformat(), status=ticket.status,
                                window_code=window.code if window else None,
                                window_name=window.name if window else None, applicant=ticket.applicant)


TICKET: lifecycle.Machine[Ticket] = lifecycle.Machine(
    name="hall_ticket", transitions=TICKET_TRANSITIONS, subject=_ticket_subject, topic=events.TICKET_TOPICS.get,
    event=_ticket_event, holds=_ticket_holds, stamp_attr="last_action_at", labels=TICKET_STATUS_LABELS)


def _appointment_holds(actor: Actor, appt: Appointment, transition: lifecycle.Transition, action: str) -> bool:
    if transition.who == TAKER:
        # SYSTEM acts for the taker at the kiosk, once the appointment number and the booking phone matched
        return ((actor.is_applicant and appt.applicant == actor.label) or (actor.is_staff and actor.can(Perm.HALL_DESK))
                or actor is SYSTEM)
    return lifecycle._default_holds(actor, appt, transition, action)


def _appointment_event(appt: Appointment, ctx: lifecycle.Context) -> events.AppointmentChanged:
    hall = ctx.hall if isinstance(ctx, HallContext) else None
    return events.AppointmentChanged(
        action=ctx.action, actor=ctx.actor.label, appointment_no=appt.appointment_no,
        hall_code=hall.code if hall else "", hall_name=hall.name if hall else "", applicant=appt.applicant,
        day=appt.day.isoformat(), start=appt.start, end=appt.end, window_type=appt.window_type, status=appt.status)


APPOINTMENT: lifecycle.Machine[Appointment] = lifecycle.Machine(
    name="hall_appointment", transitions=APPOINTMENT_TRANSITIONS, subject=lambda a: a.appointment_no,
    topic=events.APPOINTMENT_TOPICS.get, event=_appointment_event, holds=_appointment_holds,
    stamp_attr="last_action_at", labels=APPOINTMENT_STATUS_LABELS)


# --- small helpers ------------------------------------------------------------------------------------------

def _minutes(value: str) -> int:
    h, m = value.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _local_day(at: dt.datetime) -> dt.date:
    return clock.to_local(at).date()


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = hhmm.split(":")
    return dt.datetime.combine(day, dt.time(int(hour), int(minute)), tzinfo=clock.LOCAL_TZ)


def hall_level(region_code: str) -> str:
    return LEVEL_NAMES.get(org_service.region_level(region_code), "政务服务中心")


def is_open(session: Session, hall: Hall, now: dt.datetime | None = None) -> bool:
    """A working day of the calendar, within the hall's hours."""
    local = clock.to_local(now or clock.now())
    try:
        workday = get_calendar(session).is_workday(local.date())
    except CalendarYearMissing:
        return False
    return workday and _minutes(hall.opens) <= local.hour * 60 + local.minute < _minutes(hall.closes)


def _hall(session: Session, code: str, field_name: str = "hall_code") -> Hall:
    hall = repository.hall_by_code(session, (code or "").strip())
    if hall is None or not hall.active:
        raise HallNotFound("服务大厅不存在", field=field_name)
    return hall


def _scoped_hall(session: Session, actor: Actor, code: str) -> Hall:
    if not actor.is_staff and actor is not SYSTEM:
        raise Unauthenticated("请先以工作人员身份登录") if not actor.is_applicant else HallNotFound(
            "服务大厅不存在", field="hall_code")
    hall = repository.hall_in_scope(session, actor, (code or "").strip())
    if hall is None:
        raise HallNotFound("服务大厅不存在", field="hall_code")
    return hall


def _window_for(session: Session, actor: Actor, code: str) -> tuple[HallWindow, Hall]:
    """The window ``actor`` is on duty at (a window they do not staff is "not found" unless their region covers
    its hall, where it is "not on duty")."""
    if not actor.is_staff:
        if actor.is_applicant:
            raise WindowNotFound("窗口不存在", field="window_code")
        raise Unauthenticated("请先以工作人员身份登录")
    # the window's row is locked for the action (two clerks, or a double click, never call two tickets to it)
    found = repository.window_on_duty(session, (code or "").strip(), actor.id, lock=True)
    if found is None or not found[0].active:
        raise WindowNotFound("窗口不存在", field="window_code")
    window, hall, on_duty = found
    if not on_duty:
        if repository.hall_in_scope(session, actor, hall.code) is None:
            raise WindowNotFound("窗口不存在", field="window_code")
        raise PermissionDenied(f"您不在{window.name}值班，不能在该窗口叫号或办理", code="not_on_duty",
                               field="window_code")
    return window, hall


def _covers(actor: Actor, hall: Hall) -> bool:
    return bool(actor.region_code) and hall.region_code.startswith(region_prefix(actor.region_code or ""))


def _desk(session: Session, actor: Actor, hall: Hall) -> None:
    """A window clerk whose region covers the hall (the front desk)."""
    actor.require(Perm.HALL_DESK)
    if not _covers(actor, hall):
        raise HallNotFound("服务大厅不存在", field="hall_code")


def _known_type(window_type: str) -> None:
    if window_type not in WINDOW_TYPES:
        raise ValidationFailed("窗口类型应为 " + "、".join(WINDOW_TYPES), field="window_type",
                               code="invalid_window_type")


def _published_item(session: Session, item_code: str | None) -> str | None:
    """The item a ticket or an appointment names, which must be published (None: no item named)."""
    item = (item_code or "").strip() or None
    if item is not None:
        try:
            catalog.get_published_version(session, item)
        except NotFound:
            raise ValidationFailed("事项不存在或未发布", field="item_code", code="item_not_found") from None
    return item


def _priority_name(value: int, reason: str | None) -> str:
    if reason:
        return reason
    return next((k for k, v in PRIORITIES.items() if v == value), "normal")


# --- setting up halls (yiwang hall import, the admin pages) ---------------------------------------------------

@dataclass
class HallImportReport:
    total: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    windows: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def summary_lines(self, limit: int = 50) -> list[str]:
        out = [f"共 {self.total} 行：新增 {self.created}，更新 {self.changed}，未变化 {self.unchanged}，"
               f"窗口 {self.windows}，错误 {len(self.errors)}"]
        out += [f"{line}：{reason}" for line, reason in self.errors[:limit]]
        out += [f"{line}（提示）：{reason}" for line, reason in self.warnings[:limit]]
        return out


def _pydantic_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{where}：{msg}" if where else msg)
    return "；".join(parts)


def import_halls(session: Session, actor: Actor, records: Iterable[tuple[str, Any]]) -> HallImportReport:
    """Import halls from ``(line label, JSON object)`` records: each line creates or updates one hall and its
    windows (matched by code), in a savepoint of its own, so a refused line is reported and the rest imported.
    Windows of the hall that the line no longer lists are closed (inactive); a window's ``staff``, when given,
    replaces who is on duty there. Importing the same file again changes nothing."""
    actor.require(Perm.HALL_MANAGE)
    report = HallImportReport()
    seen: dict[str, str] = {}
    for line, raw in records:
        report.total += 1
        if not isinstance(raw, dict):
            report.errors.append((line, raw if isinstance(raw, str) else "每行应为一个 JSON 对象"))
            continue
        try:
            record = HallIn.model_validate(raw)
        except ValidationError as exc:
            report.errors.append((line, _pydantic_reason(exc)))
            continue
        if record.code in seen:
            report.errors.append((line, f"大厅 {record.code} 与{seen[record.code]}重复"))
            continue
        seen[record.code] = line
        try:
            with session.begin_nested():
                outcome, n, warnings = _import_hall(session, actor, record)
        except DomainError as exc:
            report.errors.append((line, exc.message))
            continue
        report.windows += n
        report.warnings += [(line, w) for w in warnings]
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _import_hall(session: Session, actor: Actor, rec: HallIn) -> tuple[str, int, list[str]]:
    regions = {r.code for r in org_service.list_regions(session)}
    if rec.region_code not in regions:
        raise ValidationFailed(f"行政区划 {rec.region_code} 不存在", field="region_code", code="unknown_region")
    if actor.is_staff and actor.region_code and not rec.region_code.startswith(region_prefix(actor.region_code)):
        raise PermissionDenied(f"行政区划 {rec.region_code} 不在您的管辖范围内", field="region_code")
    if _minutes(rec.opens) >= _minutes(rec.closes):
        raise ValidationFailed("开放时间应早于关闭时间", field="opens", code="invalid_hours")
    codes = [w.code for w in rec.windows]
    if len(set(codes)) != len(codes):
        raise ValidationFailed("同一大厅的窗口编码重复", field="windows", code="duplicate_window")
    now = clock.now()
    hall = repository.hall_by_code(session, rec.code)
    outcome = "unchanged"
    facts: dict[str, Any] = {"name": rec.name, "region_code": rec.region_code, "address": rec.address, "opens": rec.opens,
             "closes": rec.closes, "slot_minutes": rec.slot_minutes, "slot_capacity": rec.slot_capacity,
             "active": True}
    if hall is None:
        hall = Hall(code=rec.code, created_at=now, updated_at=now, **facts)
        session.add(hall)
        session.flush()
        outcome = "created"
    elif any(getattr(hall, k) != v for k, v in facts.items()):
        if actor.is_staff and actor.region_code and not hall.region_code.startswith(region_prefix(actor.region_code)):
            raise PermissionDenied(f"大厅 {rec.code} 不在您的管辖范围内", field="code")
        for k, v in facts.items():
            setattr(hall, k, v)
        hall.updated_at = now
        outcome = "changed"
    warnings: list[str] = []
    duty: dict[str, list[str]] = {}  # window → who is on duty there now, where it changed
    logins = {login for w in rec.windows for login in (w.staff or [])}
    known = identity.staff_by_logins(session, logins)
    for login in sorted(logins - set(known)):
        raise ValidationFailed(f"工作人员账号 {login} 不存在", field="windows.staff", code="unknown_staff")
    if actor.is_staff and actor.region_code:  # an administrator puts on duty only staff of their own region
        prefix = region_prefix(actor.region_code)
        for login, (_, _, department_id, _) in sorted(known.items()):
            if not org_service.get_department(session, department_id).region_code.startswith(prefix):
                raise PermissionDenied(f"工作人员 {login} 不在您的管辖范围内", field="windows.staff")
    items = {c for w in rec.windows for c in (w.item_codes or [])}
    for code in sorted(items):
        try:
            catalog.get_published_version(session, code)
        except NotFound:
            warnings.append(f"事项 {code} 尚未发布，窗口仍按此编码收件")
    existing = {w.code: w for w in repository.windows_of(session, hall.id, active_only=False)}
    for w in rec.windows:
        other = repository.window_by_code(session, w.code)
        if other is not None and other.hall_id != hall.id:
            raise ValidationFailed(f"窗口编码 {w.code} 已属于另一个大厅", field="windows.code", code="window_code_taken")
        win = existing.get(w.code)
        name = w.name or f"{w.code} {WINDOW_TYPE_LABELS[w.type]}"
        wanted: dict[str, Any] = {"name": name, "type": w.type, "item_codes": sorted(set(w.item_codes or [])),
                                  "active": True}
        if win is None:
            win = HallWindow(code=w.code, hall_id=hall.id, updated_at=now, **wanted)
            session.add(win)
            session.flush()
            outcome = "changed" if outcome == "unchanged" else outcome
        elif any(getattr(win, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(win, k, v)
            win.updated_at = now
            outcome = "changed" if outcome == "unchanged" else outcome
        if w.staff is not None:
            want = {known[login][0] for login in w.staff}
            have = set(repository.staff_of_windows(session, [win.id])[win.id])
            if want != have:
                duty[w.code] = sorted(w.staff)
            for sid in have - want:
                session.delete(session.get(WindowStaff, (win.id, sid)))
            for sid in want - have:
                session.add(WindowStaff(window_id=win.id, staff_id=sid))
            if want != have:
                outcome = "changed" if outcome == "unchanged" else outcome
    for code, win in existing.items():
        if code not in codes and win.active:
            if repository.current_at_window(session, win.id, clock.today()):
                raise ValidationFailed(f"窗口 {code} 正在叫号或办理，办理完毕后再关闭", field="windows",
                                       code="window_in_use")
            win.active, win.updated_at = False, now
            outcome = "changed" if outcome == "unchanged" else outcome
    session.flush()
    if outcome != "unchanged":
        audit.record(session, actor, f"hall.{'create' if outcome == 'created' else 'update'}", "hall", hall.code,
                     {"windows": codes, "region_code": hall.region_code, "on_duty": duty})
    return outcome, len(rec.windows), warnings


def new_terminal_key(session: Session, actor: Actor, window_code: str) -> str:
    """A new key for the window's rating tablet (the old one stops working); shown once, stored as its SHA-256."""
    key = secrets.token_urlsafe(18)
    set_terminal_key(session, actor, window_code, key)
    return key


def set_terminal_key(session: Session, actor: Actor, window_code: str, key: str) -> None:
    actor.require(Perm.HALL_MANAGE)
    window = repository.window_by_code(session, window_code)
    if window is None:
        raise WindowNotFound("窗口不存在", field="window_code")
    hall = session.get(Hall, window.hall_id)
    assert hall is not None
    if actor.is_staff and actor.region_code and not hall.region_code.startswith(region_prefix(actor.region_code)):
        raise WindowNotFound("窗口不存在", field="window_code")
    digest = hashlib.sha256(key.encode()).hexdigest()
    if window.terminal_key_hash == digest:
        return
    window.terminal_key_hash = digest
    window.updated_at = clock.now()
    session.flush()
    audit.record(session, actor, "hall.terminal_key", "hall_window", window.code, {})


def hall_out(session: Session, hall: Hall) -> HallOut:
    windows = repository.windows_of(session, hall.id)
    staff = repository.staff_of_windows(session, [w.id for w in windows])
    names = identity.staff_brief(session, {s for ids in staff.values() for s in ids})
    return HallOut(code=hall.code, name=hall.name, region_code=hall.region_code, address=hall.address,
                   opens=hall.opens, closes=hall.closes, level=hall_level(hall.region_code),
                   windows=[{"code": w.code, "name": w.name, "type": w.type, "type_label": WINDOW_TYPE_LABELS[w.type],
                             "item_codes": list(w.item_codes or []),
                             "staff": [names[s][1] for s in staff[w.id] if s in names],
                             "staff_logins": [names[s][0] for s in staff[w.id] if s in names],
                             "tablet": w.terminal_key_hash is not None} for w in windows])


def public_halls(session: Session) -> list[HallOut]:
    return [hall_out(session, h) for h in repository.all_halls(session)]


def get_hall(session: Session, code: str) -> HallOut:
    return hall_out(session, _hall(session, code))


def halls_for(session: Session, actor: Actor) -> list[Hall]:
    """The halls whose queues ``actor`` may see."""
    return repository.halls_in_scope(session, actor)


def my_windows(session: Session, actor: Actor) -> list[tuple[HallWindow, Hall]]:
    if not actor.is_staff or actor.id is None:
        return []
    out = []
    for w in repository.windows_of_staff(session, actor.id):
        hall = session.get(Hall, w.hall_id)
        if hall is not None and hall.active:
            out.append((w, hall))
    return out


# --- tickets --------------------------------------------------------------------------------------------------

def _serves(window: HallWindow, item_code: str | None) -> bool:
    """A window calls a ticket of its type when it lists no items, the ticket names none, or it lists the item."""
    return not window.item_codes or item_code is None or item_code in window.item_codes


def _check_callable(windows: Sequence[HallWindow], window_type: str, item_code: str | None) -> None:
    """Refuse a queue no window would ever call the ticket from (every window of the type lists other items)."""
    if not any(w.type == window_type and _serves(w, item_code) for w in windows):
        raise ValidationFailed(f"本大厅的{WINDOW_TYPE_LABELS[window_type]}不办理该事项，请选择其他窗口类型",
                               field="window_type", code="no_window_for_item")


def _window_type_for(session: Session, hall: Hall, item_code: str | None, window_type: str | None) -> str:
    windows = repository.windows_of(session, hall.id)
    types = {w.type for w in windows}
    if window_type is not None:
        _known_type(window_type)
        if window_type not in types:
            raise ValidationFailed(f"本大厅没有{WINDOW_TYPE_LABELS[window_type]}", field="window_type",
                                   code="window_type_not_in_hall")
        _check_callable(windows, window_type, item_code)
        return window_type
    if item_code is not None:
        listing = sorted((w for w in windows if item_code in (w.item_codes or [])), key=lambda w: w.code)
        if listing:
            return listing[0].type
    if not types:
        raise ValidationFailed("本大厅暂未开设窗口", field="window_type", code="hall_has_no_windows")
    chosen = "综合" if "综合" in types else sorted(types, key=list(WINDOW_TYPES).index)[0]
    _check_callable(windows, chosen, item_code)
    return chosen


def _mean_service(session: Session, hall: Hall, day: dt.date, window_type: str) -> float:
    """The queue's mean service time today, in minutes (a default before any visit has finished)."""
    times = [(b - a).total_seconds() / 60 for a, b in repository.mean_service_seconds(session, hall.id, day,
                                                                                       window_type) if a and b]
    return sum(times) / len(times) if times else DEFAULT_SERVICE_MINUTES


def _estimate(session: Session, hall: Hall, day: dt.date, window_type: str, ahead: int,
              open_windows: int | None = None, mean: float | None = None) -> int:
    """Minutes until a ticket with ``ahead`` tickets before it is called: the queue's mean service time today (a
    default before any finished visit) times the tickets ahead, shared by the staffed windows of its type."""
    if ahead <= 0:
        return 0
    if mean is None:
        mean = _mean_service(session, hall, day, window_type)
    if open_windows is None:
        windows = [w for w in repository.windows_of(session, hall.id) if w.type == window_type]
        staffed = repository.staff_of_windows(session, [w.id for w in windows])
        open_windows = sum(1 for w in windows if staffed[w.id])
    return int(math.ceil(ahead * max(1.0, mean) / max(1, open_windows)))


ANONYMOUS_TICKETS_PER_CLIENT = 50  # tickets one address may take without signing in, per ten minutes (API, phone)


def take_ticket(session: Session, actor: Actor, hall_code: str, *, item_code: str | None = None,
                window_type: str | None = None, priority: str | None = None, source: str = "api",
                applicant: str | None = None, appointment: Appointment | None = None,
                client: str = "") -> TicketOut:
    """A queue ticket for an item or a window type. Anyone may take one (a kiosk, a phone, the API); the front desk
    takes one for the person in front of it. Elderly and disabled people go first (checked at the window); an
    appointment's priority comes only from checking in."""
    hall = _hall(session, hall_code)
    if source not in SOURCES:
        raise ValueError(f"unknown ticket source {source!r}")
    chosen = priority or "normal"
    if chosen not in PRIORITIES:
        raise ValidationFailed("priority 应为 " + "、".join(PRIORITIES), field="priority", code="invalid_priority")
    if chosen == "appointment" and appointment is None:
        raise ValidationFailed("预约优先须通过预约签到取号", field="priority", code="priority_by_check_in")
    if source == "desk":
        _desk(session, actor, hall)
    item = _published_item(session, item_code)
    wtype = _window_type_for(session, hall, item, window_type)
    owner = applicant or (actor.label if actor.is_applicant else None)
    now = clock.now()
    day = _local_day(now)
    if owner is not None and appointment is None:
        held = [t for t in repository.tickets_of_applicant(session, owner, day)
                if t.hall_id == hall.id and t.status == TicketStatus.WAITING]
        if len(held) >= MAX_WAITING_PER_PERSON:
            raise ValidationFailed(f"您在本大厅已有 {len(held)} 个等候中的号，请办理后再取", field="hall_code",
                                   code="too_many_tickets")
    if client and not (actor.is_applicant or actor.is_staff) and source in ("api", "phone"):
        ratelimit.check(session, [f"hall_ticket:{client}"], limit=ANONYMOUS_TICKETS_PER_CLIENT,
                        window=dt.timedelta(minutes=10), message="取号过于频繁，请 {minutes} 分钟后再试，或登录后取号",
                        field="hall_code")
    seq = repository.next_seq(session, hall.id, day)
    ticket = Ticket(hall_id=hall.id, day=day, seq=seq, ticket_no=f"{WINDOW_TYPES[wtype]}{seq:03d}",
                    window_type=wtype, item_code=item, priority=PRIORITIES[chosen],
                    priority_reason=None if chosen == "normal" else chosen, source=source,
                    status=TicketStatus.WAITING.value, applicant=owner,
                    appointment_id=appointment.id if appointment else None, recalls=0, transfers=0,
                    taken_at=now, queued_at=now, last_action_at=now, version=1)
    session.add(ticket)
    session.flush()
    audit.record(session, actor, "hall_ticket.take", "hall_ticket", _ticket_subject(ticket),
                 {"hall": hall.code, "ticket_no": ticket.ticket_no, "window_type": wtype, "item_code": item,
                  "priority": chosen, "source": source})
    return ticket_out(session, ticket, hall)


def ticket_out(session: Session, ticket: Ticket, hall: Hall | None = None) -> TicketOut:
    hall = hall or session.get(Hall, ticket.hall_id)
    assert hall is not None
    waiting = ticket.status == TicketStatus.WAITING
    ahead = repository.ahead_of(session, ticket) if waiting else 0
    window = session.get(HallWindow, ticket.window_id) if ticket.window_id else None
    return TicketOut(ticket_no=ticket.ticket_no, position=ahead,
                     estimated_wait_minutes=_estimate(session, hall, ticket.day, ticket.window_type, ahead)
                     if waiting else 0,
                     hall_code=hall.code, hall_name=hall.name, day=ticket.day, window_type=ticket.window_type,
                     item_code=ticket.item_code, priority=_priority_name(ticket.priority, ticket.priority_reason),
                     status=ticket.status, status_label=TICKET_STATUS_LABELS.get(ticket.status, ticket.status),
                     taken_at=ticket.taken_at, window_code=window.code if window else None,
                     window_name=window.name if window else None, called_at=ticket.called_at,
                     version=ticket.version)


def find_ticket(session: Session, hall_code: str, ticket_no: str, day: dt.date | None = None,
                viewer: Actor | None = None) -> TicketOut:
    """A ticket's place in the queue (public: the number is all a kiosk or a phone shows). Whether it was taken
    with priority (an elderly or disabled person) and for which item is shown only to the person who took it and to
    the hall's front desk."""
    hall = _hall(session, hall_code)
    found = repository.ticket(session, hall.id, day or clock.today(), (ticket_no or "").strip().upper())
    if found is None:
        raise TicketNotFound("今天没有这个号", field="ticket_no")
    out = ticket_out(session, found, hall)
    taker = viewer is not None and viewer.is_applicant and found.applicant == viewer.label
    desk = viewer is not None and viewer.is_staff and viewer.can(Perm.HALL_DESK) and _covers(viewer, hall)
    if not (taker or desk):
        out.priority, out.item_code = "", None
    return out


def daily_ticket_count(session: Session, hall_code: str, day: dt.date) -> int:
    return len(repository.day_tickets(session, _hall(session, hall_code).id, day))


def my_tickets(session: Session, actor: Actor) -> list[TicketOut]:
    if not actor.is_applicant:
        return []
    return [ticket_out(session, t) for t in repository.tickets_of_applicant(session, actor.label, clock.today())]


def _act(session: Session, actor: Actor, ticket: Ticket, action: str, *, hall: Hall, window: HallWindow | None,
         comment: str | None = None, data: dict[str, Any] | None = None, effect: Any = None,
         expected_version: int | None = None) -> None:
    ctx = HallContext(actor=actor, action=action, comment=comment, data=data or {}, window=window, hall=hall)
    lifecycle.apply(session, TICKET, ticket, ctx, effect=effect, expected_version=expected_version)


def _called(session: Session, ticket: Ticket, window: HallWindow, skipped: str | None = None) -> CalledTicket:
    return CalledTicket(ticket_no=ticket.ticket_no, window_code=window.code, window_name=window.name,
                        window_type=ticket.window_type, item_code=ticket.item_code,
                        priority=_priority_name(ticket.priority, ticket.priority_reason), status=ticket.status,
                        called_at=ticket.called_at or clock.now(), recalls=ticket.recalls,
                        waited_minutes=round(((ticket.called_at or clock.now()) - ticket.taken_at).total_seconds()
                                             / 60, 1), version=ticket.version, skipped=skipped)


def call_next(session: Session, actor: Actor, window_code: str) -> CalledTicket:
    """The window calls its next ticket. A ticket it called earlier that never came is passed over (过号) first;
    while it is serving someone it cannot call (finish or transfer first). 404 when nobody is waiting."""
    window, hall = _window_for(session, actor, window_code)
    now = clock.now()
    day = _local_day(now)
    skipped = None
    for current in repository.current_at_window(session, window.id, day):
        if current.status == TicketStatus.SERVING:
            raise WindowBusy(f"窗口正在办理 {current.ticket_no}，请先完成或转窗口", field="window_code",
                             extra={"ticket_no": current.ticket_no})
        _act(session, actor, current, TicketAction.SKIP.value, hall=hall, window=window,
             comment="叫下一号时未到")
        skipped = current.ticket_no
    ticket = repository.next_waiting(session, window, day)
    if ticket is None:
        raise NoTicketWaiting("当前没有等候的号", field="window_code")

    def effect(_s: Session, ctx: lifecycle.Context, t: Ticket) -> None:
        t.window_id, t.called_by, t.called_at = window.id, actor.id, ctx.now

    _act(session, actor, ticket, TicketAction.CALL.value, hall=hall, window=window, effect=effect,
         data={"window": window.code})
    return _called(session, ticket, window, skipped)


def _window_ticket(session: Session, actor: Actor, window_code: str, ticket_no: str | None
                   ) -> tuple[Ticket, HallWindow, Hall]:
    window, hall = _window_for(session, actor, window_code)
    day = clock.today()
    current = repository.current_at_window(session, window.id, day)
    if ticket_no:
        ticket = repository.ticket(session, hall.id, day, ticket_no.strip().upper(), lock=True)
        if ticket is None:
            raise TicketNotFound("今天没有这个号", field="ticket_no")
        if ticket.window_id != window.id and ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING):
            raise TicketNotFound("该号不在本窗口", field="ticket_no")
        return ticket, window, hall
    if not current:
        raise TicketNotFound("本窗口当前没有已叫的号", field="ticket_no")
    return current[0], window, hall


def recall(session: Session, actor: Actor, window_code: str, ticket_no: str | None = None,
           expected_version: int | None = None) -> CalledTicket:
    ticket, window, hall = _window_ticket(session, actor, window_code, ticket_no)

    def effect(_s: Session, ctx: lifecycle.Context, t: Ticket) -> None:
        t.recalls = (t.recalls or 0) + 1
        t.called_at = ctx.now

    _act(session, actor, ticket, TicketAction.RECALL.value, hall=hall, window=window, effect=effect,
         expected_version=expected_version)
    return _called(session, ticket, window)


def skip(session: Session, actor: Actor, window_code: str, ticket_no: str | None = None,
         expected_version: int | None = None) -> CalledTicket:
    ticket, window, hall = _window_ticket(session, actor, window_code, ticket_no)
    _act(session, actor, ticket, TicketAction.SKIP.value, hall=hall, window=window, expected_version=expected_version)
    return _called(session, ticket, window)


def _staff_name(session: Session, actor: Actor) -> str:
    return actor.name or identity.staff_brief(session, [actor.id or 0]).get(actor.id or 0, ("", "", 0))[1]


def serve(session: Session, actor: Actor, window_code: str, ticket_no: str | None = None,
          expected_version: int | None = None) -> VisitOut:
    """The person is at the window: the visit is registered (来办事要有登记). The first clerk to serve it is named
    on it (首问负责); a ticket transferred here hands the visit over to this clerk."""
    ticket, window, hall = _window_ticket(session, actor, window_code, ticket_no)
    existing = repository.visit_of_ticket(session, ticket.id)

    def effect(_s: Session, ctx: lifecycle.Context, t: Ticket) -> None:
        t.served_at = ctx.now

    _act(session, actor, ticket, TicketAction.SERVE.value, hall=hall, window=window, effect=effect,
         expected_version=expected_version)
    now = clock.now()
    name = _staff_name(session, actor)
    if existing is None:
        visit = Visit(visit_no=_visit_no(session, hall, ticket.day), hall_id=hall.id, ticket_id=ticket.id,
                      window_id=window.id, window_type=window.type, first_staff_id=actor.id or 0,
                      first_staff_name=name, responsible_staff_id=actor.id or 0, responsible_staff_name=name,
                      department_id=actor.department_id or 0, handovers=[], person=ticket.applicant,
                      person_name=_person_name(session, ticket.applicant), item_code=ticket.item_code,
                      started_at=now, day=ticket.day, rated=False)
        session.add(visit)
        session.flush()
        audit.record(session, actor, "hall_visit.register", "hall_visit", visit.visit_no,
                     {"ticket_no": ticket.ticket_no, "window": window.code})
    else:
        visit = existing
        handovers = list(visit.handovers or [])
        handovers.append({"from": visit.responsible_staff_name, "to": name, "window": window.code,
                          "at": now.isoformat()})
        visit.handovers = handovers
        visit.window_id, visit.window_type = window.id, window.type
        visit.responsible_staff_id, visit.responsible_staff_name = actor.id or 0, name
        visit.department_id = actor.department_id or visit.department_id
        session.flush()
        audit.record(session, actor, "hall_visit.handover", "hall_visit", visit.visit_no,
                     {"to": name, "window": window.code})
    return visit_out(session, visit)


def _visit_no(session: Session, hall: Hall, day: dt.date) -> str:
    return f"{events.VISIT_PREFIX}{day:%Y%m%d}{hall.id:04d}{secrets.randbelow(10**8):08d}"


def _person_name(session: Session, label: str | None) -> str | None:
    if not label:
        return None
    actor = identity.actor_for_principal(session, label)
    return actor.name if actor is not None else None


def transfer(session: Session, actor: Actor, window_code: str, *, window_type: str, ticket_no: str | None = None,
             reason: str | None = None, expected_version: int | None = None) -> TicketOut:
    """Back into the queue of another window type, keeping its place by the time it was taken. The visit stays
    with the clerk who served it first until another window serves it (the hand-over)."""
    ticket, window, hall = _window_ticket(session, actor, window_code, ticket_no)
    _known_type(window_type)
    windows = repository.windows_of(session, hall.id)
    if window_type not in {w.type for w in windows}:
        raise ValidationFailed(f"本大厅没有{WINDOW_TYPE_LABELS[window_type]}", field="window_type",
                               code="window_type_not_in_hall")
    _check_callable(windows, window_type, ticket.item_code)

    def effect(_s: Session, ctx: lifecycle.Context, t: Ticket) -> None:
        t.window_type, t.window_id, t.called_at, t.called_by, t.served_at = window_type, None, None, None, None
        t.queued_at = t.taken_at
        t.transfers = (t.transfers or 0) + 1

    _act(session, actor, ticket, TicketAction.TRANSFER.value, hall=hall, window=window, comment=reason,
         effect=effect, data={"to": window_type, "from_window": window.code}, expected_version=expected_version)
    return ticket_out(session, ticket, hall)


def finish(session: Session, actor: Actor, window_code: str, *, outcome: str, ticket_no: str | None = None,
           case_no: str | None = None, item_code: str | None = None, note: str | None = None,
           expected_version: int | None = None) -> VisitOut:
    """The visit's outcome (办结/收件/咨询/补正), and the ticket is done. A case named here must be one the clerk
    may see (the one just filed at the window, say)."""
    if outcome not in OUTCOMES:
        raise ValidationFailed("办理结果应为 " + "、".join(f"{k}（{v}）" for k, v in OUTCOMES.items()),
                               field="outcome", code="invalid_outcome")
    ticket, window, hall = _window_ticket(session, actor, window_code, ticket_no)
    visit = repository.visit_of_ticket(session, ticket.id)
    if ticket.status != TicketStatus.SERVING or visit is None:
        raise lifecycle.IllegalTransition("请先开始办理再登记结果", field="action",
                                          extra={"allowed_actions": TICKET.allowed(actor, ticket)})
    linked = (case_no or "").strip() or None
    if linked is not None:
        cases.get_case(session, actor, linked)
    text = (note or "").strip() or None
    if text and len(text) > 1000:
        raise ValidationFailed("备注不能超过 1000 字", field="note", code="note_too_long")

    def effect(_s: Session, ctx: lifecycle.Context, t: Ticket) -> None:
        t.finished_at = ctx.now

    _act(session, actor, ticket, TicketAction.FINISH.value, hall=hall, window=window, effect=effect,
         data={"outcome": outcome, "case_no": linked}, expected_version=expected_version)
    visit.outcome, visit.case_no, visit.note = outcome, linked, text
    visit.item_code = (item_code or "").strip() or visit.item_code
    visit.finished_at = clock.now()
    session.flush()
    audit.record(session, actor, "hall_visit.finish", "hall_visit", visit.visit_no,
                 {"outcome": outcome, "case_no": linked})
    return visit_out(session, visit)


def cancel_ticket(session: Session, actor: Actor, hall_code: str, ticket_no: str) -> TicketOut:
    hall = _hall(session, hall_code)
    ticket = repository.ticket(session, hall.id, clock.today(), (ticket_no or "").strip().upper(), lock=True)
    desk = actor.is_staff and actor.can(Perm.HALL_DESK) and _covers(actor, hall)
    if ticket is None or not (actor.is_applicant and ticket.applicant == actor.label or desk):
        raise TicketNotFound("今天没有这个号", field="ticket_no")
    _act(session, actor, ticket, TicketAction.CANCEL.value, hall=hall, window=None)
    return ticket_out(session, ticket, hall)


def requeue(session: Session, actor: Actor, hall_code: str, ticket_no: str) -> TicketOut:
    """A skipped person came back: the front desk puts the ticket back, behind those waiting now."""
    hall = _hall(session, hall_code)
    _desk(session, actor, hall)
    ticket = repository.ticket(session, hall.id, clock.today(), (ticket_no or "").strip().upper(), lock=True)
    if ticket is None:
        raise TicketNotFound("今天没有这个号", field="ticket_no")

    def effect(_s: Session, ctx: lifecycle.Context, t: Ticket) -> None:
        t.queued_at, t.window_id, t.called_at, t.called_by = ctx.now, None, None, None

    _act(session, actor, ticket, TicketAction.REQUEUE.value, hall=hall, window=None, effect=effect)
    return ticket_out(session, ticket, hall)


def window_state(session: Session, actor: Actor, window_code: str) -> dict[str, Any]:
    """What the clerk's window page shows: the window, its current ticket and visit, and its queue's length."""
    window, hall = _window_for(session, actor, window_code)
    day = clock.today()
    current = repository.current_at_window(session, window.id, day)
    ticket = current[0] if current else None
    visit = repository.visit_of_ticket(session, ticket.id) if ticket is not None else None
    waiting = repository.waiting_counts(session, hall.id, day)
    return {"window": window, "hall": hall, "ticket": ticket_out(session, ticket, hall) if ticket else None,
            "visit": visit_out(session, visit) if visit else None, "waiting": waiting.get(window.type, 0),
            "waiting_by_type": waiting, "types": sorted({w.type for w in repository.windows_of(session, hall.id)},
                                                         key=list(WINDOW_TYPES).index)}


def queue(session: Session, actor: Actor, hall_code: str) -> tuple[Hall, list[TicketOut]]:
    """Today's waiting, called and serving tickets of a hall in the caller's scope (front desk, windows)."""
    hall = _scoped_hall(session, actor, hall_code)
    rows = repository.queue_page(session, hall.id, clock.today(), statuses=(
        TicketStatus.WAITING.value, TicketStatus.CALLED.value, TicketStatus.SERVING.value,
        TicketStatus.SKIPPED.value), limit=500)
    return hall, _queue_views(session, hall, rows)


def _queue_views(session: Session, hall: Hall, rows: Sequence[Ticket]) -> list[TicketOut]:
    """The views of a queue's tickets with a handful of queries, not a few per ticket: the rows come in calling
    order per window type, so a waiting ticket's position is the waiting tickets of its type before it."""
    windows = repository.windows_of(session, hall.id, active_only=False)
    by_id = {w.id: w for w in windows}
    staffed = repository.staff_of_windows(session, [w.id for w in windows])
    open_by_type: dict[str, int] = {}
    for w in windows:
        if w.active and staffed[w.id]:
            open_by_type[w.type] = open_by_type.get(w.type, 0) + 1
    ahead: dict[str, int] = {}
    means: dict[str, float] = {}
    out = []
    for t in rows:
        waiting = t.status == TicketStatus.WAITING
        position = ahead.get(t.window_type, 0) if waiting else 0
        if waiting:
            ahead[t.window_type] = position + 1
        if waiting and position and t.window_type not in means:
            means[t.window_type] = _mean_service(session, hall, t.day, t.window_type)
        window = by_id.get(t.window_id) if t.window_id else None
        out.append(TicketOut(
            ticket_no=t.ticket_no, position=position,
            estimated_wait_minutes=_estimate(
                session, hall, t.day, t.window_type, position, open_by_type.get(t.window_type, 0),
                means.get(t.window_type)) if waiting else 0,
            hall_code=hall.code, hall_name=hall.name, day=t.day, window_type=t.window_type, item_code=t.item_code,
            priority=_priority_name(t.priority, t.priority_reason), status=t.status,
            status_label=TICKET_STATUS_LABELS.get(t.status, t.status), taken_at=t.taken_at,
            window_code=window.code if window else None, window_name=window.name if window else None,
            called_at=t.called_at, version=t.version))
    return out


# --- the calling board ---------------------------------------------------------------------------------------

def board(session: Session, hall_code: str, *, calls: int = 8) -> BoardOut:
    """What the hall's calling screen shows: the latest calls and each queue's length. No personal data."""
    hall = _hall(session, hall_code)
    now = clock.now()
    day = _local_day(now)
    windows = {w.id: w for w in repository.windows_of(session, hall.id, active_only=False)}
    staffed = repository.staff_of_windows(session, list(windows))
    waiting = repository.waiting_counts(session, hall.id, day)
    recent = repository.recent_calls(session, hall.id, day, calls)
    queues = []
    for wtype in WINDOW_TYPES:
        of_type = [w for w in windows.values() if w.type == wtype and w.active]
        if not of_type:
            continue
        n = waiting.get(wtype, 0)
        staffed_n = sum(1 for w in of_type if staffed[w.id])
        queues.append(BoardQueue(window_type=wtype, label=WINDOW_TYPE_LABELS[wtype], waiting=n,
                                 windows_open=staffed_n,
                                 estimated_wait_minutes=_estimate(session, hall, day, wtype, n, staffed_n)))
    return BoardOut(hall_code=hall.code, hall_name=hall.name, now=now, open=is_open(session, hall, now),
                    hours=f"工作日 {hall.opens}–{hall.closes}",
                    calling=[BoardCall(ticket_no=t.ticket_no, window_code=windows[t.window_id].code,
                                       window_name=windows[t.window_id].name, status=t.status,
                                       called_at=t.called_at or now, recalls=t.recalls)
                             for t in recent if t.window_id in windows],
                    queues=queues)


# --- at the window: the person being served ------------------------------------------------------------------

def _serving_visit(session: Session, actor: Actor, visit_no: str) -> tuple[Visit, HallWindow]:
    visit = repository.visit(session, (visit_no or "").strip(), lock=True)
    if visit is None or not actor.is_staff:
        raise VisitNotFound("办事记录不存在", field="visit_no")
    window = session.get(HallWindow, visit.window_id)
    ticket = repository.ticket_by_id(session, visit.ticket_id) if visit.ticket_id else None
    if window is None or visit.responsible_staff_id != actor.id or visit.finished_at is not None or \
            ticket is None or ticket.status != TicketStatus.SERVING:
        raise VisitNotFound("办事记录不存在或不由您办理", field="visit_no")
    return visit, window


def identify(session: Session, actor: Actor, visit_no: str, id_code: str) -> VisitOut:
    """The clerk serving the visit records who it is (ID number or USCC of a registered applicant)."""
    visit, _ = _serving_visit(session, actor, visit_no)
    person = identity.find_applicant(session, (id_code or "").strip())
    visit.person, visit.person_name = person.label, person.name
    session.flush()
    audit.record(session, actor, "hall_visit.identify", "hall_visit", visit.visit_no, {"person": person.label})
    return visit_out(session, visit)


@dataclass
class PersonAtWindow:
    name: str
    cases: list[dict[str, Any]]
    licences: list[dict[str, Any]]


def person_at_window(session: Session, actor: Actor, visit_no: str) -> PersonAtWindow:
    """The open cases (within the clerk's scope) and the valid licences of the person the clerk is serving now —
    only while serving them, and every look is audited."""
    visit, _ = _serving_visit(session, actor, visit_no)
    if not visit.person:
        raise ValidationFailed("请先核验办事人身份", field="visit_no", code="person_not_identified")
    open_cases = cases.cases_of(session, actor, visit.person, open_only=True, limit=20)
    held = licenses.held_by(session, visit.person, actor)
    audit.record(session, actor, "hall_visit.person_view", "hall_visit", visit.visit_no,
                 {"person": visit.person, "cases": len(open_cases), "licences": len(held)})
    return PersonAtWindow(
        name=visit.person_name or "",
        cases=[{"case_no": c.case_no, "item_name": c.item_name, "status": c.status, "due": c.due,
                "submitted_at": c.submitted_at} for c in open_cases],
        licences=[{"license_id": lic.license_id, "identifier": lic.identifier, "type_name": lic.type,
                   "issuer": lic.issuer, "valid_until": lic.valid_until} for lic in held])


def visit_out(session: Session, visit: Visit) -> VisitOut:
    hall = session.get(Hall, visit.hall_id)
    window = session.get(HallWindow, visit.window_id)
    ticket = repository.ticket_by_id(session, visit.ticket_id) if visit.ticket_id else None
    return VisitOut(visit_no=visit.visit_no, hall_code=hall.code if hall else "",
                    window_code=window.code if window else "", window_name=window.name if window else "",
                    window_type=visit.window_type, ticket_no=ticket.ticket_no if ticket else None,
                    first_staff=visit.first_staff_name, responsible_staff=visit.responsible_staff_name,
                    handovers=list(visit.handovers or []),
                    person_name=mask_name(visit.person_name) if visit.person_name else None,
                    identified=visit.person is not None, item_code=visit.item_code, outcome=visit.outcome,
                    outcome_label=OUTCOMES.get(visit.outcome or ""), case_no=visit.case_no,
                    started_at=visit.started_at, finished_at=visit.finished_at, rated=visit.rated)


# --- the window-side rating tablet ----------------------------------------------------------------------------

def _tablet_window(session: Session, window_code: str, key: str | None) -> HallWindow:
    window = repository.window_by_code(session, (window_code or "").strip())
    digest = hashlib.sha256((key or "").encode()).hexdigest()
    if window is None or not window.active or window.terminal_key_hash is None or \
            not secrets.compare_digest(window.terminal_key_hash, digest):
        raise WindowNotFound("评价器未登记，请联系大厅管理员", field="window_code")
    return window


def tablet_visit(session: Session, window_code: str, key: str | None) -> tuple[HallWindow, VisitOut | None]:
    """The window's last finished visit not yet rated (within half an hour), for its tablet."""
    window = _tablet_window(session, window_code, key)
    since = clock.now() - dt.timedelta(minutes=RATING_WINDOW_MINUTES)
    visit = repository.last_finished_visit(session, window.id, since)
    if visit is None or visit.rated:
        return window, None
    return window, visit_out(session, visit)


def rate_visit(session: Session, window_code: str, key: str | None, *, visit_no: str, level: Any,
               reasons: Sequence[str] | None = None, comment: str | None = None) -> Any:
    """One rating per visit, from the window's tablet (好差评 channel ``terminal``): a bad one opens the same
    rectification a case's bad review does, for the department of the clerk who served."""
    window = _tablet_window(session, window_code, key)
    visit = repository.visit(session, (visit_no or "").strip(), lock=True)
    since = clock.now() - dt.timedelta(minutes=RATING_WINDOW_MINUTES)
    if visit is None or visit.window_id != window.id or visit.finished_at is None or visit.finished_at < since:
        raise VisitNotFound("没有可评价的办事记录", field="visit_no")
    if visit.rated:
        raise AlreadyRated("这次办事已经评价过了，谢谢", field="visit_no")
    hall = session.get(Hall, visit.hall_id)
    assert hall is not None
    rated = evaluation.rate_visit(session, visit_no=visit.visit_no, rater=visit.person or f"{events.ANONYMOUS_RATER}{visit.visit_no}",
                                  item_code=visit.item_code or f"window:{window.type}",
                                  department_id=visit.department_id, region_code=hall.region_code, level=level,
                                  reasons=reasons, comment=comment)
    visit.rated = True
    session.flush()
    return rated


# --- appointments ---------------------------------------------------------------------------------------------

def _slot_times(hall: Hall) -> list[tuple[str, str]]:
    out, t, end = [], _minutes(hall.opens), _minutes(hall.closes)
    while t + hall.slot_minutes <= end:
        out.append((_hhmm(t), _hhmm(t + hall.slot_minutes)))
        t += hall.slot_minutes
    return out


def _capacity(session: Session, hall: Hall, window_type: str) -> int:
    n = sum(1 for w in repository.windows_of(session, hall.id) if w.type == window_type)
    return n * hall.slot_capacity


def _bookable_day(session: Session, hall: Hall, day: dt.date) -> None:
    today = clock.today()
    if day < today or day > today + dt.timedelta(days=BOOK_AHEAD_DAYS):
        raise ValidationFailed(f"可预约今天起 {BOOK_AHEAD_DAYS} 天内的工作日", field="date", code="date_out_of_range")
    try:
        workday = get_calendar(session).is_workday(day)
    except CalendarYearMissing:
        raise ValidationFailed(f"{day.year} 年的节假日安排尚未导入，暂不能预约该日", field="date",
                               code="calendar_missing") from None
    if not workday:
        raise ValidationFailed("该日不是工作日，大厅不开放预约", field="date", code="not_a_working_day")


def slots(session: Session, hall_code: str, day: dt.date, window_type: str | None = None) -> list[SlotOut]:
    """The day's slots per window type with places left (public). Slots already begun today are not offered."""
    hall = _hall(session, hall_code)
    _bookable_day(session, hall, day)
    types = [t for t in WINDOW_TYPES if _capacity(session, hall, t) > 0]
    if window_type is not None:
        _known_type(window_type)
        types = [t for t in types if t == window_type]
    taken = repository.slots_of_day(session, hall.id, day)
    now = clock.to_local(clock.now())
    out = []
    for wtype in types:
        capacity = _capacity(session, hall, wtype)
        for start, end in _slot_times(hall):
            if day == now.date() and _minutes(start) <= now.hour * 60 + now.minute:
                continue
            row = taken.get((wtype, start))
            booked = row.booked if row else 0
            out.append(SlotOut(window_type=wtype, day=day, start=start, end=end, capacity=capacity, booked=booked,
                               available=max(0, capacity - booked)))
    return out


def _barred_until(session: Session, applicant: str, today: dt.date) -> dt.date | None:
    days = repository.no_shows_since(session, applicant, today - dt.timedelta(days=NO_SHOW_WINDOW_DAYS))
    if len(days) < NO_SHOW_LIMIT:
        return None
    until = days[-1] + dt.timedelta(days=NO_SHOW_BAR_DAYS)
    return until if until >= today else None


def _place(session: Session, hall: Hall, window_type: str, day: dt.date, start: str) -> tuple[int, str]:
    _bookable_day(session, hall, day)
    times = dict(_slot_times(hall))
    if start not in times:
        raise ValidationFailed("没有这个预约时段", field="start", code="unknown_slot")
    now = clock.to_local(clock.now())
    if day == now.date() and _minutes(start) <= now.hour * 60 + now.minute:
        raise ValidationFailed("该时段已开始，请选择之后的时段", field="start", code="slot_past")
    capacity = _capacity(session, hall, window_type)
    if capacity <= 0:
        raise ValidationFailed(f"本大厅没有{WINDOW_TYPE_LABELS[window_type]}", field="window_type",
                               code="window_type_not_in_hall")
    slot_id = repository.ensure_slot(session, hall.id, window_type, day, start, times[start], capacity)
    if not repository.take_place(session, slot_id, capacity):
        raise SlotFull("该时段已约满，请选择其他时段", field="start")
    return slot_id, times[start]


def book(session: Session, actor: Actor, *, hall_code: str, day: dt.date, start: str, window_type: str = "综合",
         item_code: str | None = None) -> AppointmentOut:
    """Book a slot (预约): one booked appointment per person, hall and day; three no-shows within 90 days bar
    booking for 30 days. A confirmation goes out by SMS (the outbox), and a reminder the day before."""
    if not actor.is_applicant:
        if actor.is_staff:
            raise PermissionDenied("预约须由办事人本人登录后办理", code="applicant_only")
        raise Unauthenticated("请先登录再预约")
    hall = _hall(session, hall_code)
    _known_type(window_type)
    item = _published_item(session, item_code)
    today = clock.today()
    barred = _barred_until(session, actor.label, today)
    if barred is not None:
        raise BookingBarred(f"您在 {NO_SHOW_WINDOW_DAYS} 天内已有 {NO_SHOW_LIMIT} 次预约未到，{barred:%Y-%m-%d} 前不能预约",
                            field="date", extra={"until": barred.isoformat()})
    if repository.booked_on(session, actor.label, hall.id, day) is not None:
        raise BookingBarred("您在该日已预约本大厅，如需调整请修改原预约", field="date", code="already_booked")
    slot_id, end = _place(session, hall, window_type, day, start)
    phone, _ = identity.contact_for(session, actor.label)
    now = clock.now()
    appt = Appointment(appointment_no=f"Y{day:%Y%m%d}{secrets.randbelow(10**8):08d}", hall_id=hall.id,
                       slot_id=slot_id, window_type=window_type, item_code=item, day=day, start=start, end=end,
                       applicant=actor.label, applicant_name=actor.name, phone=phone,
                       status=AppointmentStatus.BOOKED.value, reminded=False, created_at=now, last_action_at=now,
                       version=1)
    try:
        with session.begin_nested():
            session.add(appt)
            session.flush()
    except IntegrityError:  # the same person booked the same hall and day at the same moment
        raise BookingBarred("您在该日已预约本大厅，如需调整请修改原预约", field="date", code="already_booked") from None
    audit.record(session, actor, "hall_appointment.book", "hall_appointment", appt.appointment_no,
                 {"hall": hall.code, "day": day.isoformat(), "start": start, "window_type": window_type})
    ctx = HallContext(actor=actor, action="book", hall=hall)
    outbox.emit(session, events.APPOINTMENT_BOOKED, _appointment_event(appt, ctx).model_dump(mode="json"),
                subject=f"hall_appointment:{appt.appointment_no}")
    return appointment_out(session, appt, hall)


def appointment_out(session: Session, appt: Appointment, hall: Hall | None = None) -> AppointmentOut:
    hall = hall or session.get(Hall, appt.hall_id)
    assert hall is not None
    ticket = repository.ticket_by_id(session, appt.ticket_id) if appt.ticket_id else None
    return AppointmentOut(appointment_no=appt.appointment_no, hall_code=hall.code, hall_name=hall.name,
                          window_type=appt.window_type, item_code=appt.item_code, date=appt.day, start=appt.start,
                          end=appt.end, status=appt.status,
                          status_label=APPOINTMENT_STATUS_LABELS.get(appt.status, appt.status),
                          ticket_no=ticket.ticket_no if ticket else None, version=appt.version)


def _own_appointment(session: Session, actor: Actor, appointment_no: str) -> tuple[Appointment, Hall]:
    appt = repository.appointment(session, (appointment_no or "").strip(), lock=True)
    hall = session.get(Hall, appt.hall_id) if appt else None
    if appt is None or hall is None:
        raise AppointmentNotFound("预约不存在", field="appointment_no")
    mine = actor.is_applicant and appt.applicant == actor.label
    desk = actor.is_staff and actor.can(Perm.HALL_DESK) and _covers(actor, hall)
    if not (mine or desk or actor is SYSTEM):  # SYSTEM: the kiosk, for the taker (kiosk_check_in)
        if not (actor.is_staff or actor.is_applicant):
            raise Unauthenticated("请先登录")
        raise AppointmentNotFound("预约不存在", field="appointment_no")
    return appt, hall


def get_appointment(session: Session, actor: Actor, appointment_no: str) -> AppointmentOut:
    appt, hall = _own_appointment(session, actor, appointment_no)
    return appointment_out(session, appt, hall)


def my_appointments(session: Session, actor: Actor) -> list[AppointmentOut]:
    if not actor.is_applicant:
        return []
    return [appointment_out(session, a) for a in repository.appointments_of(session, actor.label)]


def _not_past(appt: Appointment, what: str) -> None:
    """A booked appointment whose check-in time is over can no longer be changed or cancelled: it is a no-show
    (the sweep records it), not something to move out of the way."""
    if appt.status == AppointmentStatus.BOOKED and \
            clock.now() > _at(appt.day, appt.start) + dt.timedelta(minutes=CHECK_IN_LATE_MINUTES):
        raise CheckInClosed(f"预约时段已过，不能再{what}", field="appointment_no", code="appointment_past")


def change_appointment(session: Session, actor: Actor, appointment_no: str, *, day: dt.date, start: str,
                       expected_version: int | None = None) -> AppointmentOut:
    appt, hall = _own_appointment(session, actor, appointment_no)
    _not_past(appt, "改约")
    old_slot = appt.slot_id

    def effect(_s: Session, ctx: lifecycle.Context, a: Appointment) -> None:
        if day != a.day and repository.booked_on(session, a.applicant, hall.id, day) is not None:
            raise BookingBarred("您在该日已预约本大厅", field="date", code="already_booked")
        repository.give_place(session, old_slot)
        slot_id, end = _place(session, hall, a.window_type, day, start)
        a.slot_id, a.day, a.start, a.end, a.reminded = slot_id, day, start, end, False

    ctx = HallContext(actor=actor, action=AppointmentAction.CHANGE.value, hall=hall,
                      data={"from": f"{appt.day.isoformat()} {appt.start}", "to": f"{day.isoformat()} {start}"})
    lifecycle.apply(session, APPOINTMENT, appt, ctx, effect=effect, expected_version=expected_version)
    return appointment_out(session, appt, hall)


def cancel_appointment(session: Session, actor: Actor, appointment_no: str,
                       expected_version: int | None = None) -> AppointmentOut:
    appt, hall = _own_appointment(session, actor, appointment_no)
    _not_past(appt, "取消")

    def effect(_s: Session, ctx: lifecycle.Context, a: Appointment) -> None:
        repository.give_place(session, a.slot_id)

    ctx = HallContext(actor=actor, action=AppointmentAction.CANCEL.value, hall=hall)
    lifecycle.apply(session, APPOINTMENT, appt, ctx, effect=effect, expected_version=expected_version)
    return appointment_out(session, appt, hall)


def check_in(session: Session, actor: Actor, appointment_no: str) -> TicketOut:
    """Arrived: from an hour before the slot until a quarter of an hour after it starts, the appointment becomes a
    ticket with appointment priority (the person signed in, or the front desk for them)."""
    appt, hall = _own_appointment(session, actor, appointment_no)
    now = clock.now()
    opens = _at(appt.day, appt.start) - dt.timedelta(minutes=CHECK_IN_EARLY_MINUTES)
    closes = _at(appt.day, appt.start) + dt.timedelta(minutes=CHECK_IN_LATE_MINUTES)
    if appt.status == AppointmentStatus.BOOKED and not (opens <= now <= closes):
        when = "尚未到签到时间" if now < opens else "已超过签到时间，请取普通号"
        raise CheckInClosed(f"{when}（预约 {appt.day:%m-%d} {appt.start}，可在开始前 {CHECK_IN_EARLY_MINUTES} 分钟至"
                            f"开始后 {CHECK_IN_LATE_MINUTES} 分钟内签到）", field="appointment_no",
                            extra={"from": opens.isoformat(), "until": closes.isoformat()})
    holder: dict[str, TicketOut] = {}

    def effect(_s: Session, ctx: lifecycle.Context, a: Appointment) -> None:
        out = take_ticket(session, actor, hall.code, item_code=a.item_code, window_type=a.window_type,
                          priority="appointment", source="appointment", applicant=a.applicant, appointment=a)
        found = repository.ticket(session, hall.id, out.day, out.ticket_no)
        a.ticket_id = found.id if found else None
        holder["ticket"] = out

    ctx = HallContext(actor=actor, action=AppointmentAction.CHECK_IN.value, hall=hall)
    lifecycle.apply(session, APPOINTMENT, appt, ctx, effect=effect)
    return holder["ticket"]


def hall_appointments(session: Session, actor: Actor, hall_code: str, day: dt.date | None = None
                      ) -> tuple[Hall, list[AppointmentOut]]:
    hall = _scoped_hall(session, actor, hall_code)
    return hall, [appointment_out(session, a, hall)
                  for a in repository.hall_appointments(session, hall.id, day or clock.today())]


# --- scheduled work -------------------------------------------------------------------------------------------

def sweep(session: Session, now: dt.datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """End of day and no-shows: tickets of earlier days still open expire; appointments whose check-in time has
    passed without a check-in are no-shows. Idempotent (each row moves once)."""
    now = now or clock.now()
    today = _local_day(now)
    expired = noshow = 0
    halls: dict[int, Hall | None] = {}
    for ticket in repository.open_tickets_before(session, today, limit):
        hall = halls.setdefault(ticket.hall_id, session.get(Hall, ticket.hall_id))
        lifecycle.apply(session, TICKET, ticket, HallContext(actor=SYSTEM, action=TicketAction.EXPIRE.value,
                                                              hall=hall, now=now))
        visit = repository.visit_of_ticket(session, ticket.id)
        if visit is not None and visit.finished_at is None:  # served and never finished: closed without outcome
            visit.finished_at, visit.note = now, (visit.note or "日终未登记办理结果")
            audit.record(session, SYSTEM, "hall_visit.expire", "hall_visit", visit.visit_no, {})
        expired += 1
    for appt in repository.booked_until(session, today, limit):
        if _at(appt.day, appt.start) + dt.timedelta(minutes=CHECK_IN_LATE_MINUTES) > now:
            continue
        hall = halls.setdefault(appt.hall_id, session.get(Hall, appt.hall_id))
        lifecycle.apply(session, APPOINTMENT, appt, HallContext(actor=SYSTEM, action=AppointmentAction.NO_SHOW.value,
                                                                hall=hall, now=now))
        noshow += 1
    return {"expired": expired, "no_show": noshow}


def send_reminders(session: Session, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """The day before an appointment (from 9:00 local time): one reminder each, through the outbox (SMS)."""
    local = clock.to_local(now or clock.now())
    if local.hour < 9:
        return 0
    tomorrow = local.date() + dt.timedelta(days=1)
    sent = 0
    halls: dict[int, Hall | None] = {}
    for appt in repository.to_remind(session, tomorrow, limit):
        hall = halls.setdefault(appt.hall_id, session.get(Hall, appt.hall_id))
        appt.reminded = True
        ctx = HallContext(actor=SYSTEM, action="remind", hall=hall)
        outbox.emit(session, events.APPOINTMENT_REMINDER, _appointment_event(appt, ctx).model_dump(mode="json"),
                    subject=f"hall_appointment:{appt.appointment_no}")
        sent += 1
    session.flush()
    return sent


# --- kiosk (branch hall-public-pages) -------------------------------------------------------------------------

KIOSK_CHECK_IN_FAILURES_PER_NUMBER = 5  # wrong phone tails for one appointment number within the hour …
KIOSK_CHECK_IN_FAILURES_PER_CLIENT = 30  # … and failed check-ins at one kiosk (the client) within the hour


def kiosk_check_in(session: Session, hall_code: str, appointment_no: str, phone_tail: str, *,
                   client: str = "") -> TicketOut:
    """Check in at the hall's kiosk without signing in: the appointment number and the last four digits of the
    phone it was booked with. The appointment must be of this hall; any mismatch says the same as an unknown
    number (never which part was wrong). Only failures count against the limits (per number, so one booking's
    tail cannot be guessed; per kiosk, as every attempt there shares its address). Then the same check-in as
    :func:`check_in`, taken by SYSTEM for the person who booked (the ticket is theirs)."""
    hall = _hall(session, hall_code)
    number = (appointment_no or "").strip().upper()[:24]
    tail = (phone_tail or "").strip()
    hour = dt.timedelta(hours=1)
    busy = "尝试次数过多，请 {minutes} 分钟后再试，或到前台办理签到"
    keys = [f"kiosk-checkin:client:{client or 'unknown'}"]
    ratelimit.check(session, keys, limit=KIOSK_CHECK_IN_FAILURES_PER_CLIENT, window=hour, message=busy)
    number_key = f"kiosk-checkin:appt:{number}"
    try:
        ratelimit.check(session, [number_key], limit=KIOSK_CHECK_IN_FAILURES_PER_NUMBER, window=hour,
                        message=busy, field="appointment_no")
    except DomainError:
        ratelimit.give_back(session, keys)  # refused before looking: the kiosk's count is not this number's fault
        raise
    keys.append(number_key)
    appt = repository.appointment(session, number, lock=True) if number else None
    phone = (appt.phone or "") if appt is not None else ""
    if (appt is None or appt.hall_id != hall.id or len(tail) != 4 or not tail.isdigit() or len(phone) < 4
            or not phone.endswith(tail)):
        raise AppointmentNotFound("未找到该预约，请核对预约号和预约手机号后四位", field="appointment_no")
    ratelimit.give_back(session, keys)  # only failed attempts count
    with session.begin_nested():  # a refused check-in leaves nothing behind; the counters above stay counted
        ticket = check_in(session, SYSTEM, appt.appointment_no)
    audit.record(session, SYSTEM, "hall_appointment.kiosk_check_in", "hall_appointment", appt.appointment_no,
                 {"hall": hall.code, "ticket_no": ticket.ticket_no})
    return ticket
