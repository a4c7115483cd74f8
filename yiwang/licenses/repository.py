"""Every select() on the licence tables that the licence service reads: the catalog of licence types, licences
by id, case, holder or file digest (narrowed to the caller's scope where people read), shares and the count of
verifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, scope_clause
from yiwang.licenses.models import License, LicenseShare, LicenseType, LicenseVerification

# --- licence types ----------------------------------------------------------------------------------------

def type_by_ref(session: Session, ref: str) -> LicenseType | None:
    """A type by its code (any case) or its exact name."""
    return session.scalars(select(LicenseType).where((LicenseType.code == ref.upper()) | (LicenseType.name == ref))
                           ).first()


def type_by_code(session: Session, code: str) -> LicenseType:
    return session.scalars(select(LicenseType).where(LicenseType.code == code)).one()


def all_types(session: Session) -> list[LicenseType]:
    return list(session.scalars(select(LicenseType).order_by(LicenseType.name)))


# --- licences ---------------------------------------------------------------------------------------------

def license_scope(actor: Actor) -> Any:
    """The holder's own licences, or those of the staff member's department (region)."""
    return scope_clause(actor, department_col=License.department_id, region_col=License.region_code,
                        owner_col=License.holder)


def in_scope(session: Session, actor: Actor, license_id: str) -> License | None:
    return session.scalars(select(License).where(License.license_id == license_id, license_scope(actor))).first()


def by_license_id(session: Session, license_id: str) -> License | None:
    return session.scalars(select(License).where(License.license_id == license_id)).first()


def by_pdf_digest(session: Session, digest: str) -> License | None:
    return session.scalars(select(License).where(License.pdf_sha256 == digest)).first()


def of_case_and_type(session: Session, case_no: str, type_code: str) -> License | None:
    return session.scalars(select(License).where(License.case_no == case_no, License.type_code == type_code)).first()


def of_case(session: Session, case_no: str) -> list[License]:
    return list(session.scalars(select(License).where(License.case_no == case_no).order_by(License.id)))


def holders(session: Session, license_id: str, holder: str) -> License | None:
    """The licence if ``holder`` holds it."""
    return session.scalars(select(License).where(License.license_id == license_id, License.holder == holder)).first()


def valid_held(session: Session, holder: str, type_code: str, today: dt.date) -> list[License]:
    """The holder's licences of a type that are valid on ``today``, newest first."""
    return list(session.scalars(select(License).where(
        License.holder == holder, License.type_code == type_code, License.status == "valid",
        (License.valid_until.is_(None)) | (License.valid_until >= today)).order_by(License.issued_at.desc())))


def valid_of_holder(session: Session, holder: str, today: dt.date, viewer: Actor, limit: int = 50) -> list[License]:
    return list(session.scalars(select(License).where(
        License.holder == holder, License.status == "valid", license_scope(viewer),
        (License.valid_until.is_(None)) | (License.valid_until >= today)).order_by(License.issued_at.desc())
        .limit(limit)))


def page(session: Session, actor: Actor, *, status: str | None, term: str | None, today: dt.date, limit: int,
         offset: int) -> tuple[int, list[License]]:
    """Licences in the caller's scope, newest first: by status (valid and expired as they stand on ``today``)
    and by a search term (identifier, holder's code, case number exactly; holder's name in part)."""
    where: list[Any] = [license_scope(actor)]
    if status == "expired":
        where += [License.status == "valid", License.valid_until < today]
    elif status == "valid":
        where += [License.status == "valid", (License.valid_until.is_(None)) | (License.valid_until >= today)]
    elif status:
        where.append(License.status == status)
    if term:
        where.append((License.identifier == term) | (License.holder_code == term) | (License.case_no == term)
                     | License.holder_name.contains(term))
    total = session.scalar(select(func.count()).select_from(License).where(*where)) or 0
    rows = session.scalars(select(License).where(*where).order_by(License.issued_at.desc(), License.id.desc())
                           .limit(limit).offset(offset)).all()
    return total, list(rows)


# --- sharing and verification -------------------------------------------------------------------------------

def share_by_token_hash(session: Session, token_hash: str) -> LicenseShare | None:
    return session.scalars(select(LicenseShare).where(LicenseShare.token_hash == token_hash)).first()


def verification_count(session: Session, license_id: str) -> int:
    return session.scalar(select(func.count()).select_from(LicenseVerification)
                          .where(LicenseVerification.license_id == license_id)) or 0
