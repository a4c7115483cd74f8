"""Queries on case tables, already narrowed to what the actor may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yiwang.cases.models import (
    ApplicationDraft,
    Case,
    CaseEvent,
    CaseMaterial,
    CorrectionNotice,
    SubmissionKey,
    Suspension,
)
from yiwang.core.permissions import Actor, ActorKind, scope_clause


def _visible(actor: Actor):  # type: ignore[no-untyped-def]
    clause = scope_clause(actor, department_col=Case.department_id, region_col=Case.region_code,
                          owner_col=Case.applicant)
    if actor.kind is ActorKind.STAFF:
        clause = or_(clause, Case.filed_by == actor.label)  # a proxy always sees what it filed
    return clause


def visible_case(session: Session, actor: Actor, case_no: str) -> Case | None:
    return session.scalars(select(Case).where(Case.case_no == case_no, _visible(actor))).first()


def case_by_no(session: Session, case_no: str) -> Case | None:
    return session.scalars(select(Case).where(Case.case_no == case_no)).first()


def case_by_id(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def submission_key(session: Session, principal: str, key: str) -> SubmissionKey | None:
    return session.get(SubmissionKey, (principal, key))


def list_visible(session: Session, actor: Actor, *, status: str | None, due_range: tuple | None,  # type: ignore[type-arg]
                 steps: list[str] | None, q: str | None, limit: int, offset: int) -> tuple[int, Sequence[Case]]:
    stmt = select(Case).where(_visible(actor))
    if status:
        stmt = stmt.where(Case.status == status)
    if due_range:
        lo, hi = due_range
        stmt = stmt.where(Case.due.is_not(None))
        if lo is not None:
            stmt = stmt.where(Case.due >= lo)
        if hi is not None:
            stmt = stmt.where(Case.due <= hi)
    if steps is not None:
        # "my queue": cases waiting for a step this actor's roles can take, or for acceptance
        stmt = stmt.where(or_(Case.review_step.in_(steps), Case.status == "submitted") if steps else
                          Case.status == "submitted")
    if q:
        stmt = stmt.where(or_(Case.case_no == q.strip(), Case.item_name.contains(q.strip())))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(Case.due.is_(None), Case.due, Case.id).limit(limit).offset(offset)).all()
    return total, rows


def events(session: Session, case_id: int) -> Sequence[CaseEvent]:
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)).all()


def materials(session: Session, case_id: int) -> Sequence[CaseMaterial]:
    stmt = select(CaseMaterial).where(CaseMaterial.case_id == case_id).order_by(CaseMaterial.round, CaseMaterial.id)
    return session.scalars(stmt).all()


def material_names(session: Session, case_id: int) -> set[str]:
    return set(session.scalars(select(CaseMaterial.name).where(CaseMaterial.case_id == case_id)))


def last_round(session: Session, case_id: int) -> int:
    return session.scalar(select(func.max(CaseMaterial.round)).where(CaseMaterial.case_id == case_id)) or 1


def materials_of_round(session: Session, case_id: int, round_no: int) -> set[str]:
    stmt = select(CaseMaterial.name).where(CaseMaterial.case_id == case_id, CaseMaterial.round == round_no)
    return set(session.scalars(stmt))


def corrections(session: Session, case_id: int) -> Sequence[CorrectionNotice]:
    stmt = select(CorrectionNotice).where(CorrectionNotice.case_id == case_id).order_by(CorrectionNotice.seq)
    return session.scalars(stmt).all()


def open_correction(session: Session, case_id: int) -> CorrectionNotice | None:
    stmt = (select(CorrectionNotice).where(CorrectionNotice.case_id == case_id, CorrectionNotice.answered_at.is_(None))
            .order_by(CorrectionNotice.seq.desc()).limit(1))
    return session.scalars(stmt).first()


def suspensions(session: Session, case_id: int) -> Sequence[Suspension]:
    return session.scalars(select(Suspension).where(Suspension.case_id == case_id).order_by(Suspension.id)).all()


def open_suspension(session: Session, case_id: int) -> Suspension | None:
    stmt = select(Suspension).where(Suspension.case_id == case_id, Suspension.ended_on.is_(None))
    return session.scalars(stmt.order_by(Suspension.id.desc()).limit(1)).first()


def due_between(session: Session, lo: dt.date, hi: dt.date) -> int:
    return session.scalar(select(func.count()).select_from(Case).where(Case.due >= lo, Case.due <= hi)) or 0


def draft(session: Session, applicant: str, item_code: str) -> ApplicationDraft | None:
    stmt = select(ApplicationDraft).where(ApplicationDraft.applicant == applicant,
                                          ApplicationDraft.item_code == item_code)
    return session.scalars(stmt).first()


def drafts(session: Session, applicant: str) -> Sequence[ApplicationDraft]:
    stmt = select(ApplicationDraft).where(ApplicationDraft.applicant == applicant)
    return session.scalars(stmt.order_by(ApplicationDraft.updated_at.desc())).all()


def case_referencing_file(session: Session, actor: Actor, file_id: str, case_no: str) -> Case | None:
    stmt = (select(Case).join(CaseMaterial, CaseMaterial.case_id == Case.id)
            .where(Case.case_no == case_no, CaseMaterial.file_id == file_id, _visible(actor)))
    return session.scalars(stmt.limit(1)).first()
