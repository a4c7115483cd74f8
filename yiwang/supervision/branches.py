"""Supervision of the branches of joint cases (并联审批): each branch has its own clock, so its own lights.

Part of the tick. First the case domain applies each overdue branch's timeout rule (超时默认同意, or escalation);
an escalated branch gets a red card, a deemed consent a yellow card (both findings, kept until a supervisor
closes them). Then the lights: a yellow light while a branch's opinion is due within the warning days, red once
its deadline has passed, each on the alert's subject "branch:<department id>" and in the branch department's
name and region, so that department's people and supervisors see it. Lights clear themselves when the branch
answers, the case is suspended or decided. Set-based like the case lights: one INSERT … SELECT to raise and one
UPDATE to clear per rule, over the few running branch clocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.core import audit
from yiwang.core.calendar import WorkCalendar
from yiwang.core.permissions import SYSTEM
from yiwang.supervision.models import Alert

BRANCH_LIGHTS = ("branch_approaching", "branch_overdue")
BRANCH_CARDS = ("branch_escalated", "branch_deemed_consent")
BIG_CHANGE = 5000


@dataclass
class BranchPass:
    raised: list[Any] = field(default_factory=list)  # rows (id, case_no, department_id, level, rule)
    delta: dict[str, int] = field(default_factory=dict)  # change in open alerts per level
    cleared: int = 0


def _conditions(c: Any, cal: WorkCalendar, as_of: dt.date, warn_days: int) -> dict[str, ColumnElement[bool]]:
    return {"branch_approaching": and_(c.due >= as_of, c.due < cal.add_working_days(as_of, warn_days + 1)),
            "branch_overdue": c.due < as_of}


def run(session: Session, cal: WorkCalendar, as_of: dt.date, now: dt.datetime, *,
        levels: dict[str, str], contents: dict[str, str], enabled: dict[str, bool], warn_days: int,
        since: dt.datetime | None = None, before: dt.date | None = None) -> BranchPass:
    """Time out overdue branches, then raise and clear the branch lights, for ``as_of``. With ``since`` and
    ``before`` (an incremental tick: the last tick's start, with a margin, and its day) only the joint cases
    acted on since, or whose branch deadlines crossed a threshold since, are looked at."""
    out = BranchPass()
    timeouts = cases.time_out_branches(session, as_of)
    for timeout in timeouts:
        rule = "branch_escalated" if timeout.status == "escalated" else "branch_deemed_consent"
        if not enabled.get(rule, True):
            continue
        subject = f"branch:{timeout.department_id}"
        if session.scalar(select(Alert.id).where(Alert.case_no == timeout.case_no, Alert.rule == rule,
                                                 Alert.subject == subject, Alert.status == "open")) is not None:
            continue  # timed out again (asked again after a correction) while its card is still open
        alert = Alert(case_no=timeout.case_no, item_code=timeout.item_code, item_type=None,
                      department_id=timeout.department_id, region_code=timeout.region_code, rule=rule,
                      level=levels[rule], content=contents[rule],
                      detail={"as_of": as_of.isoformat(), "deadline": timeout.deadline.isoformat()},
                      due=timeout.deadline, raised_at=now, raised_on=as_of, status="open", subject=subject)
        session.add(alert)
        session.flush()
        audit.record(session, SYSTEM, "supervision.card", "supervision_alert", alert.id,
                     {"case_no": timeout.case_no, "rule": rule, "department_id": timeout.department_id})
        out.raised.append(alert)
        out.delta[alert.level] = out.delta.get(alert.level, 0) + 1
    touched: set[str] | None = None
    if since is not None and before is not None:
        windows = [(before, as_of),  # newly past due
                   (cal.add_working_days(before, warn_days + 1), cal.add_working_days(as_of, warn_days + 1))]
        touched = cases.branch_cases_touched(session, since=since, windows=windows)
        if touched is not None:
            touched |= {t.case_no for t in timeouts}
            if not touched:
                return out  # nothing moved since the last tick: no statement over the branches at all
    # the feed narrows itself (open branches of cases under review): read it as a subquery, so its own
    # conditions hold in every statement below
    feed = cases.branch_supervision_feed().subquery("branch_feed")
    c = feed.c
    for rule, condition in _conditions(c, cal, as_of, warn_days).items():
        if not enabled.get(rule, True):
            condition = false()
        # an alert names its branch by case number and department (indexed on both sides)
        holds = select(c.case_no).where(c.case_no == Alert.case_no, c.department_id == Alert.department_id,
                                        condition)
        clear = [Alert.status == "open", Alert.subject != "", Alert.rule == rule, ~exists(holds)]
        if touched is not None:
            clear.append(Alert.case_no.in_(sorted(touched)))
        ended_levels = session.scalars(
            update(Alert).where(*clear)
            .values(status="cleared", cleared_at=now, result="条件已解除（并联部门已出具意见、办件暂停或已办结）")
            .returning(Alert.level).execution_options(synchronize_session=False)).all()
        out.cleared += len(ended_levels)
        for level in ended_levels:
            out.delta[level] = out.delta.get(level, 0) - 1
        already = exists(select(Alert.id).where(Alert.case_no == c.case_no, Alert.rule == rule,
                                                Alert.subject == c.subject, Alert.status == "open"))
        source = select(c.case_no, c.item_code, literal(None, type_=Alert.item_type.type), c.department_id,
                        c.region_code, literal(rule), literal(levels[rule]), literal(contents[rule]),
                        literal({"as_of": as_of.isoformat()}, type_=Alert.detail.type), c.due,
                        literal(now, type_=Alert.raised_at.type), literal(as_of, type_=Alert.raised_on.type),
                        literal("open"), c.subject).where(condition, ~already)
        if touched is not None:
            source = source.where(c.case_no.in_(sorted(touched)))
        rows = list(session.execute(insert(Alert).from_select(
            ["case_no", "item_code", "item_type", "department_id", "region_code", "rule", "level", "content",
             "detail", "due", "raised_at", "raised_on", "status", "subject"], source).returning(
            Alert.id, Alert.case_no, Alert.department_id, Alert.level, Alert.rule)))
        out.raised += rows
        for r in rows:
            out.delta[r.level] = out.delta.get(r.level, 0) + 1
        if len(rows) + len(ended_levels) >= BIG_CHANGE and session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE supervision_alert"))  # a first sweep: plan the next statement for it
    return out


def open_branch_alerts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Alert).where(
        Alert.status == "open", Alert.rule.in_(BRANCH_LIGHTS + BRANCH_CARDS))) or 0
