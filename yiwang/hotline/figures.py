"""The hotline's counters for the indicators (:mod:`yiwang.metrics`, seed 003 tasks 39–45) and the operations
screen, with the definitions of :mod:`yiwang.hotline.report`: an order counts when the thing counted happened
(registered, answered with an answer that stands, closed after a callback), under its region and its unit.

The channel groups the indicators name: ``hotline`` (12345 calls and the web form: 39, 41), ``board`` (the
platform's message board, standing in for the leaders' board: 42, 43), ``forwarded`` (messages forwarded from the
boards above, such as 中国政府网: 44) and ``enterprise`` (涉企诉求: 45)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from yiwang.core.permissions import region_prefix as prefix_of
from yiwang.hotline.models import HotlineTicket, KnowledgeEntry
from yiwang.hotline.states import SATISFIED, Channel, Status

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)
GROUP_OF = {Channel.PHONE.value: "hotline", Channel.WEB.value: "hotline", Channel.BOARD.value: "board",
            Channel.FORWARDED.value: "forwarded", Channel.ENTERPRISE.value: "enterprise"}
STANDING = (Status.ANSWERED.value, Status.REVIEWED.value, Status.CLOSED.value)
OPEN = (Status.REGISTERED.value, Status.DISPATCHED.value, Status.RETURNED.value, Status.IN_PROGRESS.value,
        Status.ANSWERED.value, Status.REVIEWED.value)


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts(session: Session, start: dt.datetime, end: dt.datetime) -> list[Row]:
    """``hotline.registered`` (all channels); per channel group ``hotline.answered.<group>`` and
    ``hotline.on_time.<group>`` (answers that stand, given in the span), ``hotline.called_back.<group>`` and
    ``hotline.satisfied.<group>`` (orders closed in the span after a callback)."""
    t = HotlineTicket
    out: dict[tuple[str, str, int], int] = {}

    def add(key: str, region: str, dept: int | None, n: int) -> None:
        if n:
            out[(key, region, dept or 0)] = out.get((key, region, dept or 0), 0) + n

    for region, dept, n in session.execute(
            select(t.region_code, t.department_id, func.count())
            .where(t.created_at >= start, t.created_at < end).group_by(t.region_code, t.department_id)):
        add("hotline.registered", region, dept, int(n))
    for region, dept, channel, n, on_time in session.execute(
            select(t.region_code, t.department_id, t.channel, func.count(), _sum(t.on_time.is_(True)))
            .where(t.answered_at >= start, t.answered_at < end, t.status.in_(STANDING))
            .group_by(t.region_code, t.department_id, t.channel)):
        group = GROUP_OF.get(channel, "hotline")
        add(f"hotline.answered.{group}", region, dept, int(n))
        add(f"hotline.on_time.{group}", region, dept, int(on_time))
    called_back = and_(t.closed_at >= start, t.closed_at < end, t.status == Status.CLOSED.value,
                       t.satisfaction.is_not(None))
    for region, dept, channel, n, satisfied in session.execute(
            select(t.region_code, t.department_id, t.channel, func.count(),
                   _sum(t.satisfaction.in_(sorted(SATISFIED))))
            .where(called_back).group_by(t.region_code, t.department_id, t.channel)):
        group = GROUP_OF.get(channel, "hotline")
        add(f"hotline.called_back.{group}", region, dept, int(n))
        add(f"hotline.satisfied.{group}", region, dept, int(satisfied))
    return [(key, region, dept, n) for (key, region, dept), n in out.items()]


def knowledge(session: Session, at: dt.datetime, as_of: dt.date) -> list[Row]:
    """``knowledge.total``: answers (答复口径) in use at ``at``; ``knowledge.current``: of those, the ones not past
    their review date on ``as_of``. Answers retired since are counted as in use before (their retirement time is
    not kept apart from the last update, so a past month counts the answers active now)."""
    k = KnowledgeEntry
    out: list[Row] = []
    for region, dept, n, current in session.execute(
            select(k.region_code, k.department_id, func.count(), _sum(k.review_due >= as_of))
            .where(k.status == "active", k.created_at < at).group_by(k.region_code, k.department_id)):
        out += [("knowledge.total", region, dept, int(n)), ("knowledge.current", region, dept, int(current))]
    return [row for row in out if row[3]]


def today(session: Session, start: dt.datetime, end: dt.datetime, *, region_code: str | None) -> dict[str, int]:
    """Orders registered in [start, end) and open now, in a region subtree (the operations screen)."""
    where = [HotlineTicket.region_code.startswith(prefix_of(region_code))] if region_code else []
    registered = session.scalar(select(func.count()).select_from(HotlineTicket).where(
        HotlineTicket.created_at >= start, HotlineTicket.created_at < end, *where)) or 0
    open_now = session.scalar(select(func.count()).select_from(HotlineTicket).where(
        HotlineTicket.status.in_(OPEN), *where)) or 0
    return {"registered": int(registered), "open": int(open_now)}
