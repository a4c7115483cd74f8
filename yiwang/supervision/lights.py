"""The case lights, derived from the clock when they are read: nothing stores them.

A case's yellow and red lights (``approaching``, ``overdue``, ``step_overdue``) are functions of the case's
running clock and of today: a light is lit while its condition holds and goes out by itself when the case is
handled, suspended or concluded. Storing them meant writing a row for every case that crossed a threshold (a
quarter of a million a day over a million open cases) and clearing it again; instead every read evaluates the
rules over the case feed (``cases.supervision_feed``) for :func:`clock.today`, with the same conditions the tick
used to raise them.

The rules become :class:`Part` s: one per rule, item scope (the most specific rule for each item, its own level)
and, for step limits, review step. Each part is a conjunction of index ranges on ``due`` or on ``last_action_on``
(the local day the current step began, a column the database generates from ``last_action_at``; see the indexes
in cases/models.py), so counting, grouping and paging a part stays an index range scan. A light has no id; it is named by its rule and case number (:func:`key`). The day it was "raised"
is computed from the same dates (:meth:`Part.raised_on`): overdue the day after its due date, approaching the
first day the working days left fell to the rule's N, step overdue the first day the step was past its limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core import clock
from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.permissions import SYSTEM, Actor, Perm, scope_clause
from yiwang.supervision.rules import STEP_NAMES, EffectiveRule, rules

CASE_LIGHTS = ("approaching", "overdue", "step_overdue")  # derived when read, never stored
RUNNING = ("accepted", "in_review")  # the statuses a review step's clock runs in


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of a local day, in UTC (to compare with stored timestamps)."""
    return clock.as_utc(dt.datetime.combine(day, dt.time(), tzinfo=clock.LOCAL_TZ))


def latest_start_past_limit(cal: WorkCalendar, as_of: dt.date, limit: int) -> dt.date:
    """The latest day a step could have started and be past a limit of ``limit`` working days on ``as_of``."""
    day = as_of - dt.timedelta(days=1)
    while cal.add_working_days(day, limit) >= as_of:
        day -= dt.timedelta(days=1)
    return day


def feed_columns() -> Any:
    return cases.supervision_feed().selected_columns


def grouped(session: Session, rule_list: list[EffectiveRule], code: str
            ) -> list[tuple[ColumnElement[bool] | None, EffectiveRule]]:
    """(item filter, rule) pairs for one rule code: the most specific rule for each item. The filter is
    None for the default, which applies to every item no scoped rule names."""
    scoped = [r for r in rule_list if r.code == code and r.scope != "default"]
    default = next(r for r in rule_list if r.code == code and r.scope == "default")
    c = feed_columns()
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
            groups.append((c.item_code.in_(codes), type_rules[item_type]))
            named.update(codes)
    for item_code, rule in item_rules.items():
        groups.append((c.item_code == item_code, rule))
    groups.append((c.item_code.notin_(sorted(named)) if named else None, default))
    return groups


@dataclass(frozen=True, eq=False)  # (its item filter is SQL: comparing two would build an expression)
class Part:
    """One lit condition: a rule for a group of items (and a review step), at one level."""

    rule: str
    level: str
    items: ColumnElement[bool] | None  # None: every item no scoped rule names
    param: int  # approaching: N working days; step_overdue: the step's limit; overdue: 0
    step: str = ""

    @property
    def by_due(self) -> bool:
        return self.rule != "step_overdue"

    def key_column(self) -> Any:
        """The date the part's ranges are on: the due date, or the local day the step began (its last action)."""
        c = feed_columns()
        return c.due if self.by_due else c.last_action_on

    def lit_on(self, cal: WorkCalendar, day: dt.date) -> ColumnElement[bool]:
        """The condition of the light on ``day`` (NULL, so not lit, while the clock is stopped)."""
        c = feed_columns()
        if self.rule == "overdue":
            cond = c.due < day
        elif self.rule == "approaching":  # day <= due < the (N+1)-th working day after it: at most N left
            cond = and_(c.due >= day, c.due < cal.add_working_days(day, self.param + 1))
        else:
            cond = and_(c.status.in_(RUNNING), c.due.is_not(None), c.review_step == self.step,
                        c.last_action_on <= latest_start_past_limit(cal, day, self.param))
        return cond if self.items is None else and_(self.items, cond)

    def lit_by(self, cal: WorkCalendar, day: dt.date) -> ColumnElement[bool]:
        """Lit on ``day`` or earlier for the same key (with the case as it is now): the key's range."""
        c = feed_columns()
        if self.rule == "overdue":
            return c.due < day
        if self.rule == "approaching":
            return c.due < cal.add_working_days(day, self.param + 1)
        return c.last_action_on <= latest_start_past_limit(cal, day, self.param)

    def raised_on(self, cal: WorkCalendar, key: Any) -> dt.date:
        """The first day this light was lit, from its key (a due date, or the local day the step began)."""
        day = dt.date.fromisoformat(str(key)[:10])
        if self.rule == "overdue":
            return day + dt.timedelta(days=1)
        if self.rule == "approaching":
            return _first_yellow_day(cal, day, self.param)
        return cal.add_working_days(day, self.param) + dt.timedelta(days=1)


@lru_cache(maxsize=4096)
def _first_yellow_day(cal: WorkCalendar, due: dt.date, n: int) -> dt.date:
    """The first day a due date was within ``n`` working days (lists show it as the day the light lit)."""
    day = due
    while cal.add_working_days(day - dt.timedelta(days=1), n + 1) > due:
        day -= dt.timedelta(days=1)
    return day


def parts(session: Session, *, rule: str | None = None, level: str | None = None,
          rule_list: list[EffectiveRule] | None = None) -> list[Part]:
    """The lit conditions in force, most severe first (red before yellow; overdue, approaching, step)."""
    rule_list = rule_list if rule_list is not None else rules(session)
    out: list[Part] = []
    for code in CASE_LIGHTS:
        if rule is not None and code != rule:
            continue
        for items, r in grouped(session, rule_list, code):
            if not r.enabled or (level is not None and r.level != level):
                continue
            if code == "step_overdue":
                out += [Part(code, r.level, items, int(r.params.get(step, 0)), step)
                        for step in STEP_NAMES if int(r.params.get(step, 0)) > 0]
            else:
                out.append(Part(code, r.level, items, int(r.params.get("working_days", 0))))
    return sorted(out, key=lambda p: (p.level != "red", CASE_LIGHTS.index(p.rule)))


def light_scope(actor: Actor) -> ColumnElement[bool]:
    """The cases ``actor`` sees lights of: their department's, or their region subtree's (as for alerts)."""
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_READ)
    c = feed_columns()
    return scope_clause(actor, department_col=c.department_id, region_col=c.region_code)


def key(rule: str, case_no: str) -> str:
    """A derived light's identity in lists (it has no id): its rule and case."""
    return f"{rule}:{case_no}"


# --- reads ----------------------------------------------------------------------------------------------------

def _per_part(session: Session, selected: list[Part], make: Callable[[int, Part], Any]) -> list[Any]:
    """Run one statement per part as a single UNION ALL (one round trip), each row tagged with its part."""
    if not selected:
        return []
    stmts: list[Any] = [make(i, p) for i, p in enumerate(selected)]
    combine: Any = union_all  # (typed loosely: mypy cannot expand union_all's variadic signature)
    return list(session.execute(combine(*stmts) if len(stmts) > 1 else stmts[0]))


def counts_by_part(session: Session, selected: list[Part],
                   where: Callable[[Part], list[ColumnElement[bool]]]) -> list[int]:
    """How many cases match ``where(part)``, for each part."""
    rows = _per_part(session, selected, lambda i, p: select(literal(i).label("part"), func.count().label("n"))
                     .where(*where(p)))
    out = [0] * len(selected)
    for i, n in rows:
        out[int(i)] = int(n)
    return out


def open_counts(session: Session, scope: ColumnElement[bool], day: dt.date | None = None,
                rule_list: list[EffectiveRule] | None = None) -> dict[str, int]:
    """Lit lights per level within ``scope`` (a case lit by two rules counts under both, as alerts did)."""
    cal = get_calendar(session)
    day = day or clock.today()
    selected = parts(session, rule_list=rule_list)
    out: dict[str, int] = {}
    for p, n in zip(selected, counts_by_part(session, selected, lambda p: [p.lit_on(cal, day), scope]), strict=True):
        out[p.level] = out.get(p.level, 0) + n
    return out


def by_department(session: Session, scope: ColumnElement[bool]) -> list[tuple[int, str, int, dt.date]]:
    """(department id, level, lights, the first day the oldest was lit) rows."""
    cal = get_calendar(session)
    today = clock.today()
    selected = parts(session)
    c = feed_columns()
    rows = _per_part(session, selected, lambda i, p: select(
        literal(i).label("part"), c.department_id, func.count().label("n"), func.min(p.key_column()).label("k"))
        .where(p.lit_on(cal, today), scope).group_by(c.department_id))
    return [(int(dept), selected[int(i)].level, int(n), selected[int(i)].raised_on(cal, k))
            for i, dept, n, k in rows]


def raised_between(session: Session, scope: ColumnElement[bool], first: dt.date, following: dt.date
                   ) -> list[tuple[int, str, int]]:
    """(department id, level, lights) rows: the lights lit now that were first lit from ``first`` up to
    ``following`` (a light that went out again is not remembered: it was never stored)."""
    cal = get_calendar(session)
    today = clock.today()
    if first > today:
        return []
    selected = parts(session)
    c = feed_columns()
    # a light lit now was first lit by today at the latest: a month still running ends today (and no working
    # day past it is asked of the calendar, whose next year may not be published yet)
    last = min(following - dt.timedelta(days=1), today)
    rows = _per_part(session, selected, lambda i, p: select(
        literal(i).label("part"), c.department_id, func.count().label("n"))
        .where(p.lit_on(cal, today), scope, p.lit_by(cal, last), ~p.lit_by(cal, first - dt.timedelta(days=1)))
        .group_by(c.department_id))
    return [(int(dept), selected[int(i)].level, int(n)) for i, dept, n in rows]


@dataclass
class Light:
    """A derived light as lists show it: like a stored alert, without an id."""

    case_no: str
    item_code: str
    item_type: str | None
    department_id: int
    region_code: str
    rule: str
    level: str
    content: str
    due: dt.date | None
    raised_on: dt.date
    raised_at: dt.datetime
    id: int | None = None
    status: str = "open"
    cleared_at: dt.datetime | None = None
    result: str | None = None
    subject: str = ""
    detail: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return key(self.rule, self.case_no)


def page(session: Session, selected: list[Part], where: Sequence[ColumnElement[bool]], *, min_age_days: int | None,
         limit: int, offset: int, contents: dict[str, str]) -> tuple[int, list[Light]]:
    """Lights lit today within ``where``, part by part (red first, then yellow) and in each the longest lit
    first; the total and the rows from ``offset``."""
    cal = get_calendar(session)
    today = clock.today()

    def extra(p: Part) -> list[ColumnElement[bool]]:  # first lit at least ``min_age_days`` ago
        return [p.lit_by(cal, today - dt.timedelta(days=min_age_days))] if min_age_days else []

    counts = counts_by_part(session, selected, lambda p: [p.lit_on(cal, today), *where, *extra(p)])
    total = sum(counts)
    c = feed_columns()
    out: list[Light] = []
    skip = offset
    for p, n in zip(selected, counts, strict=True):
        if len(out) >= limit:
            break
        if skip >= n:
            skip -= n
            continue
        k = p.key_column()
        rows = session.execute(select(c.case_no, c.item_code, c.department_id, c.region_code, c.due, k.label("k"),
                                      c.submitted_at)
                               .where(p.lit_on(cal, today), *where, *extra(p)).order_by(k, c.id)
                               .limit(limit - len(out)).offset(skip)).all()
        skip = 0
        for r in rows:
            # a case filed already inside the warning days lit when it was filed, not on the day the clock
            # would have crossed the threshold
            raised = max(p.raised_on(cal, r.k), clock.to_local(r.submitted_at).date())
            out.append(Light(case_no=r.case_no, item_code=r.item_code, item_type=None, department_id=r.department_id,
                             region_code=r.region_code, rule=p.rule, level=p.level, content=contents[p.rule],
                             due=r.due, raised_on=raised, raised_at=start_of(raised)))
    types = catalog.item_types(session, {light.item_code for light in out})
    for light in out:
        light.item_type = types.get(light.item_code)
    return total, out


def lit_case(session: Session, case_no: str, day: dt.date | None = None) -> dict[str, str]:
    """Rule → level of the lights lit on one case (the case page, tests)."""
    cal = get_calendar(session)
    day = day or clock.today()
    selected = parts(session)
    c = feed_columns()
    rows = _per_part(session, selected, lambda i, p: select(literal(i).label("part"))
                     .where(c.case_no == case_no, p.lit_on(cal, day)))
    return {selected[int(i)].rule: selected[int(i)].level for (i,) in rows}


# --- crossings: what the tick announces ---------------------------------------------------------------------

def crossed(session: Session, before: dt.date, day: dt.date, *, limit: int,
            rule_list: list[EffectiveRule] | None = None) -> list[tuple[str, int, str, str]]:
    """Up to ``limit`` of the lights lit on ``day`` that were not lit on ``before`` by the clock alone (the
    case otherwise as it is now), red first: (case_no, department_id, level, rule). Each part's crossing is a
    range of its key between the two days, read in the key's index order and cut at ``limit`` (one statement
    for all parts; which of the cases sharing a date come first does not matter here)."""
    if before >= day or limit <= 0:
        return []
    cal = get_calendar(session)
    selected = parts(session, rule_list=rule_list)
    c = feed_columns()

    def newly(p: Part) -> list[ColumnElement[bool]]:
        if p.rule == "approaching":
            return [p.lit_on(cal, day), c.due >= cal.add_working_days(before, p.param + 1)]
        return [p.lit_on(cal, day), ~p.lit_by(cal, before)]

    rows = _per_part(session, selected, lambda i, p: select(literal(i).label("part"), c.case_no, c.department_id)
                     .where(*newly(p)).order_by(p.key_column()).limit(limit).subquery().select())
    ordered = sorted(rows, key=lambda r: int(r.part))[:limit]
    return [(r.case_no, int(r.department_id), selected[int(r.part)].level, selected[int(r.part)].rule)
            for r in ordered]


# --- the operations screen ----------------------------------------------------------------------------------

def worst_by_case(session: Session, where: Sequence[ColumnElement[bool]], case_nos: Iterable[str] | None = None
                  ) -> tuple[dict[int, int], dict[str, int]]:
    """Cases by their worst light today (2 red, 1 yellow) within ``where``: the number per worst level, and
    (for ``case_nos``) each named case's worst (0 when unlit)."""
    cal = get_calendar(session)
    today = clock.today()
    selected = [p for p in parts(session) if p.level in ("red", "yellow")]
    c = feed_columns()
    reds = [p.lit_on(cal, today) for p in selected if p.level == "red"]
    yellows = [p.lit_on(cal, today) for p in selected if p.level == "yellow"]
    red = func.coalesce(or_(*reds), false()) if reds else false()
    yellow = func.coalesce(or_(*yellows), false()) if yellows else false()
    counts = {2: 0, 1: 0}
    if reds:
        counts[2] = int(session.scalar(select(func.count()).where(or_(*reds), *where)) or 0)
    if yellows:
        counts[1] = int(session.scalar(select(func.count()).where(or_(*yellows), ~red, *where)) or 0)
    named: dict[str, int] = {}
    wanted = sorted(set(case_nos or ()))
    if wanted and (reds or yellows):
        worst = case((red, 2), (yellow, 1), else_=0)
        for i in range(0, len(wanted), 1000):
            named.update({str(no): int(w) for no, w in session.execute(
                select(c.case_no, worst).where(c.case_no.in_(wanted[i:i + 1000])))})
    return counts, named
