"""The supervision tick. The case lights (yellow and red: ``approaching``, ``overdue``, ``step_overdue``) are not
written by it: they are derived from the clock whenever they are read (supervision/lights.py). The tick does what
needs a record:

- cards (findings a supervisor closes): for each card rule one INSERT … SELECT raises the cards whose condition
  holds on a case that never had one (a card is raised once per case and rule);
- the branches of joint cases (supervision/branches.py) and 12345 work orders (supervision/hotline.py): their
  timeouts and lights, a few thousand rows at most;
- announcing the case lights that newly lit since the last tick's day (ALERT_RAISED, at most
  :data:`MAX_ANNOUNCED` per tick), found as ranges of due dates and step starts that crossed a threshold;
- recording the run with the open counts per level (the derived lights counted by index ranges, plus the stored
  alerts).

A partial unique index allows one open alert per case, subject and rule, so running the tick twice for the same
day changes nothing, and two workers ticking at once cannot raise a second copy (on PostgreSQL they also take
turns on an advisory lock). Cards an event shows at once (a correction asking beyond the guide) are raised by
:func:`raise_card`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, outbox
from yiwang.core.calendar import get_calendar
from yiwang.core.permissions import SYSTEM, Actor, Perm
from yiwang.supervision import branches as branch_supervision
from yiwang.supervision import events, lights, repository
from yiwang.supervision import hotline as hotline_supervision
from yiwang.supervision.lights import start_of
from yiwang.supervision.models import Alert, SupervisionRun
from yiwang.supervision.rules import (
    CONTENT,
    HOTLINE_RULES,
    EffectiveRule,
    default_rules,
    rule_for,
    rules,
)

__all__ = ["start_of"]  # scores and others compute local midnights with it

CARD_SWEEP = ("repeated_correction", "no_reason")  # the cards the tick looks for (beyond_guide: an event)


@dataclass
class TickResult:
    as_of: dt.date
    raised: int
    cleared: int
    open_by_level: dict[str, int]
    mode: str = "full"
    # raised: the cards and branch/hotline alerts raised, plus the case lights newly lit by the clock (those
    # counted up to MAX_ANNOUNCED: the console shows them all); cleared: the branch/hotline lights cleared (case
    # lights go out without a record)


def _conditions(session: Session, as_of: dt.date, rule_list: list[EffectiveRule]
                ) -> dict[str, tuple[ColumnElement[bool], Any]]:
    """For each card rule the tick sweeps: the condition it raises a card for and the card's level, as SQL over
    the case feed (the level is per item when an item or item-type rule sets its own). Each condition is an
    index range on the case table (a partial index per rule), so a full sweep does not read every case."""
    c = cases.supervision_feed().selected_columns
    out: dict[str, tuple[ColumnElement[bool], Any]] = {}

    def combine(code: str, make: Any) -> tuple[ColumnElement[bool], Any]:
        parts = []
        levels: list[tuple[ColumnElement[bool], Any]] = []
        default_level = literal(default_rules()[code].level.value)
        for item_filter, rule in lights.grouped(session, rule_list, code):
            if not rule.enabled:
                continue
            cond = make(rule)
            parts.append(cond if item_filter is None else and_(item_filter, cond))
            if item_filter is None:
                default_level = literal(rule.level)
            else:
                levels.append((item_filter, literal(rule.level)))
        level = case(*levels, else_=default_level) if levels else default_level
        return (or_(*parts) if parts else false()), level

    # ix_case_corrections: the few cases with a correction notice at all
    out["repeated_correction"] = combine("repeated_correction", lambda r: and_(
        c.correction_count > 0, c.correction_count >= max(1, int(r.params["limit"]))))
    # ix_case_refused: the refusals, by when they were closed or concluded
    out["no_reason"] = combine("no_reason", lambda r: and_(
        or_(c.status == "rejected", c.outcome == "denied"),
        func.coalesce(c.closed_at, c.concluded_at) >= start_of(as_of - dt.timedelta(days=int(r.params["lookback_days"]))),
        or_(c.outcome_reason.is_(None), func.length(func.trim(c.outcome_reason)) < int(r.params["min_chars"]))))
    return out


FULL_EVERY = dt.timedelta(hours=24)  # a full sweep at least daily, whatever the incremental ticks did
CHANGE_MARGIN = dt.timedelta(minutes=10)  # an action stamped before the last tick may commit after it


def _mode(session: Session, as_of: dt.date, now: dt.datetime, full: bool
          ) -> tuple[str, SupervisionRun | None, SupervisionRun | None]:
    """"full", or "incremental" with the previous run to continue from; and the last finished run either way."""
    last = repository.last_finished_run(session)
    if full or last is None or as_of < last.as_of or (as_of - last.as_of).days > 7:
        return "full", None, last
    last_full = repository.last_full_run_started(session)
    if last_full is None or now - last_full > FULL_EVERY:
        return "full", None, last
    rules_changed = repository.rules_changed_at(session)
    if rules_changed is not None and rules_changed >= last.started_at - CHANGE_MARGIN:
        return "full", None, last
    return "incremental", last, last


def tick(session: Session, actor: Actor = SYSTEM, *, as_of: dt.date | None = None, full: bool = False
         ) -> TickResult:
    """Supervise for ``as_of`` (today by default): raise the cards that hold and were never raised, run the
    branch and hotline passes, announce the case lights that newly lit since the last tick's day, and record
    the open counts. Idempotent; the caller commits.

    A full tick looks for cards on every case (each card rule an index range). An incremental one (the default
    when a full tick ran within a day, the rules have not changed and time only moved forward) looks only at
    the cases acted on since the last tick. Either way no case light is written: they are read from the clock."""
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_RULE_MANAGE)
    as_of = as_of or clock.today()
    if session.get_bind().dialect.name == "postgresql":
        # one tick at a time across workers; a second one waits, then finds nothing left to do
        session.execute(select(func.pg_advisory_xact_lock(7_301_001)))
    now = clock.now()
    cal = get_calendar(session)
    mode, last, previous = _mode(session, as_of, now, full)
    feed = cases.supervision_feed()
    c = feed.selected_columns
    # cards change only when a case does: an incremental tick looks at the cases acted on since the last one
    scope: ColumnElement[bool] | None = (c.last_action_at >= last.started_at - CHANGE_MARGIN) if last else None
    run = SupervisionRun(as_of=as_of, started_at=now, raised=0, cleared=0, counts={}, mode=mode)
    session.add(run)
    session.flush()
    types = catalog.item_type_feed().subquery()
    item_type = select(types.c.item_type).where(types.c.code == c.item_code).scalar_subquery()
    raised_rows: list[Any] = []
    cleared = 0
    rule_list = rules(session)
    for code, (condition, level) in _conditions(session, as_of, rule_list).items():
        # a card is a finding about a case, raised once ever (even after a supervisor closed it)
        already = exists(select(Alert.id).where(Alert.case_no == c.case_no, Alert.rule == code))
        source = select(c.case_no, c.item_code, item_type, c.department_id, c.region_code, literal(code),
                        level,
                        literal(CONTENT[code]), literal({"as_of": as_of.isoformat()}, type_=Alert.detail.type),
                        c.due, literal(now, type_=Alert.raised_at.type), literal(as_of, type_=Alert.raised_on.type),
                        literal("open")).where(condition, ~already)
        if scope is not None:
            source = source.where(scope)
        stmt = insert(Alert).from_select(
            ["case_no", "item_code", "item_type", "department_id", "region_code", "rule", "level", "content", "detail",
             "due", "raised_at", "raised_on", "status"], source).returning(
            Alert.id, Alert.case_no, Alert.department_id, Alert.level, Alert.rule)
        new_rows = list(session.execute(stmt))
        raised_rows += new_rows
        _analyze_if_big(session, len(new_rows))
    # 并联审批: time out overdue branches, then the branch lights (a handful of rows, every tick in full)
    in_force = {r.code: r for r in rule_list if r.scope == "default"}
    branch_pass = branch_supervision.run(
        session, cal, as_of, now, levels={code: r.level for code, r in in_force.items()}, contents=CONTENT,
        enabled={code: r.enabled for code, r in in_force.items()},
        warn_days=int(in_force["branch_approaching"].params["working_days"]),
        since=last.started_at - CHANGE_MARGIN if last is not None else None,
        before=last.as_of if last is not None else None)
    # 12345 work orders on their own clocks (a few thousand open orders: every tick in full)
    hotline_pass = hotline_supervision.run(
        session, cal, as_of, now, levels={code: r.level for code, r in in_force.items()}, contents=CONTENT,
        enabled={code: r.enabled for code, r in in_force.items()},
        warn_days=int(in_force["hotline_approaching"].params["working_days"]))
    for extra_pass in (branch_pass, hotline_pass):
        raised_rows += extra_pass.raised
        cleared += extra_pass.cleared
    # the case lights that lit since the last tick's day (the day before, for a first tick): announced
    since_day = previous.as_of if previous is not None and as_of - dt.timedelta(days=7) <= previous.as_of \
        else as_of - dt.timedelta(days=1)
    lit_rows = lights.crossed(session, since_day, as_of, limit=MAX_ANNOUNCED, rule_list=rule_list)
    _announce(session, raised_rows, lit_rows)
    counts = _open_counts(session, as_of, rule_list)
    lit = len(lit_rows)
    raised = len(raised_rows) + lit
    run.raised, run.cleared, run.counts, run.finished_at = raised, cleared, counts, clock.now()
    audit.record(session, actor, "supervision.tick", "supervision_run", run.id,
                 {"as_of": as_of.isoformat(), "mode": mode, "raised": raised, "cleared": cleared,
                  "lit": lit, "open": counts})
    return TickResult(as_of=as_of, raised=raised, cleared=cleared, open_by_level=counts, mode=mode)


def _open_counts(session: Session, as_of: dt.date, rule_list: list[EffectiveRule]) -> dict[str, int]:
    """Open per level: the lights lit on ``as_of`` (index range counts) and the stored alerts still open."""
    counts = repository.open_counts(session, SYSTEM)
    for level, n in lights.open_counts(session, true(), as_of, rule_list).items():
        counts[level] = counts.get(level, 0) + n
    return counts


BIG_CHANGE = 5000


def _analyze_if_big(session: Session, changed: int) -> None:
    """Refresh the planner's statistics after a large batch (a first sweep over a backlog), so the next
    statement's anti-join against open alerts is planned for the table's real size rather than its old one."""
    if changed >= BIG_CHANGE and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE supervision_alert"))


MAX_ANNOUNCED = 500  # per tick: beyond this (a first run over an old backlog) the console is the place to look


def _announce(session: Session, rows: Sequence[Any], lit: Sequence[Any]) -> None:
    """One outbox event per newly raised alert or newly lit case light (red first, at most MAX_ANNOUNCED), so
    the department's staff hear of it (notifications). A derived light has no alert id."""
    stored = [(r.level != "red", 0, r.id, r.case_no, r.department_id, r.level, r.rule) for r in rows]
    derived = [(level != "red", 1, None, case_no, department_id, level, rule)
               for case_no, department_id, level, rule in lit]
    outbox.emit_many(session, events.ALERT_RAISED, [events.AlertRaised(
        alert_id=alert_id, case_no=case_no, department_id=department_id, level=level, rule=rule,
        content=CONTENT.get(rule, rule), subject="hotline" if rule in HOTLINE_RULES else "").model_dump(mode="json")
        for _, _, alert_id, case_no, department_id, level, rule in sorted(
            stored + derived, key=lambda t: (t[0], t[1], t[2] or 0))[:MAX_ANNOUNCED]])


def raise_card(session: Session, *, case_no: str, rule: str, content: str, detail: dict[str, Any]) -> Alert | None:
    """Raise a card found by an event (a correction asking beyond the guide); None when one is open already."""
    case = cases.get_case(session, SYSTEM, case_no)
    found = rule_for(session, rule, case.item_code)
    if found is None or not found.enabled:
        return None
    if rule == "repeated_correction" and case.correction_count < max(1, int(found.params.get("limit", 2))):
        return None
    if repository.card_raised(session, case_no, rule):
        return None  # a card is raised once per case and rule, even after a supervisor closed it
    now = clock.now()
    alert = Alert(case_no=case_no, item_code=case.item_code,
                  item_type=catalog.item_types(session, [case.item_code]).get(case.item_code),
                  department_id=case.department_id, region_code=case.region_code, rule=rule,
                  level=found.level, content=content, detail=detail, due=case.due,
                  raised_at=now, raised_on=clock.today(), status="open")
    session.add(alert)
    session.flush()
    audit.record(session, SYSTEM, "supervision.card", "supervision_alert", alert.id, {"case_no": case_no, "rule": rule})
    outbox.emit(session, events.ALERT_RAISED, events.AlertRaised(
        alert_id=alert.id, case_no=case_no, department_id=alert.department_id, level=alert.level, rule=rule,
        content=content).model_dump(mode="json"))
    return alert
