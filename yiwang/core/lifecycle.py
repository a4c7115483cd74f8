"""The one lifecycle engine: every thing with a status — cases and their branches, licences, rectifications,
supervision orders, and the tickets and requests to come — changes status here and nowhere else.

A domain declares a :class:`Machine`: its transition table as data (``(status, action) → Transition``, with the
permission or role that may act and the guards that must pass), how an instance is named, where its timeline
goes and which typed event each action publishes. :func:`apply` is the one writer: it checks the transition,
who may act (the instance was already loaded through the domain's scoped repository, so data scope holds),
the expected version (optimistic lock: a stale page or API call gets 409, never a double transition), runs the
guards and the domain's effect, sets the status, and writes the timeline entry, the audit record and the typed
event to the outbox — all in the caller's transaction. The caller commits.

A machine may also keep a working-day clock per instance (:class:`WorkClock`: deadline, warn point, pause,
light), so that supervision can watch any clocked thing, not only cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from yiwang.core import audit, clock, outbox
from yiwang.core.audit import BigId
from yiwang.core.calendar import WorkCalendar
from yiwang.core.db import Base
from yiwang.core.errors import Conflict, PermissionDenied
from yiwang.core.permissions import SYSTEM, Actor, Perm

T = TypeVar("T")

# roles a transition may name instead of a permission; the machine's ``holds`` decides what they mean
APPLICANT = "applicant"  # the instance's owner (or whoever filed for them)
SYSTEM_ONLY = "system"  # only scheduled work (the supervision tick) takes it


class IllegalTransition(Conflict):
    code = "illegal_transition"


class StaleVersion(Conflict):
    """Someone else acted first: the page or the call carried an older version than the stored one."""

    code = "stale_version"


class Event(BaseModel):
    """Base of every typed event payload: what it is about and who acted. Domains extend it in events.py."""

    action: str
    actor: str


Guard = Callable[[Session, "Context", Any], None]  # raises a domain error when the action may not be taken
Effect = Callable[[Session, "Context", Any], None]  # the action's effect on the instance and its rows


@dataclass(frozen=True)
class Transition:
    target: str | None  # None: the status stays (an extension), or the effect chooses it (resume, return)
    who: Perm | str  # a permission, or a role (APPLICANT, SYSTEM_ONLY, or one the machine defines)
    guards: tuple[Guard, ...] = ()


@dataclass
class Context:
    """A typed action context: who acts, when, why, and what the timeline and the audit record should keep.
    Domains extend it with their own inputs (materials, days, a kind of special procedure …)."""

    actor: Actor
    action: str
    comment: str | None = None
    now: dt.datetime = field(default_factory=clock.now)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return clock.to_local(self.now).date()


def _default_holds(actor: Actor, instance: Any, transition: Transition, action: str) -> bool:
    if transition.who == SYSTEM_ONLY:
        return actor is SYSTEM
    if isinstance(transition.who, Perm):
        return actor is SYSTEM or (actor.is_staff and actor.can(transition.who))
    return False


@dataclass(frozen=True)
class Machine(Generic[T]):
    """A lifecycle declared as data. ``subject`` names an instance publicly (case number, licence id);
    ``event`` builds the typed payload an action publishes (None: no event); ``topic`` maps an action to its
    topic constant; ``timeline`` writes the domain's timeline entry (default: a ``lifecycle_event`` row)."""

    name: str  # the audit object type and the outbox subject prefix: "case", "license", "rectification"
    transitions: Mapping[tuple[Any, Any], Transition]  # (status, action) → transition; str enums welcome
    subject: Callable[[T], str]
    topic: Callable[[str], str | None]
    event: Callable[[T, Context], BaseModel] | None = None  # an Event, or a domain's own payload model
    holds: Callable[[Actor, T, Transition, str], bool] = _default_holds
    timeline: Callable[[Session, T, Context, str | None, int], None] | None = None
    status_attr: str = "status"
    version_attr: str | None = "version"  # mapped as the model's version_id_col
    stamp_attr: str | None = None  # a timestamp set on every action (so the row is always written)
    labels: Mapping[str, str] = field(default_factory=dict)  # status → Chinese label, for error messages
    # the audit record's action for an action (default "<name>.<action>"), for domains whose audit names predate
    # the engine ("evaluation.reply" on a rectification, "supervision.order_reply" on an order)
    audit_action: Callable[[str], str] | None = None

    def rule(self, status: str, action: str) -> Transition | None:
        return self.transitions.get((status, action))

    def actions_from(self, status: str) -> list[str]:
        return [a for (s, a) in self.transitions if s == status]

    def allowed(self, actor: Actor, instance: T) -> list[str]:
        status = getattr(instance, self.status_attr)
        return [a for a in self.actions_from(status)
                if self.holds(actor, instance, self.transitions[(status, a)], a)]

    def version_of(self, instance: T) -> int | None:
        return int(getattr(instance, self.version_attr)) if self.version_attr else None


def check_version(machine: Machine[Any], instance: Any, expected: int | None) -> None:
    """409 when the caller acted on an older version than the stored one (None: the caller did not say)."""
    if expected is None or machine.version_attr is None:
        return
    if machine.version_of(instance) != expected:
        raise StaleVersion("该记录刚被其他人处理过，请刷新后查看最新状态", field="expected_version",
                           extra={"version": machine.version_of(instance)})


def apply(session: Session, machine: Machine[T], instance: T, ctx: Context, *, effect: Effect | None = None,
          after: Effect | None = None, expected_version: int | None = None, check_who: bool = True,
          nested: bool = False) -> Transition:
    """Take ``ctx.action`` on ``instance`` (already loaded through the domain's scoped repository). Raises
    IllegalTransition (409) when the table has no such transition, PermissionDenied (403) when the actor may
    not take it, StaleVersion (409) when ``expected_version`` is not the stored version or another writer
    committed first. ``effect`` runs before the status is set, ``after`` once it is (a clock that depends on
    the new status). ``check_who=False`` is for a domain that already made a finer refusal itself;
    ``nested=True`` for a transition taken inside another's effect (a case's acceptance reopening a branch): it
    leaves the flush to the outer action, so the outer row is written once."""
    before: str = getattr(instance, machine.status_attr)
    transition = machine.rule(before, ctx.action)
    if transition is None:
        label = machine.labels.get(before, before)
        raise IllegalTransition(f"当前状态为“{label}”，不能执行此操作", field="action",
                                extra={"allowed_actions": machine.allowed(ctx.actor, instance)})
    if check_who and not machine.holds(ctx.actor, instance, transition, ctx.action):
        raise PermissionDenied("您不能执行此操作", code="forbidden",
                               extra={"allowed_actions": machine.allowed(ctx.actor, instance)})
    check_version(machine, instance, expected_version)
    for guard in transition.guards:
        guard(session, ctx, instance)
    if effect is not None:
        effect(session, ctx, instance)
    if transition.target is not None:
        setattr(instance, machine.status_attr, str(transition.target))
    if after is not None:
        after(session, ctx, instance)
    now_status: str = getattr(instance, machine.status_attr)
    if machine.stamp_attr:
        setattr(instance, machine.stamp_attr, ctx.now)
    seq = (machine.version_of(instance) or 0) + 1
    if machine.timeline is not None:
        machine.timeline(session, instance, ctx, before, seq)
    else:
        session.add(LifecycleEvent(kind=machine.name, subject=machine.subject(instance), seq=seq, at=ctx.now,
                                   action=ctx.action, actor=ctx.actor.label, actor_name=ctx.actor.name,
                                   from_status=before, to_status=now_status,
                                   comment=(ctx.comment or "").strip()[:2000] or None, data=ctx.data))
    if not nested:
        flush(session)
    audit_action = machine.audit_action(ctx.action) if machine.audit_action else f"{machine.name}.{ctx.action}"
    audit.record(session, ctx.actor, audit_action, machine.name, machine.subject(instance),
                 {"from": before, "to": now_status, **{k: v for k, v in ctx.data.items() if k != "files"}})
    topic = machine.topic(ctx.action)
    if topic is not None and machine.event is not None:
        payload = machine.event(instance, ctx)
        outbox.emit(session, topic, payload.model_dump(mode="json"),
                    subject=f"{machine.name}:{machine.subject(instance)}")
    return transition


def flush(session: Session) -> None:
    """Flush, turning "another writer committed first" into StaleVersion: the version moved under us
    (PostgreSQL), or SQLite refused to turn this reader into a writer because another writer committed."""
    try:
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise StaleVersion("该记录刚被其他人处理过，请刷新后查看最新状态", field="expected_version") from exc


class LifecycleEvent(Base):
    """The timeline of a lifecycle that keeps no timeline table of its own (licences, rectifications,
    supervision orders): one row per action, in order."""

    __tablename__ = "lifecycle_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    # a case's branches are "<case_no>#<department id>": their timelines are read by prefix
    __table_args__ = (Index("ix_lifecycle_event_subject", "kind", "subject", "seq",
                            postgresql_ops={"subject": "varchar_pattern_ops"}),)


def timeline_of(session: Session, kind: str, subject: str) -> list[LifecycleEvent]:
    from sqlalchemy import select

    return list(session.scalars(select(LifecycleEvent).where(LifecycleEvent.kind == kind,
                                                             LifecycleEvent.subject == subject)
                                .order_by(LifecycleEvent.seq, LifecycleEvent.id)))


# --- the working-day clock --------------------------------------------------------------------------------

def remaining(cal: WorkCalendar, today: dt.date, due: dt.date) -> int:
    """Working days left: 0 on the due day itself, negative once it has passed."""
    if today <= due:
        return cal.working_days_between(today, due)
    return -max(1, cal.working_days_between(due, today))


def light(cal: WorkCalendar, today: dt.date, due: dt.date | None, warn_days: int = 1) -> str | None:
    """green / yellow (within ``warn_days`` working days) / red (past due); None when no clock runs."""
    if due is None:
        return None
    left = remaining(cal, today, due)
    if left < 0:
        return "red"
    if left <= warn_days:
        return "yellow"
    return "green"


def warn_point(cal: WorkCalendar, due: dt.date, warn_days: int = 1) -> dt.date:
    """The first day on which ``due`` is ``warn_days`` working days away or closer (yellow from then)."""
    day = due
    while cal.working_days_between(day - dt.timedelta(days=1), due) <= warn_days:
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class WorkClock:
    """A clock in working days as stored on an instance: the deadline, the day the yellow light comes on, and,
    while paused, the day the pause began and the working days earlier pauses lasted. Models that keep one
    carry ``deadline``, ``warn_at``, ``paused_on`` and ``paused_working_days`` columns (see :func:`clock_of`)."""

    deadline: dt.date | None
    warn_at: dt.date | None
    paused_on: dt.date | None = None
    paused_working_days: int = 0

    @classmethod
    def start(cls, cal: WorkCalendar, start: dt.date, working_days: int, warn_days: int) -> WorkClock:
        """A clock of ``working_days`` working days; the start day is not counted."""
        deadline = cal.add_working_days(start, working_days)
        return cls(deadline=deadline, warn_at=warn_point(cal, deadline, warn_days))

    @property
    def paused(self) -> bool:
        return self.paused_on is not None

    def pause(self, today: dt.date) -> WorkClock:
        return self if self.paused else WorkClock(self.deadline, self.warn_at, today, self.paused_working_days)

    def resume(self, cal: WorkCalendar, today: dt.date, warn_days: int) -> tuple[WorkClock, int]:
        """Running again: the working days the pause lasted are added to the deadline. Returns (clock, days)."""
        if self.paused_on is None or self.deadline is None:
            return WorkClock(self.deadline, self.warn_at, None, self.paused_working_days), 0
        used = max(0, cal.working_days_between(self.paused_on, today))
        deadline = cal.add_working_days(self.deadline, used) if used else self.deadline
        return WorkClock(deadline, warn_point(cal, deadline, warn_days), None, self.paused_working_days + used), used

    def remaining(self, cal: WorkCalendar, today: dt.date) -> int | None:
        """Working days left (negative: overdue); while paused, what was left when the pause began."""
        return None if self.deadline is None else remaining(cal, self.paused_on or today, self.deadline)

    def light(self, cal: WorkCalendar, today: dt.date, warn_days: int) -> str | None:
        """green | yellow | red, or None when there is no deadline or the clock is paused."""
        return None if self.paused else light(cal, today, self.deadline, warn_days)


def clock_of(instance: Any) -> WorkClock:
    return WorkClock(instance.deadline, instance.warn_at, instance.paused_on, instance.paused_working_days or 0)


def set_clock(instance: Any, value: WorkClock) -> None:
    instance.deadline, instance.warn_at = value.deadline, value.warn_at
    instance.paused_on, instance.paused_working_days = value.paused_on, value.paused_working_days
