"""Queries on case tables, already narrowed to what the actor may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, false, func, or_, select, text
from sqlalchemy.orm import Session

from yiwang.cases.models import (
    ApplicationDraft,
    Case,
    CaseBranch,
    CaseEvent,
    CaseForward,
    CaseMaterial,
    CorrectionNotice,
    SubmissionKey,
    Suspension,
)
from yiwang.cases.numbering import format_case_no
from yiwang.core.db import driver_connection, driver_errors, pipelined_insert
from yiwang.core.permissions import Actor, ActorKind, Perm, Role, region_prefix, scope_clause
from yiwang.core.storage import StoredFile


def _visible(actor: Actor, *, branches: bool = True, cross: bool = True, intake: bool = True):  # type: ignore[no-untyped-def]
    """Cases the actor may see; with ``branches``, also the joint cases its department gives an opinion on; with
    ``cross``, also the 通办 cases its department took in and the cases it forwarded upwards (转报). A window
    clerk also sees the 通办 cases taken in its region for other regions (cases.crossregion)."""
    clause = scope_clause(actor, department_col=Case.department_id, region_col=Case.region_code,
                          owner_col=Case.applicant)
    if actor.kind is ActorKind.STAFF and not actor.can(Perm.CASE_READ):
        return Case.filed_by == actor.label  # e.g. an administrator: no case data
    if actor.kind is ActorKind.STAFF and Role.PROXY.value in actor.roles:
        # a village proxy's region does not cover the county departments it files with: it sees what it filed
        clause = or_(clause, Case.filed_by == actor.label)
    if branches and actor.kind is ActorKind.STAFF and actor.department_id is not None:
        clause = or_(clause, Case.id.in_(select(CaseBranch.case_id)
                                         .where(CaseBranch.department_id == actor.department_id)))
    if intake and actor.kind is ActorKind.STAFF and Role.WINDOW_CLERK.value in actor.roles and actor.region_code:
        clause = or_(clause, Case.intake_region_code.startswith(region_prefix(actor.region_code)))
    if cross and actor.kind is ActorKind.STAFF and actor.department_id is not None:
        clause = or_(clause, Case.intake_department_id == actor.department_id,
                     Case.id.in_(select(CaseForward.case_id)
                                 .where(CaseForward.from_department_id == actor.department_id)))
    return clause


def _at_intake(actor: Actor):  # type: ignore[no-untyped-def]
    """Cases whose receiving window (通办) is the actor's: its region's windows, or its department."""
    clauses: list[Any] = [false()]
    if actor.kind is ActorKind.STAFF and Role.WINDOW_CLERK.value in actor.roles and actor.region_code:
        clauses.append(Case.intake_region_code.startswith(region_prefix(actor.region_code)))
    if actor.kind is ActorKind.STAFF and actor.department_id is not None:
        clauses.append(Case.intake_department_id == actor.department_id)
    return or_(*clauses)


def department_has_cross(session: Session, department_id: int | None) -> bool:
    """Whether a department took in 通办 cases or forwarded cases upwards (so its lists include those)."""
    if department_id is None:
        return False
    took = select(Case.id).where(Case.intake_department_id == department_id).limit(1)
    sent = select(CaseForward.id).where(CaseForward.from_department_id == department_id).limit(1)
    return session.scalar(took) is not None or session.scalar(sent) is not None


def intake_cases(session: Session, actor: Actor, *, limit: int, offset: int) -> tuple[int, Sequence[Case]]:
    """通办: the cases the actor's window took in for other regions (its region's windows, its department)."""
    if actor.kind is not ActorKind.STAFF:
        return 0, []
    clauses = []
    if Role.WINDOW_CLERK.value in actor.roles and actor.region_code:
        clauses.append(Case.intake_region_code.startswith(region_prefix(actor.region_code)))
    if actor.department_id is not None:
        clauses.append(Case.intake_department_id == actor.department_id)
    if not clauses:
        return 0, []
    stmt = select(Case).where(Case.intake_region_code.is_not(None), or_(*clauses))
    capped = stmt.with_only_columns(Case.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    rows = session.scalars(stmt.order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit).offset(offset)).all()
    return total, rows


def forwards(session: Session, case_id: int) -> Sequence[CaseForward]:
    return session.scalars(select(CaseForward).where(CaseForward.case_id == case_id).order_by(CaseForward.id)).all()


def visible_case(session: Session, actor: Actor, case_no: str) -> Case | None:
    return session.scalars(select(Case).where(Case.case_no == case_no, _visible(actor))).first()


def department_has_branches(session: Session, department_id: int | None) -> bool:
    """Whether a department gives opinions on any joint case (so its lists include those cases)."""
    if department_id is None:
        return False
    return session.scalar(select(CaseBranch.id).where(CaseBranch.department_id == department_id).limit(1)) is not None


BRANCH_WAITING = ("pending", "escalated")


def case_by_no(session: Session, case_no: str) -> Case | None:
    return session.scalars(select(Case).where(Case.case_no == case_no)).first()


def case_by_id(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def submission_key(session: Session, principal: str, key: str) -> SubmissionKey | None:
    return session.get(SubmissionKey, (principal, key))


COUNT_CAP = 10_000


@dataclass(frozen=True)
class Queue:
    """What waits for an actor ("my queue"): review steps their roles take, and acceptance, resuming a
    paused case, delivery where they may do those."""

    steps: list[str]
    accept: bool
    resume: bool
    deliver: bool
    branch_department: int | None = None  # a branch department: its open branch opinions wait here too


def list_visible(session: Session, actor: Actor, *, status: str | None, due_range: tuple | None,  # type: ignore[type-arg]
                 queue: Queue | None, q: str | None, limit: int, offset: int) -> tuple[int, Sequence[Case]]:
    # a department's million cases list fastest by its own index: the joint cases it only gives an opinion on
    # are added only for a department that has some
    staff = actor.kind is ActorKind.STAFF
    cross = staff and department_has_cross(session, actor.department_id)
    stmt = select(Case).where(_visible(actor, branches=department_has_branches(session, actor.department_id)
                                       if staff else False, cross=cross))
    if status:
        stmt = stmt.where(Case.status == status)
    if due_range:
        lo, hi = due_range
        stmt = stmt.where(Case.due.is_not(None))
        if lo is not None:
            stmt = stmt.where(Case.due >= lo)
        if hi is not None:
            stmt = stmt.where(Case.due <= hi)
    if queue is not None:
        waiting = [and_(Case.status.in_(("accepted", "in_review")), Case.review_step.in_(queue.steps))]
        if queue.accept:
            waiting.append(Case.status == "submitted")
        if queue.resume:
            waiting.append(Case.status == "suspended")
        if queue.deliver:
            # a 一件事 case is delivered with its application's others, by the system; a 通办 case whose applicant
            # collects at the receiving window waits there, not at the deciding office
            waiting.append(and_(Case.status == "concluded", Case.bundle_application_id.is_(None),
                                or_(Case.deliver_at_intake.is_(False), _at_intake(actor))))
        mine = or_(*waiting)
        if queue.branch_department is not None and department_has_branches(session, queue.branch_department):
            # the lead's steps wait for the lead's people; a branch department's opinions wait for its own
            mine = or_(and_(mine, _visible(actor, branches=False)),
                       and_(Case.status.in_(("accepted", "in_review", "suspended")), Case.id.in_(
                           select(CaseBranch.case_id).where(CaseBranch.department_id == queue.branch_department,
                                                            CaseBranch.status.in_(BRANCH_WAITING)))))
        stmt = stmt.where(mine)
        if cross or Role.WINDOW_CLERK.value in actor.roles:
            # a 通办 case waits at the receiving window only for delivery there; the rest of it is the deciding office's
            stmt = stmt.where(or_(_visible(actor, branches=queue.branch_department is not None, cross=False,
                                           intake=False),
                                  and_(Case.status == "concluded", Case.deliver_at_intake.is_(True))))
    if q:
        stmt = stmt.where(or_(Case.case_no == q.strip(), Case.item_name.contains(q.strip(), autoescape=True)))
    # counting a region's million cases on every page would cost more than the page: count up to a cap
    capped = stmt.with_only_columns(Case.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    rows = session.scalars(stmt.order_by(Case.due.asc().nulls_last(), Case.id).limit(limit).offset(offset)).all()
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


def pipelines(session: Session) -> bool:
    """Whether filings go out in one pipeline (PostgreSQL; SQLite has one writer and no round trips)."""
    return session.get_bind().dialect.name == "postgresql"


def owners_and_keys(session: Session, file_ids: Collection[str], region_code: str, day: dt.date
                    ) -> tuple[dict[str, str], tuple[int, str]]:
    """What a filing reads before it writes, in one round trip (PostgreSQL pipeline): the owner of each
    material file, and the new case's row key and number from their sequences (a refused filing leaves a gap)."""
    raw = driver_connection(session)
    with driver_errors("SELECT stored_file"), raw.cursor() as owners_cur, raw.cursor() as keys_cur:
        with raw.pipeline():
            if file_ids:
                owners_cur.execute("SELECT id, owner FROM stored_file WHERE id = ANY(%s)", (list(file_ids),))
            keys_cur.execute("SELECT nextval(pg_get_serial_sequence('cases', 'id')), nextval('case_no_seq')")
        owners = {fid: owner for fid, owner in owners_cur.fetchall()} if file_ids else {}
        case_id, serial = keys_cur.fetchone()
    return owners, (int(case_id), format_case_no(region_code, day, int(serial)))


ID_BLOCK = 8


def new_case_id(session: Session) -> int:
    """A new case row key (PostgreSQL). A 一件事 application files several cases in one transaction: keys are
    taken ``ID_BLOCK`` at a time and kept for the transaction (what it does not use is a gap)."""
    spare: list[int] = session.info.setdefault("spare_case_ids", [])
    if not spare:
        spare.extend(int(v) for v in session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, :n)"),
            {"n": ID_BLOCK}))
        spare.sort(reverse=True)
    return spare.pop()


def reserve_keys(session: Session, region_code: str, day: dt.date, n: int) -> list[str]:
    """``n`` case numbers in rising order and, kept for ``new_case_id``, as many row keys: one statement."""
    rows = session.execute(text("SELECT nextval('case_no_seq'), nextval(pg_get_serial_sequence('cases', 'id')) "
                                "FROM generate_series(1, :n)"), {"n": n}).all()
    spare: list[int] = session.info.setdefault("spare_case_ids", [])
    spare.extend(int(r[1]) for r in rows)
    spare.sort(reverse=True)
    return [format_case_no(region_code, day, serial) for serial in sorted(int(r[0]) for r in rows)]


def write_filing(session: Session, case: Case, rows: list[Any], *, draft_of: str | None,
                 hold: list[Any] | None = None) -> None:
    """The rows of a filing — the case, its timeline, materials, idempotency key, outbox event — and the
    applicant's discarded draft, in one round trip (PostgreSQL pipeline). The case becomes persistent in the
    session as written; the other rows stay in memory for the answer. ``hold`` keeps them there until
    ``write_held_filings`` (a 一件事 application writes all its cases at once)."""
    after = ([('DELETE FROM case_draft WHERE applicant = %s AND item_code = %s', (draft_of, case.item_code))]
             if draft_of else [])
    if hold is not None:
        hold.append(([case, *rows], case, after))
        return
    pipelined_insert(session, [case, *rows], keep=(case,), after=after)


def write_held_filings(session: Session, held: list[Any]) -> None:
    if held:
        pipelined_insert(session, [obj for objects, _, _ in held for obj in objects],
                         keep=tuple(case for _, case, _ in held), after=[s for _, _, after in held for s in after])


def delete_draft(session: Session, applicant: str, item_code: str) -> None:
    session.execute(delete(ApplicationDraft).where(ApplicationDraft.applicant == applicant,
                                                   ApplicationDraft.item_code == item_code))


def drafts(session: Session, applicant: str) -> Sequence[ApplicationDraft]:
    stmt = select(ApplicationDraft).where(ApplicationDraft.applicant == applicant)
    return session.scalars(stmt.order_by(ApplicationDraft.updated_at.desc())).all()


def case_referencing_file(session: Session, actor: Actor, file_id: str, case_no: str) -> Case | None:
    stmt = (select(Case).join(CaseMaterial, CaseMaterial.case_id == Case.id)
            .where(Case.case_no == case_no, CaseMaterial.file_id == file_id, _visible(actor)))
    return session.scalars(stmt.limit(1)).first()


def file_owners(session: Session, file_ids: Collection[str]) -> dict[str, str]:
    """Owner of each stored file (one query for all the materials of an application)."""
    if not file_ids:
        return {}
    stmt = select(StoredFile.id, StoredFile.owner).where(StoredFile.id.in_(list(file_ids)))
    return {fid: owner for fid, owner in session.execute(stmt).all()}


# --- 一件事: the cases of bundle applications -----------------------------------------------------------

def bundle_cases(session: Session, application_ids: Collection[int]) -> Sequence[Case]:
    """Every case filed under these bundle applications (the caller has checked the application is the actor's
    to see), in filing order."""
    if not application_ids:
        return []
    return session.scalars(select(Case).where(Case.bundle_application_id.in_(list(application_ids)))
                           .order_by(Case.id)).all()


def visible_bundle_ids(session: Session, actor: Actor, *, limit: int, offset: int = 0,
                       open_only: bool = False) -> tuple[int, list[int]]:
    """(total, page) of the bundle applications with at least one case the actor may see, newest first."""
    clause = and_(Case.bundle_application_id.is_not(None), _visible(actor))
    if open_only:
        clause = and_(clause, Case.closed_at.is_(None))
    ids = select(Case.bundle_application_id).where(clause).distinct().subquery()
    capped = select(ids.c.bundle_application_id).limit(COUNT_CAP + 1).subquery()  # as the case lists count
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    page = session.scalars(select(ids.c.bundle_application_id).order_by(ids.c.bundle_application_id.desc())
                           .limit(limit).offset(offset)).all()
    return min(int(total), COUNT_CAP), [int(i) for i in page]


def bundle_ids_by_due(session: Session, actor: Actor, *, limit: int) -> list[int]:
    """The open bundle applications in the actor's scope, the one whose running case is due soonest first."""
    stmt = (select(Case.bundle_application_id)
            .where(Case.bundle_application_id.is_not(None), Case.closed_at.is_(None), Case.due.is_not(None),
                   _visible(actor))
            .group_by(Case.bundle_application_id).order_by(func.min(Case.due), Case.bundle_application_id)
            .limit(limit))
    return [int(i) for i in session.scalars(stmt) if i is not None]


def visible_case_ids(session: Session, actor: Actor, application_ids: Collection[int]) -> set[int]:
    """The cases of these applications the actor may see in full."""
    if not application_ids:
        return set()
    return set(session.scalars(select(Case.id).where(Case.bundle_application_id.in_(list(application_ids)),
                                                     _visible(actor))))


def sees_bundle(session: Session, actor: Actor, application_id: int) -> bool:
    return session.scalar(select(Case.id).where(Case.bundle_application_id == application_id, _visible(actor))
                          .limit(1)) is not None


def bundle_coverage(session: Session, actor: Actor, item_codes: Collection[str], since: dt.datetime,
                    until: dt.datetime) -> tuple[int, int]:
    """(cases of these items filed in the period, those filed through a 一件事 application), within scope."""
    if not item_codes:
        return 0, 0
    row = session.execute(
        select(func.count(), func.count(Case.bundle_application_id))
        .where(Case.item_code.in_(list(item_codes)), Case.submitted_at >= since, Case.submitted_at < until,
               _visible(actor, branches=False))).one()
    return int(row[0]), int(row[1])


def of_applicant(session: Session, actor: Actor, applicant: str, *, statuses: Sequence[str] | None,
                 limit: int) -> list[Case]:
    """One applicant's cases that ``actor`` may see (a window serving them), newest first."""
    stmt = select(Case).where(Case.applicant == applicant, _visible(actor))
    if statuses is not None:
        stmt = stmt.where(Case.status.in_(statuses))
    return list(session.scalars(stmt.order_by(Case.submitted_at.desc()).limit(limit)))
