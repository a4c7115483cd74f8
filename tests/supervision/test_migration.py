"""Migration 0020: the case-table indexes the derived lights read by match the models, and the open case lights
stored before are closed (kept as history) while cards and branch lights stay open; downgrade and upgrade again."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

import yiwang.models  # noqa: F401  (every table)
from yiwang.core import migrate
from yiwang.core.db import Base, get_engine
from yiwang.core.permissions import SYSTEM
from yiwang.org import service as org_service
from yiwang.supervision.models import Alert

INDEXES = ("ix_case_running_due_scope", "ix_case_step_running", "ix_case_corrections", "ix_case_refused")


@pytest.mark.filterwarnings("ignore:.*expression-based index")  # SQLite cannot reflect ix_case_refused
def test_the_indexes_match_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if any(name in str(d) for name in INDEXES)] == []


def test_stored_case_lights_are_closed_and_the_rest_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    cfg = migrate.alembic_config(url)
    command.downgrade(cfg, "0019")
    engine = get_engine(url)
    now = dt.datetime(2026, 10, 9, 2, tzinfo=dt.UTC)
    with Session(engine) as session:
        org_service.ensure_region(session, SYSTEM, code="440104", name="越秀区")
        dept = org_service.ensure_department(session, SYSTEM, name="区市场监督管理局", region_code="440104")
        for rule, level, subject in (("overdue", "red", ""), ("approaching", "yellow", ""),
                                     ("step_overdue", "yellow", ""), ("no_reason", "yellow_card", ""),
                                     ("branch_overdue", "red", f"branch:{dept.id}")):
            session.add(Alert(case_no="C-1", item_code="X", item_type="01", department_id=dept.id,
                              region_code="440104", rule=rule, level=level, content="…", detail={}, due=None,
                              raised_at=now, raised_on=now.date(), status="open", subject=subject))
        session.commit()
    command.upgrade(cfg, "head")
    with Session(engine) as session:
        rows = {a.rule: (a.status, a.result) for a in session.scalars(select(Alert))}
    moved = ("cleared", "改为按办件时钟实时计算，不再存储")
    assert rows == {"overdue": moved, "approaching": moved, "step_overdue": moved, "no_reason": ("open", None),
                    "branch_overdue": ("open", None)}
