"""Queries on regions and departments, narrowed by the actor's scope where staff ask."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, scope_clause
from yiwang.org.models import Department, Region


def regions(session: Session) -> Sequence[Region]:
    return session.scalars(select(Region).order_by(Region.code)).all()


def region(session: Session, code: str) -> Region | None:
    return session.get(Region, code)


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def department_by_name(session: Session, name: str, region_code: str | None = None) -> Department | None:
    stmt = select(Department).where(Department.name == name)
    if region_code:
        stmt = stmt.where(Department.region_code == region_code)
    return session.scalars(stmt.order_by(Department.id).limit(1)).first()


def department_by_uscc(session: Session, uscc: str) -> Department | None:
    return session.scalars(select(Department).where(Department.uscc == uscc)).first()


def visible_departments(session: Session, actor: Actor) -> Sequence[Department]:
    clause = scope_clause(actor, department_col=Department.id, region_col=Department.region_code)
    return session.scalars(select(Department).where(clause).order_by(Department.region_code, Department.name)).all()


def all_departments(session: Session) -> Sequence[Department]:
    return session.scalars(select(Department).order_by(Department.name)).all()


def departments_by_ids(session: Session, ids: Collection[int]) -> dict[int, Department]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(list(ids))))}
