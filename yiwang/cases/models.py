from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.audit import BigId
from yiwang.core.db import Base


class Case(Base):
    """One application being handled (办件). Status changes only through cases.service.apply."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_item_version.id"))
    item_name: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    # who applied (actor label, e.g. "person:12"), and who filed it when a proxy or a window did
    applicant: Mapped[str] = mapped_column(String(64))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_code: Mapped[str] = mapped_column(String(18))  # ID number or USCC: needed to verify, never listed
    applicant_phone: Mapped[str] = mapped_column(String(20))
    filed_by: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))  # online | window | proxy
    status: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    review_steps: Mapped[list[Any]]
    review_step: Mapped[str | None] = mapped_column(String(12))
    form: Mapped[dict[str, Any]]
    pledge: Mapped[bool] = mapped_column(Boolean, default=False)
    case_type: Mapped[str] = mapped_column(String(12))  # immediate | promised
    limit_value: Mapped[int | None] = mapped_column(Integer)
    limit_unit: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    concluded_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    last_action_at: Mapped[dt.datetime]
    # the clocks, as local calendar dates: the office answers by answer_due; decides by deadline;
    # delivers by deliver_due. base_deadline is the decision deadline before suspensions and extensions.
    answer_due: Mapped[dt.date | None] = mapped_column(Date)
    base_deadline: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    warn_at: Mapped[dt.date | None] = mapped_column(Date)
    deliver_due: Mapped[dt.date | None] = mapped_column(Date)
    suspended_on: Mapped[dt.date | None] = mapped_column(Date)
    suspended_working_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    status_before_suspension: Mapped[str | None] = mapped_column(String(24))
    correction_count: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    # 容缺后补: required materials accepted as missing, still owed; the date they are due by (set on
    # acceptance) and when the applicant was reminded of them (once)
    deferred: Mapped[list[Any] | None]
    supplement_due: Mapped[dt.date | None] = mapped_column(Date)
    supplement_reminded_at: Mapped[dt.datetime | None]
    # the due date the workbench sorts by: the clock that runs in the current status (NULL when none)
    due: Mapped[dt.date | None] = mapped_column(Date)
    # 并联审批: the joint configuration of the item version applied for (catalog JointSpec), kept with the case
    # so acceptance forks one branch per branch department (case_branch) without reading the catalog again;
    # NULL for an ordinary case
    joint: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # 一件事: the bundle application this case was filed under (NULL for a case filed on its own); such a case
    # is delivered together with the application's other cases
    bundle_application_id: Mapped[int | None] = mapped_column(BigId, index=True)
    # 通办 (代收代办): a window outside the item's region took the application; the case is the item's
    # department's, the receiving window's region and department see it too (cases.crossregion). NULL otherwise.
    intake_region_code: Mapped[str | None] = mapped_column(String(12))
    intake_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    intake_by: Mapped[str | None] = mapped_column(String(64))
    # the applicant collects the result at the receiving window: that window delivers, not the deciding office
    deliver_at_intake: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # the workbench: a department's queue by due date, with or without a status filter
        Index("ix_case_department_due", "department_id", "due", "id"),
        Index("ix_case_department_status_due", "department_id", "status", "due"),
        # region-scoped roles match a 行政区划 prefix (LIKE '4401%'): pattern ops make it an index range
        Index("ix_case_region_due", "region_code", "due", postgresql_ops={"region_code": "varchar_pattern_ops"}),
        Index("ix_case_applicant_submitted", "applicant", "submitted_at"),
        # electronic supervision: every running clock by due date (the partial index skips closed cases)
        Index("ix_case_due_running", "due", sqlite_where=text("due IS NOT NULL"),
              postgresql_where=text("due IS NOT NULL")),
        Index("ix_case_last_action", "last_action_at"),  # what changed since the last supervision tick
        # electronic supervision reads the case lights from the clock (supervision/lights.py): the due-date
        # lights as ranges of due (every column a rule or a reader's scope filters on in the key, so equal keys
        # deduplicate and counts are small index-only scans on PostgreSQL); the step limits as ranges of the
        # step's start per review step over the cases under review
        Index("ix_case_running_due_scope", "due", "department_id", "region_code", "item_code",
              sqlite_where=text("due IS NOT NULL"), postgresql_where=text("due IS NOT NULL")),
        Index("ix_case_step_running", "review_step", "last_action_at",
              postgresql_include=["department_id", "region_code", "item_code"],
              sqlite_where=text("due IS NOT NULL AND status IN ('accepted', 'in_review')"),
              postgresql_where=text("due IS NOT NULL AND status IN ('accepted', 'in_review')")),
        # and the cards it sweeps for: cases with correction notices, refusals by when they ended
        Index("ix_case_corrections", "correction_count", sqlite_where=text("correction_count > 0"),
              postgresql_where=text("correction_count > 0")),
        Index("ix_case_refused", text("coalesce(closed_at, concluded_at)"),
              sqlite_where=text("status = 'rejected' OR outcome = 'denied'"),
              postgresql_where=text("status = 'rejected' OR outcome = 'denied'")),
        # the indicators' daily counters and the operations screen's "today": cases submitted, accepted and
        # concluded in a span of time (on PostgreSQL carrying the region and item: index-only counts per region)
        Index("ix_case_submitted", "submitted_at", postgresql_include=["region_code", "item_code"]),
        # the operations screen: running cases in a region subtree (index-only over the running ones)
        Index("ix_case_running_region", "region_code", postgresql_ops={"region_code": "varchar_pattern_ops"},
              sqlite_where=text("due IS NOT NULL"), postgresql_where=text("due IS NOT NULL")),
        Index("ix_case_accepted", "accepted_at", sqlite_where=text("accepted_at IS NOT NULL"),
              postgresql_where=text("accepted_at IS NOT NULL"), postgresql_include=["region_code"]),
        Index("ix_case_concluded", "concluded_at", sqlite_where=text("concluded_at IS NOT NULL"),
              postgresql_where=text("concluded_at IS NOT NULL"), postgresql_include=["region_code"]),
        Index("ix_case_filed_by", "filed_by"),
        Index("ix_case_supplement_due", "supplement_due"),  # the reminder job: deferred materials coming due
        # 通办: the receiving window's region (by 行政区划 prefix) and department find the cases they took
        Index("ix_case_intake_region", "intake_region_code",
              postgresql_ops={"intake_region_code": "varchar_pattern_ops"},
              sqlite_where=text("intake_region_code IS NOT NULL"),
              postgresql_where=text("intake_region_code IS NOT NULL")),
        Index("ix_case_intake_department", "intake_department_id",
              sqlite_where=text("intake_department_id IS NOT NULL"),
              postgresql_where=text("intake_department_id IS NOT NULL")),
    )


class CaseMaterial(Base):
    __tablename__ = "case_material"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    file_id: Mapped[str | None] = mapped_column(String(32))
    license_ref: Mapped[str | None] = mapped_column(String(100))  # a held e-license used instead of a file
    round: Mapped[int] = mapped_column(Integer, default=1)  # 1 at submission, +1 per resubmission
    provided_at: Mapped[dt.datetime]


class CaseEvent(Base):
    """The timeline: one row per action, in order."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]]

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_event_case_seq"),)


class CorrectionNotice(Base):
    """补正告知: every material to correct, listed at once."""

    __tablename__ = "case_correction"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    materials: Mapped[list[Any]]
    comment: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[dt.datetime]
    requested_by: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[dt.datetime | None]
    # a second notice on one case is refused unless the applicant changed something new; when one is
    # allowed it is still recorded for supervision
    repeated: Mapped[bool] = mapped_column(Boolean, default=False)


class Suspension(Base):
    """特别程序: the clock stops; the working days it lasted are added back to the deadline."""

    __tablename__ = "case_suspension"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    expected_days: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    working_days: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


class CaseNumberCounter(Base):
    """Case numbers are reserved here (per region and day) and never reused."""

    __tablename__ = "case_number_counter"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class SubmissionKey(Base):
    """Idempotency keys: the same key from the same applicant never creates a second case."""

    __tablename__ = "case_submission_key"

    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[dt.datetime]


class ApplicationDraft(Base):
    """An application saved before submission (one per applicant and item)."""

    __tablename__ = "case_draft"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    applicant: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(64))
    form: Mapped[dict[str, Any]]
    materials: Mapped[list[Any]]  # [{"name", "file_id"}]
    pledge: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("applicant", "item_code", name="uq_case_draft_applicant_item"),)


class CaseBranch(Base):
    """并联审批: one department's part of a joint case. The lead department accepts and decides; each branch
    department gives its opinion within its own working-day limit, on its own clock (paused while the case is
    in a special procedure). Past the limit, silence counts as consent (超时默认) or goes to supervision,
    as the item says. Status changes only through the lifecycle engine (cases.branches)."""

    __tablename__ = "case_branch"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    case_no: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    region_code: Mapped[str] = mapped_column(String(12))  # the branch department's region (its supervisors)
    status: Mapped[str] = mapped_column(String(16))  # pending | consented | objected | deemed_consent | escalated
    limit_days: Mapped[int] = mapped_column(Integer)
    on_timeout: Mapped[str] = mapped_column(String(12))  # consent | escalate
    materials: Mapped[list[Any] | None]  # the materials the lead lets this branch see (None: all)
    started_on: Mapped[dt.date] = mapped_column(Date)
    # the branch's working-day clock (core.lifecycle.WorkClock)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    warn_at: Mapped[dt.date | None] = mapped_column(Date)
    paused_on: Mapped[dt.date | None] = mapped_column(Date)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    opinion: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    last_action_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("case_id", "department_id", name="uq_case_branch_department"),
        Index("ix_case_branch_case_no", "case_no", "department_id"),  # alerts name a branch by these two
        Index("ix_case_branch_last_action", "last_action_at"),  # what changed since the last supervision tick
        # a branch department's queue, and the supervision tick over running branch clocks
        Index("ix_case_branch_department", "department_id", "status", "deadline"),
        Index("ix_case_branch_running", "deadline", sqlite_where=text("status IN ('pending', 'escalated')"),
              postgresql_where=text("status IN ('pending', 'escalated')")),
    )


class PaperTransfer(Base):
    """通办: paper originals the receiving window sent to the deciding office (courier, tracking number, the
    materials), and their receipt there. Status (sent → received) only through the lifecycle engine
    (cases.crossregion.PAPER)."""

    __tablename__ = "case_paper_transfer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_no: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # sent | received
    courier: Mapped[str] = mapped_column(String(100))
    tracking_no: Mapped[str] = mapped_column(String(64))
    materials: Mapped[list[Any]]
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    sent_at: Mapped[dt.datetime]
    sent_by: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime | None]
    received_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    last_action_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseForward(Base):
    """转报: a lower-level department forwarded the case to a department of an ancestor region, which decides it
    now; the lower department keeps read access. One row per forward, in order."""

    __tablename__ = "case_forward"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    to_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(Text)
    forwarded_by: Mapped[str] = mapped_column(String(64))
    clock_rule: Mapped[str] = mapped_column(String(12))  # continue | restart
