"""Supervision of 12345 work orders: each order's clock lights like a case's.

Part of the tick. A yellow light while the answer is due within the warning days, red once the deadline has passed
(both while the unit holds the order: dispatched or in progress), and a yellow light when the unit has not signed
for it by the sign-for node's day. Alerts are kept under the order's number with the subject "hotline", in the
unit's name and the order's region, so the unit's liaisons and the region's supervisors see them; they clear
themselves when the condition ends, or when the order goes to another unit (the old unit's light ends). Set-based: one UPDATE
to clear and one INSERT … SELECT to raise per rule, over the open orders (a few thousand at most).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from yiwang.core.calendar import WorkCalendar
from yiwang.hotline import service as hotline
from yiwang.supervision.branches import BranchPass
from yiwang.supervision.models import Alert

SUBJECT = "hotline"
ITEM = "12345"
RULES = ("hotline_approaching", "hotline_overdue", "hotline_step_overdue")
HELD = ("dispatched", "in_progress")  # the unit holds the order: its clock runs


def _conditions(c: Any, cal: WorkCalendar, as_of: dt.date, warn_days: int) -> dict[str, ColumnElement[bool]]:
    held = c.status.in_(HELD)
    return {
        "hotline_approaching": and_(held, c.due >= as_of, c.due < cal.add_working_days(as_of, warn_days + 1)),
        "hotline_overdue": and_(held, c.due < as_of),
        "hotline_step_overdue": and_(c.status == "dispatched", c.step == "accept", c.step_due < as_of),
    }


def run(session: Session, cal: WorkCalendar, as_of: dt.date, now: dt.datetime, *, levels: dict[str, str],
        contents: dict[str, str], enabled: dict[str, bool], warn_days: int) -> BranchPass:
    out = BranchPass()
    feed = hotline.supervision_feed().subquery("hotline_feed")
    c = feed.c
    held = select(c.ticket_no).where(c.status.in_(HELD))
    lit = select(Alert.id).where(Alert.status == "open", Alert.subject == SUBJECT)
    if not session.scalar(select(or_(exists(held), exists(lit)))):
        return out  # no order held by a unit and no hotline light open: nothing to raise or clear
    for rule, condition in _conditions(c, cal, as_of, warn_days).items():
        if not enabled.get(rule, True):
            condition = false()
        # an alert names its order and the unit it is charged to: after a re-dispatch the old unit's light ends
        holds = select(c.ticket_no).where(c.ticket_no == Alert.case_no, c.department_id == Alert.department_id,
                                          condition)
        ended_levels = session.scalars(
            update(Alert).where(Alert.status == "open", Alert.subject == SUBJECT, Alert.rule == rule, ~exists(holds))
            .values(status="cleared", cleared_at=now, result="条件已解除（工单已签收、答复、审核或办结）")
            .returning(Alert.level).execution_options(synchronize_session=False)).all()
        out.cleared += len(ended_levels)
        for level in ended_levels:
            out.delta[level] = out.delta.get(level, 0) - 1
        already = exists(select(Alert.id).where(Alert.case_no == c.ticket_no, Alert.rule == rule,
                                                Alert.department_id == c.department_id,
                                                Alert.subject == SUBJECT, Alert.status == "open"))
        due = c.step_due if rule == "hotline_step_overdue" else c.due
        source = select(c.ticket_no, literal(ITEM), literal(None, type_=Alert.item_type.type), c.department_id,
                        c.region_code, literal(rule), literal(levels[rule]), literal(contents[rule]),
                        literal({"as_of": as_of.isoformat()}, type_=Alert.detail.type), due,
                        literal(now, type_=Alert.raised_at.type), literal(as_of, type_=Alert.raised_on.type),
                        literal("open"), literal(SUBJECT)).where(condition, ~already)
        rows = list(session.execute(insert(Alert).from_select(
            ["case_no", "item_code", "item_type", "department_id", "region_code", "rule", "level", "content",
             "detail", "due", "raised_at", "raised_on", "status", "subject"], source).returning(
            Alert.id, Alert.case_no, Alert.department_id, Alert.level, Alert.rule)))
        out.raised += rows
        for r in rows:
            out.delta[r.level] = out.delta.get(r.level, 0) + 1
    return out
