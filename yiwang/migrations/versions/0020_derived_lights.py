"""Supervision lights derived from the clock: the open case lights stored so far are closed (the tick no longer
writes them; every read derives them for today); the case table's generated column last_action_on (the local day
of the last action) and the indexes those reads and the card sweep use

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 06:40:00.000000
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

import yiwang.core.db

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

CASE_LIGHTS = ("approaching", "overdue", "step_overdue")
MOVED = "改为按办件时钟实时计算，不再存储"
STEP_WHERE = "due IS NOT NULL AND status IN ('accepted', 'in_review')"
# cases.last_action_on, the local (UTC+8) day of last_action_at, as cases.models.local_day renders it: stored on
# PostgreSQL (the column is written once, on ALTER); virtual on SQLite, which cannot add a stored one
LAST_ACTION_ON = {"postgresql": "(CAST(timezone('Asia/Shanghai', last_action_at) AS DATE)) STORED",
                  "sqlite": "(date(last_action_at, '+8 hours')) VIRTUAL"}
REFUSED_WHERE = "status = 'rejected' OR outcome = 'denied'"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(f"ALTER TABLE cases ADD COLUMN last_action_on DATE GENERATED ALWAYS AS {LAST_ACTION_ON[dialect]}")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_case_running_due_scope', ['due', 'department_id', 'region_code', 'item_code'],
                              unique=False, sqlite_where=sa.text('due IS NOT NULL'),
                              postgresql_where=sa.text('due IS NOT NULL'))
        batch_op.create_index('ix_case_step_running', ['review_step', 'last_action_on', 'department_id', 'region_code',
                                                       'item_code'], unique=False,
                              sqlite_where=sa.text(STEP_WHERE), postgresql_where=sa.text(STEP_WHERE))
        batch_op.create_index('ix_case_corrections', ['correction_count'], unique=False,
                              sqlite_where=sa.text('correction_count > 0'),
                              postgresql_where=sa.text('correction_count > 0'))
        batch_op.create_index('ix_case_refused', [sa.text('coalesce(closed_at, concluded_at)')], unique=False,
                              sqlite_where=sa.text(REFUSED_WHERE), postgresql_where=sa.text(REFUSED_WHERE))
    # the open stored case lights end here (kept as history: the monthly figures of past months count them)
    alert = sa.table('supervision_alert', sa.column('rule', sa.String), sa.column('status', sa.String),
                     sa.column('subject', sa.String), sa.column('result', sa.Text),
                     sa.column('cleared_at', yiwang.core.db.UTCDateTime(timezone=True)))
    op.execute(alert.update().where(alert.c.status == 'open', alert.c.subject == '', alert.c.rule.in_(CASE_LIGHTS))
               .values(status='cleared', result=MOVED, cleared_at=dt.datetime.now(dt.UTC)))


def downgrade() -> None:
    # the closed light rows stay closed: the first full tick of the older code raises the lit ones again
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_case_refused', sqlite_where=sa.text(REFUSED_WHERE),
                            postgresql_where=sa.text(REFUSED_WHERE))
        batch_op.drop_index('ix_case_corrections', sqlite_where=sa.text('correction_count > 0'),
                            postgresql_where=sa.text('correction_count > 0'))
        batch_op.drop_index('ix_case_step_running', sqlite_where=sa.text(STEP_WHERE),
                            postgresql_where=sa.text(STEP_WHERE))
        batch_op.drop_index('ix_case_running_due_scope', sqlite_where=sa.text('due IS NOT NULL'),
                            postgresql_where=sa.text('due IS NOT NULL'))
    op.execute("ALTER TABLE cases DROP COLUMN last_action_on")
