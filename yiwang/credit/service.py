"""Credit records on applicants (信用记录): written when a post-check finds a pledge false; while one stands the
applicant may not use pledges for that item type again.

Choices (docs/pledges.md): a record bars by applicant (the account's label, which a window or a proxy filing for
the same applicant also carries) and by item type — the national basic item code (基本编码) of the item version,
so the same 事项 of another district or a later version is barred too; the item code when there is none. It
stands ``YIWANG_PLEDGE_BAR_DAYS`` calendar days (365) from the day of the finding, inclusive of both ends.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from yiwang.core import audit, clock
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, Unauthenticated
from yiwang.core.permissions import Actor, Perm
from yiwang.credit import repository
from yiwang.credit.errors import PledgeBarred
from yiwang.credit.models import CreditRecord
from yiwang.credit.schemas import CreditRecordOut

FALSE_PLEDGE = "false_pledge"
KIND_LABELS = {FALSE_PLEDGE: "告知承诺不实"}


def item_type(item_code: str, basic_code: str | None) -> str:
    """What a false pledge bars: the national basic item code, else the item's own code."""
    return (basic_code or "").strip() or item_code


def record_false_pledge(session: Session, actor: Actor, *, subject: str, subject_name: str, subject_code: str,
                        item_type: str, item_name: str, case_no: str, department_id: int, region_code: str,
                        reason: str, source: str, today: dt.date | None = None) -> CreditRecord:
    """Write the credit record a false pledge leaves (in the caller's transaction), audited."""
    today = today or clock.today()
    days = max(1, get_settings().pledge_bar_days)
    kind = "enterprise" if subject.startswith("enterprise:") else "person"
    row = CreditRecord(kind=FALSE_PLEDGE, subject=subject, subject_kind=kind, subject_name=subject_name[:200],
                       subject_code=subject_code[:18], item_type=item_type[:64], item_name=item_name[:300],
                       case_no=case_no, department_id=department_id, region_code=region_code,
                       reason=reason[:2000], source=source[:64], starts_on=today,
                       ends_on=today + dt.timedelta(days=days - 1), recorded_at=clock.now(),
                       recorded_by=actor.label)
    session.add(row)
    session.flush()
    audit.record(session, actor, "credit.record", "credit_record", str(row.id),
                 {"kind": FALSE_PLEDGE, "subject": subject, "item_type": row.item_type, "case_no": case_no,
                  "ends_on": row.ends_on.isoformat(), "source": row.source})
    return row


def pledge_bar(session: Session, *, applicant: str, item_type: str, today: dt.date | None = None
               ) -> CreditRecordOut | None:
    """The standing false-pledge record that bars ``applicant`` from pledging for ``item_type``, or None."""
    row = repository.standing(session, subject=applicant, kind=FALSE_PLEDGE, item_type=item_type,
                              today=today or clock.today())
    return out(row) if row is not None else None


def bar_message(record: CreditRecordOut) -> str:
    return (f"您在办理“{record.item_name}”时作出的告知承诺经核查不实（办件编号 {record.case_no}），已记入信用记录，"
            f"记录有效期至 {record.ends_on.isoformat()}，期间办理同类事项不能适用告知承诺制，请按要求提交全部证明材料")


def check_pledge(session: Session, *, applicant: str, item_type: str) -> None:
    """Refuse a pledge while a false-pledge record on the applicant stands for this item type (422
    ``pledge_barred`` on the field ``pledge``)."""
    record = pledge_bar(session, applicant=applicant, item_type=item_type)
    if record is not None:
        raise PledgeBarred(bar_message(record), field="pledge",
                           extra={"until": record.ends_on.isoformat(), "case_no": record.case_no})


def out(row: CreditRecord, today: dt.date | None = None) -> CreditRecordOut:
    today = today or clock.today()
    return CreditRecordOut(id=row.id, kind=row.kind, kind_label=KIND_LABELS.get(row.kind, row.kind),
                           subject=row.subject, subject_kind=row.subject_kind, subject_name=row.subject_name,
                           item_type=row.item_type, item_name=row.item_name, case_no=row.case_no,
                           department_id=row.department_id, region_code=row.region_code, reason=row.reason,
                           starts_on=row.starts_on, ends_on=row.ends_on,
                           standing=row.starts_on <= today <= row.ends_on, recorded_at=row.recorded_at)


def list_records(session: Session, actor: Actor, *, limit: int = 20, offset: int = 0
                 ) -> tuple[int, list[CreditRecordOut]]:
    """The applicant's own records; staff who read cases: their department's findings (supervisors and other
    region-wide roles: their region's)."""
    if actor.is_staff:
        if not actor.can(Perm.CASE_READ):
            raise PermissionDenied("您没有查看信用记录的权限", code="forbidden")
    elif not actor.is_applicant:
        raise Unauthenticated("请先登录")
    total, rows = repository.page(session, actor, limit=limit, offset=offset)
    today = clock.today()
    return total, [out(r, today) for r in rows]
