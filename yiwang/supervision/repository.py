"""Every read of supervision's own tables (rules, alerts, orders, runs), narrowed to the actor's scope where
people read. The tick's set-based statements stay with the tick (see tick.py): they are the tick. The case lights
are not in these tables: supervision/lights.py derives them from the case feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from yiwang.core.permissions import SYSTEM, Actor, Perm, scope_clause
from yiwang.supervision.models import Alert, SupervisionOrder, SupervisionRule, SupervisionRun

LEVELS = ("yellow", "red", "yellow_card", "red_card")


# --- rules and runs -------------------------------------------------------------------------------------

def stored_rules(session: Session) -> list[SupervisionRule]:
    return list(session.scalars(select(SupervisionRule)))


def stored_rule(session: Session, code: str, scope: str, scope_value: str) -> SupervisionRule | None:
    return session.scalars(select(SupervisionRule).where(SupervisionRule.code == code, SupervisionRule.scope == scope,
                                                         SupervisionRule.scope_value == scope_value)).first()


def rules_changed_at(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.max(SupervisionRule.updated_at)))


def last_finished_run(session: Session) -> SupervisionRun | None:
    return session.scalars(select(SupervisionRun).where(SupervisionRun.finished_at.is_not(None))
                           .order_by(SupervisionRun.id.desc()).limit(1)).first()


def last_full_run_started(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.max(SupervisionRun.started_at)).where(
        SupervisionRun.finished_at.is_not(None), SupervisionRun.mode == "full"))


# --- alerts -----------------------------------------------------------------------------------------------

def alert_scope(actor: Actor) -> ColumnElement[bool]:
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_READ)
    return scope_clause(actor, department_col=Alert.department_id, region_col=Alert.region_code)


def open_counts(session: Session, actor: Actor) -> dict[str, int]:
    rows = session.execute(select(Alert.level, func.count()).where(Alert.status == "open", alert_scope(actor))
                           .group_by(Alert.level)).all()
    counts = {level: 0 for level in LEVELS}
    counts.update({level: int(n) for level, n in rows})
    return counts


def open_by_department_level(session: Session, actor: Actor) -> list[tuple[Any, ...]]:
    """(department id, level, open alerts, oldest raised_on) rows."""
    return [tuple(r) for r in session.execute(
        select(Alert.department_id, Alert.level, func.count(), func.min(Alert.raised_on))
        .where(Alert.status == "open", alert_scope(actor)).group_by(Alert.department_id, Alert.level))]


def raised_by_department_level(session: Session, actor: Actor, first: dt.date, following: dt.date
                               ) -> list[tuple[Any, ...]]:
    """(department id, level, alerts raised) rows for the days from ``first`` up to ``following``."""
    return [tuple(r) for r in session.execute(select(Alert.department_id, Alert.level, func.count()).where(
        alert_scope(actor), Alert.raised_on >= first, Alert.raised_on < following)
        .group_by(Alert.department_id, Alert.level))]


def alerts_page(session: Session, where: list[ColumnElement[bool]], *, limit: int, offset: int
                ) -> tuple[int, list[Alert]]:
    total = session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
    rows = session.scalars(select(Alert).where(*where).order_by(Alert.raised_at.desc(), Alert.id.desc())
                           .limit(limit).offset(offset)).all()
    return total, list(rows)


def alert_in_scope(session: Session, actor: Actor, alert_id: int) -> Alert | None:
    return session.scalars(select(Alert).where(Alert.id == alert_id, alert_scope(actor))).first()


def alert_of_department(session: Session, actor: Actor, alert_id: int, department_id: int) -> bool:
    return session.scalars(select(Alert.id).where(
        Alert.id == alert_id, Alert.department_id == department_id, alert_scope(actor))).first() is not None


def card_raised(session: Session, case_no: str, rule: str) -> bool:
    """Whether a card of ``rule`` was ever raised on the case (open or closed)."""
    return session.scalars(select(Alert.id).where(Alert.case_no == case_no, Alert.rule == rule)).first() is not None


# --- orders -----------------------------------------------------------------------------------------------

def order_scope(actor: Actor) -> ColumnElement[bool]:
    return scope_clause(actor, department_col=SupervisionOrder.department_id, region_col=SupervisionOrder.region_code)


def order_in_scope(session: Session, actor: Actor, order_no: str) -> SupervisionOrder | None:
    return session.scalars(select(SupervisionOrder).where(SupervisionOrder.order_no == order_no,
                                                          order_scope(actor))).first()


def orders_page(session: Session, actor: Actor, *, status: str | None, limit: int, offset: int
                ) -> tuple[int, list[SupervisionOrder]]:
    where = [order_scope(actor)]
    if status:
        where.append(SupervisionOrder.status == status)
    total = session.scalar(select(func.count()).select_from(SupervisionOrder).where(*where)) or 0
    rows = session.scalars(select(SupervisionOrder).where(*where).order_by(SupervisionOrder.issued_at.desc())
                           .limit(limit).offset(offset)).all()
    return total, list(rows)


def orders_numbered(session: Session, prefix: str) -> int:
    """How many orders carry a number starting with ``prefix`` (the day's)."""
    return session.scalar(select(func.count()).select_from(SupervisionOrder)
                          .where(SupervisionOrder.order_no.startswith(prefix))) or 0
