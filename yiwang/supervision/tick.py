"""The supervision tick, set-based: for each rule one INSERT … SELECT raises the alerts whose condition now holds
and has no open alert yet, and (for lights) one UPDATE clears open alerts whose condition no longer holds. A
partial unique index allows one open alert per case and rule, so running the tick twice for the same day changes
nothing, and two workers ticking at once cannot raise a second copy. Lights clear themselves when the condition
ends (the case is handled, suspended, or concluded); cards are findings and stay until a supervisor closes them.

Cards an event shows at once (a correction asking beyond the guide) are raised by :func:`raise_card`.
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
    update,
)
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import audit, clock, outbox
from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.permissions import SYSTEM, Actor, Perm
from yiwang.supervision import branches as branch_supervision
from yiwang.supervision import events, repository
from yiwang.supervision import hotline as hotline_supervision
from yiwang.supervision.models import Alert, SupervisionRun
from yiwang.supervision.rules import (
    CONTENT,
    LIGHT_RULES,
    STEP_NAMES,
    EffectiveRule,
    Level,
    default_rules,
    rule_for,
    rules,
)


@dataclass
class TickResult:
    as_of: dt.date
    raised: int
    cleared: int
    open_by_level: dict[str, int]
    mode: str = "full"


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of a local day, in UTC (to compare with stored timestamps)."""
    return clock.as_utc(dt.datetime.combine(day, dt.time(), tzinfo=clock.LOCAL_TZ))


def _grouped(session: Session, rule_list: list[EffectiveRule], code: str
             ) -> list[tuple[ColumnElement[bool] | None, EffectiveRule]]:
    """(item filter, rule) pairs for one rule code: the most specific rule for each item. The filter is
    None for the default, which applies to every item no scoped rule names."""
    scoped = [r for r in rule_list if r.code == code and r.scope != "default"]
    default = next(r for r in rule_list if r.code == code and r.scope == "default")
    feed = cases.supervision_feed().selected_columns
    groups: list[tuple[ColumnElement[bool] | None, EffectiveRule]] = []
    item_rules = {r.scope_value: r for r in scoped if r.scope == "item"}
    type_rules = {r.scope_value: r for r in scoped if r.scope == "item_type"}
    named: set[str] = set(item_rules)
    if type_rules:
        by_type: dict[str, list[str]] = {}
        for item_code, item_type in catalog.item_types(session).items():
            if item_type in type_rules and item_code not in item_rules:
                by_type.setdefault(item_type, []).append(item_code)
        for item_type, codes in by_type.items():
            groups.append((feed.item_code.in_(codes), type_rules[item_type]))
            named.update(codes)
    for item_code, rule in item_rules.items():
        groups.append((feed.item_code == item_code, rule))
    groups.append((feed.item_code.notin_(sorted(named)) if named else None, default))
    return groups


def _conditions(session: Session, cal: WorkCalendar, as_of: dt.date) -> dict[str, tuple[ColumnElement[bool], Any]]:
    """For each rule code: the condition it raises an alert for and the level it raises, as SQL over the case
    feed (the level is per item when an item or item-type rule sets its own)."""
    rule_list = rules(session)
    c = cases.supervision_feed().selected_columns
    out: dict[str, tuple[ColumnElement[bool], Any]] = {}

    def combine(code: str, make: Any) -> tuple[ColumnElement[bool], Any]:
        parts = []
        levels: list[tuple[ColumnElement[bool], Any]] = []
        default_level = literal(default_rules()[code].level.value)
        for item_filter, rule in _grouped(session, rule_list, code):
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

    # yellow: today <= due < the (N+1)-th working day after today, i.e. at most N working days left
    out["approaching"] = combine("approaching", lambda r: and_(
        c.due >= as_of, c.due < cal.add_working_days(as_of, int(r.params["working_days"]) + 1)))
    out["overdue"] = combine("overdue", lambda r: c.due < as_of)

    def step_late(r: EffectiveRule) -> ColumnElement[bool]:
        parts = []
        for step in STEP_NAMES:
            limit = int(r.params.get(step, 0))
            if limit <= 0:
                continue
            last_start = _latest_start_past_limit(cal, as_of, limit)
            parts.append(and_(c.review_step == step, c.last_action_at < start_of(last_start + dt.timedelta(days=1))))
        return and_(c.status.in_(("accepted", "in_review")), c.due.is_not(None), or_(*parts)) if parts else false()

    out["step_overdue"] = combine("step_overdue", step_late)
    out["repeated_correction"] = combine("repeated_correction",
                                         lambda r: c.correction_count >= max(1, int(r.params["limit"])))
    out["no_reason"] = combine("no_reason", lambda r: and_(
        or_(c.status == "rejected", c.outcome == "denied"),
        c.closed_at.is_not(None) | c.concluded_at.is_not(None),
        func.coalesce(c.closed_at, c.concluded_at) >= start_of(as_of - dt.timedelta(days=int(r.params["lookback_days"]))),
        or_(c.outcome_reason.is_(None), func.length(func.trim(c.outcome_reason)) < int(r.params["min_chars"]))))
    return out


def _latest_start_past_limit(cal: WorkCalendar, as_of: dt.date, limit: int) -> dt.date:
    """The latest day a step could have started and be past a limit of ``limit`` working days on ``as_of``."""
    day = as_of - dt.timedelta(days=1)
    while cal.add_working_days(day, limit) >= as_of:
        day -= dt.timedelta(days=1)
    return day




FULL_EVERY = dt.timedelta(hours=24)  # a full sweep at least daily, whatever the incremental ticks did
CHANGE_MARGIN = dt.timedelta(minutes=10)  # an action stamped before the last tick may commit after it


def _mode(session: Session, as_of: dt.date, now: dt.datetime, full: bool) -> tuple[str, SupervisionRun | None]:
    """"full", or "incremental" with the previous run to continue from."""
    last = repository.last_finished_run(session)
    if full or last is None or as_of < last.as_of or (as_of - last.as_of).days > 7:
        return "full", None
    last_full = repository.last_full_run_started(session)
    if last_full is None or now - last_full > FULL_EVERY:
        return "full", None
    rules_changed = repository.rules_changed_at(session)
    if rules_changed is not None and rules_changed >= last.started_at - CHANGE_MARGIN:
        return "full", None
    return "incremental", last


def _candidates(session: Session, cal: WorkCalendar, last: SupervisionRun, as_of: dt.date) -> ColumnElement[bool]:
    """The cases whose alerts may differ from the last run's: those acted on since (with a margin), and those
    whose dates crossed a rule's threshold between the two days."""
    c = cases.supervision_feed().selected_columns
    parts: list[ColumnElement[bool]] = [c.last_action_at >= last.started_at - CHANGE_MARGIN]
    before = last.as_of
    if as_of > before:
        parts.append(and_(c.due >= before, c.due < as_of))  # newly past due (and so no longer "approaching")
        rule_list = [r for r in rules(session) if r.enabled]
        for n in {int(r.params["working_days"]) for r in rule_list if r.code == "approaching"}:
            parts.append(and_(c.due >= cal.add_working_days(before, n + 1), c.due < cal.add_working_days(as_of, n + 1)))
        limits = {int(v) for r in rule_list if r.code == "step_overdue" for k, v in r.params.items() if int(v) > 0}
        for limit in limits:
            lo = start_of(_latest_start_past_limit(cal, before, limit) + dt.timedelta(days=1))
            hi = start_of(_latest_start_past_limit(cal, as_of, limit) + dt.timedelta(days=1))
            parts.append(and_(c.last_action_at >= lo, c.last_action_at < hi))
    return or_(*parts)


def tick(session: Session, actor: Actor = SYSTEM, *, as_of: dt.date | None = None, full: bool = False
         ) -> TickResult:
    """Evaluate the cases against the rules for ``as_of`` (today by default): raise what holds and is not raised
    yet, clear lights that no longer hold. Idempotent; the caller commits.

    A full tick looks at every case. An incremental one (the default when a full tick ran within a day, the
    rules have not changed and time only moved forward) looks only at the cases acted on since the last tick
    and those whose dates crossed a threshold since — a few thousand rows on a busy day instead of a million."""
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_RULE_MANAGE)
    as_of = as_of or clock.today()
    if session.get_bind().dialect.name == "postgresql":
        # one tick at a time across workers; a second one waits, then finds nothing left to do
        session.execute(select(func.pg_advisory_xact_lock(7_301_001)))
    now = clock.now()
    cal = get_calendar(session)
    mode, last = _mode(session, as_of, now, full)
    conditions = _conditions(session, cal, as_of)
    feed = cases.supervision_feed()
    c = feed.selected_columns
    scope: ColumnElement[bool] | None = _candidates(session, cal, last, as_of) if last is not None else None
    run = SupervisionRun(as_of=as_of, started_at=now, raised=0, cleared=0, counts={}, mode=mode)
    session.add(run)
    session.flush()
    types = catalog.item_type_feed().subquery()
    item_type = select(types.c.item_type).where(types.c.code == c.item_code).scalar_subquery()
    raised_rows: list[Any] = []
    cleared = 0
    delta: dict[str, int] = {}
    for code, (condition, level) in conditions.items():
        # clear first (lights only), so a case that moved from yellow to red ends one alert and starts another
        if code in LIGHT_RULES:
            if scope is None:
                ended = ~exists(feed.where(c.case_no == Alert.case_no, condition))
            else:  # only candidates can have changed: look them up, not every open alert (a stopped clock
                # makes the condition NULL, not false: it ends the light too)
                ended = Alert.case_no.in_(select(c.case_no).where(scope, ~func.coalesce(condition, false())))
            ended_levels = session.scalars(
                update(Alert).where(Alert.status == "open", Alert.rule == code, ended)
                .values(status="cleared", cleared_at=now, result="条件已解除（办件已处理、暂停或办结）")
                .returning(Alert.level).execution_options(synchronize_session=False)).all()
            cleared += len(ended_levels)
            for ended_level in ended_levels:
                delta[ended_level] = delta.get(ended_level, 0) - 1
            _analyze_if_big(session, len(ended_levels))
        # a light is raised again after it cleared; a card is a finding about a case, raised once ever
        already = exists(select(Alert.id).where(Alert.case_no == c.case_no, Alert.rule == code,
                                                *([Alert.status == "open"] if code in LIGHT_RULES else [])))
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
        for r in new_rows:
            delta[r.level] = delta.get(r.level, 0) + 1
        _analyze_if_big(session, len(new_rows))
    # 并联审批: time out overdue branches, then the branch lights (a handful of rows, every tick in full)
    in_force = {r.code: r for r in rules(session) if r.scope == "default"}
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
        for level_code, n in extra_pass.delta.items():
            delta[level_code] = delta.get(level_code, 0) + n
    _announce(session, raised_rows)
    if last is not None and last.counts:
        # lights change only here: carry them forward (counting a million open alerts is not free); cards are
        # also raised and closed between ticks, and are few: count them
        counts = {k.value: int(last.counts.get(k.value, 0)) + delta.get(k.value, 0) for k in (Level.YELLOW, Level.RED)}
        cards = session.execute(select(Alert.level, func.count()).where(
            Alert.status == "open", Alert.level.in_((Level.YELLOW_CARD, Level.RED_CARD))).group_by(Alert.level)).all()
        counts |= {Level.YELLOW_CARD.value: 0, Level.RED_CARD.value: 0} | {lv: int(n) for lv, n in cards}
    else:
        counts = repository.open_counts(session, SYSTEM)
    run.raised, run.cleared, run.counts, run.finished_at = len(raised_rows), cleared, counts, clock.now()
    audit.record(session, actor, "supervision.tick", "supervision_run", run.id,
                 {"as_of": as_of.isoformat(), "mode": mode, "raised": len(raised_rows), "cleared": cleared,
                  "open": counts})
    return TickResult(as_of=as_of, raised=len(raised_rows), cleared=cleared, open_by_level=counts, mode=mode)


BIG_CHANGE = 5000


def _analyze_if_big(session: Session, changed: int) -> None:
    """Refresh the planner's statistics after a large batch (a first sweep over a backlog), so the next
    statement's anti-join against open alerts is planned for the table's real size rather than its old one."""
    if changed >= BIG_CHANGE and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE supervision_alert"))


MAX_ANNOUNCED = 500  # per tick: beyond this (a first run over an old backlog) the console is the place to look


def _announce(session: Session, rows: Sequence[Any]) -> None:
    """One outbox event per newly raised alert, so the department's staff hear of it (notifications)."""
    for r in sorted(rows, key=lambda r: (r.level != "red", r.id))[:MAX_ANNOUNCED]:
        outbox.emit(session, events.ALERT_RAISED, events.AlertRaised(
            alert_id=r.id, case_no=r.case_no, department_id=r.department_id, level=r.level, rule=r.rule,
            content=CONTENT.get(r.rule, r.rule)).model_dump(mode="json"))


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
