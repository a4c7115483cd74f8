"""Every select() on the evaluation domain's tables that its actions and pages read, narrowed to the caller's
scope where staff read (their department, or their region subtree for region-scoped roles). The public figures'
aggregate queries stay with the figures (service.department_figures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, scope_clause
from yiwang.evaluation.models import Evaluation, Rectification
from yiwang.evaluation.states import RectStatus


def evaluation_scope(actor: Actor) -> Any:
    return scope_clause(actor, department_col=Evaluation.department_id, region_col=Evaluation.region_code)


def task_scope(actor: Actor) -> Any:
    return scope_clause(actor, department_col=Rectification.department_id, region_col=Rectification.region_code)


def _locked(stmt: Select[Any]) -> Select[Any]:
    # PostgreSQL: the row lock serialises two writers (the second then sees the first one's status). SQLite has no
    # row locks (SQLAlchemy leaves the clause out); its single writer lock refuses the second writer instead.
    return stmt.with_for_update()


def own_evaluation(session: Session, case_no: str, applicant: str, *, lock: bool = False) -> Evaluation | None:
    stmt = select(Evaluation).where(Evaluation.case_no == case_no, Evaluation.applicant == applicant)
    return session.scalars(_locked(stmt) if lock else stmt).first()


def evaluation_in_scope(session: Session, actor: Actor, evaluation_id: int, *, lock: bool = False
                        ) -> Evaluation | None:
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id, evaluation_scope(actor))
    return session.scalars(_locked(stmt) if lock else stmt).first()


def task_in_scope(session: Session, actor: Actor, rectification_id: int, *, lock: bool = False
                  ) -> Rectification | None:
    stmt = select(Rectification).where(Rectification.id == rectification_id, task_scope(actor))
    return session.scalars(_locked(stmt) if lock else stmt).first()


def tasks_of(session: Session, evaluation_ids: Iterable[int]) -> dict[int, list[Rectification]]:
    """Each evaluation's rectification tasks, oldest first."""
    ids = set(evaluation_ids)
    out: dict[int, list[Rectification]] = {i: [] for i in ids}
    if ids:
        stmt = select(Rectification).where(Rectification.evaluation_id.in_(ids)).order_by(Rectification.id)
        for task in session.scalars(stmt):
            out[task.evaluation_id].append(task)
    return out


def evaluations_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Evaluation]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {e.id: e for e in session.scalars(select(Evaluation).where(Evaluation.id.in_(wanted)))}


def last_reply_at(session: Session, evaluation_id: int) -> dt.datetime | None:
    return session.scalar(select(func.max(Rectification.replied_at)).where(Rectification.evaluation_id == evaluation_id))


def rectifications_page(session: Session, actor: Actor, *, status: str | None, overdue_on: dt.date | None,
                        limit: int, offset: int) -> tuple[int, list[Rectification]]:
    """Open tasks first by deadline, then answered and settled ones; ``overdue_on``: only those open past
    their deadline on that day."""
    stmt = select(Rectification).where(task_scope(actor))
    if status:
        stmt = stmt.where(Rectification.status == status)
    if overdue_on is not None:
        stmt = stmt.where(Rectification.status == RectStatus.OPEN.value, Rectification.deadline < overdue_on)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = sql_case((Rectification.status == RectStatus.OPEN.value, 0),
                     (Rectification.status == RectStatus.REPLIED.value, 1), else_=2)
    rows = session.scalars(stmt.order_by(order, Rectification.deadline, Rectification.id)
                           .limit(limit).offset(offset)).all()
    return total, list(rows)


def appeals_page(session: Session, actor: Actor, *, status: str | None, limit: int, offset: int
                 ) -> tuple[int, list[Evaluation]]:
    """Appealed evaluations, oldest first."""
    stmt = select(Evaluation).where(evaluation_scope(actor), Evaluation.appeal_status.is_not(None))
    if status:
        stmt = stmt.where(Evaluation.appeal_status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Evaluation.updated_at, Evaluation.id).limit(limit).offset(offset)).all()
    return total, list(rows)
