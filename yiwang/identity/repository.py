"""Queries on persons, enterprises, staff and tokens."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.identity.models import AuthToken, Enterprise, LoginFailure, Person, Staff, StaffRole


def person_by_id_number(session: Session, id_number: str) -> Person | None:
    return session.scalars(select(Person).where(Person.id_number == id_number)).first()


def persons_by_phone(session: Session, phone: str) -> Sequence[Person]:
    return session.scalars(select(Person).where(Person.phone == phone).limit(2)).all()


def enterprise_by_uscc(session: Session, uscc: str) -> Enterprise | None:
    return session.scalars(select(Enterprise).where(Enterprise.uscc == uscc)).first()


def enterprises_by_phone(session: Session, phone: str) -> Sequence[Enterprise]:
    return session.scalars(select(Enterprise).where(Enterprise.phone == phone).limit(2)).all()


def staff_by_login(session: Session, login: str) -> Staff | None:
    return session.scalars(select(Staff).where(Staff.login == login)).first()


def staff_roles(session: Session, staff_id: int) -> list[str]:
    return sorted(session.scalars(select(StaffRole.role).where(StaffRole.staff_id == staff_id)))


def staff_in_departments(session: Session, department_ids: Collection[int]) -> Sequence[Staff]:
    """Staff of the given departments (the caller has already narrowed them to the actor's scope)."""
    if not department_ids:
        return []
    stmt = select(Staff).where(Staff.department_id.in_(list(department_ids))).order_by(Staff.login)
    return session.scalars(stmt).all()


def token(session: Session, token_hash: str) -> AuthToken | None:
    return session.get(AuthToken, token_hash)


def login_failure(session: Session, username: str, *, for_update: bool = False) -> LoginFailure | None:
    return session.get(LoginFailure, username, with_for_update=for_update or None)
