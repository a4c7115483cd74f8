"""Queries on persons, enterprises, staff and tokens."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.identity.models import AuthToken, Enterprise, Person, PhoneCode, Staff, StaffRole


def person_by_id_number(session: Session, id_number: str) -> Person | None:
    return session.scalars(select(Person).where(Person.id_number == id_number)).first()


def persons_by_phone(session: Session, phone: str, *, verified: bool = False) -> Sequence[Person]:
    stmt = select(Person).where(Person.phone == phone)
    if verified:
        stmt = stmt.where(Person.phone_verified_at.is_not(None))
    return session.scalars(stmt.limit(2)).all()


def enterprise_by_uscc(session: Session, uscc: str) -> Enterprise | None:
    return session.scalars(select(Enterprise).where(Enterprise.uscc == uscc)).first()


def enterprises_by_phone(session: Session, phone: str, *, verified: bool = False) -> Sequence[Enterprise]:
    stmt = select(Enterprise).where(Enterprise.phone == phone)
    if verified:
        stmt = stmt.where(Enterprise.phone_verified_at.is_not(None))
    return session.scalars(stmt.limit(2)).all()


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


def phone_verified_elsewhere(session: Session, phone: str, principal: str | None = None) -> bool:
    """Whether an account other than ``principal`` has proved that it receives messages at ``phone``."""
    for p in persons_by_phone(session, phone, verified=True):
        if f"person:{p.id}" != principal:
            return True
    return any(f"enterprise:{e.id}" != principal for e in enterprises_by_phone(session, phone, verified=True))


def latest_phone_code(session: Session, principal: str, phone: str) -> PhoneCode | None:
    stmt = (select(PhoneCode).where(PhoneCode.principal == principal, PhoneCode.phone == phone,
                                    PhoneCode.used_at.is_(None))
            .order_by(PhoneCode.id.desc()).limit(1))
    return session.scalars(stmt).first()
