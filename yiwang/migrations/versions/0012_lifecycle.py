"""one lifecycle engine: lifecycle_event timeline, version columns for optimistic locking, case branches
(并联审批) and per-subject supervision alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
OPEN = sa.text("status = 'open'")
OPEN_SUBJECT = sa.text("status = 'open' AND subject <> ''")
RUNNING = sa.text("status IN ('pending', 'escalated')")


def upgrade() -> None:
    op.create_table(
        'lifecycle_event',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=100), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('actor_name', sa.String(length=200), nullable=False),
        sa.Column('from_status', sa.String(length=24), nullable=True),
        sa.Column('to_status', sa.String(length=24), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lifecycle_event')),
    )
    op.create_index('ix_lifecycle_event_subject', 'lifecycle_event', ['kind', 'subject', 'seq'],
                    postgresql_ops={'subject': 'varchar_pattern_ops'})
    op.create_table(
        'case_branch',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('case_id', BigId, nullable=False),
        sa.Column('case_no', sa.String(length=40), nullable=False),
        sa.Column('item_code', sa.String(length=64), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('limit_days', sa.Integer(), nullable=False),
        sa.Column('on_timeout', sa.String(length=12), nullable=False),
        sa.Column('materials', sa.JSON(), nullable=True),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('warn_at', sa.Date(), nullable=True),
        sa.Column('paused_on', sa.Date(), nullable=True),
        sa.Column('paused_working_days', sa.Integer(), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=True),
        sa.Column('decided_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('last_action_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_branch_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_case_branch_department_id_department')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_branch')),
        sa.UniqueConstraint('case_id', 'department_id', name='uq_case_branch_department'),
    )
    op.create_index('ix_case_branch_department', 'case_branch', ['department_id', 'status', 'deadline'])
    op.create_index('ix_case_branch_running', 'case_branch', ['deadline'], sqlite_where=RUNNING,
                    postgresql_where=RUNNING)
    op.create_index('ix_case_branch_case_no', 'case_branch', ['case_no', 'department_id'])
    op.create_index('ix_case_branch_last_action', 'case_branch', ['last_action_at'])
    for table in ('rectification', 'license', 'supervision_order'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('joint', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('supervision_alert') as batch:
        batch.add_column(sa.Column('subject', sa.String(length=40), nullable=False, server_default=''))
        batch.drop_index('uq_supervision_alert_open', sqlite_where=OPEN, postgresql_where=OPEN)
        batch.create_index('uq_supervision_alert_open', ['case_no', 'rule', 'subject'], unique=True,
                           sqlite_where=OPEN, postgresql_where=OPEN)
        batch.create_index('ix_supervision_alert_open_subject', ['rule'], sqlite_where=OPEN_SUBJECT,
                           postgresql_where=OPEN_SUBJECT)


def downgrade() -> None:
    with op.batch_alter_table('supervision_alert') as batch:
        batch.drop_index('ix_supervision_alert_open_subject', sqlite_where=OPEN_SUBJECT,
                         postgresql_where=OPEN_SUBJECT)
        batch.drop_index('uq_supervision_alert_open', sqlite_where=OPEN, postgresql_where=OPEN)
        batch.create_index('uq_supervision_alert_open', ['case_no', 'rule'], unique=True, sqlite_where=OPEN,
                           postgresql_where=OPEN)
        batch.drop_column('subject')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('joint')
    for table in ('supervision_order', 'license', 'rectification'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('version')
    op.drop_index('ix_case_branch_last_action', table_name='case_branch')
    op.drop_index('ix_case_branch_case_no', table_name='case_branch')
    op.drop_index('ix_case_branch_running', table_name='case_branch')
    op.drop_index('ix_case_branch_department', table_name='case_branch')
    op.drop_table('case_branch')
    op.drop_index('ix_lifecycle_event_subject', table_name='lifecycle_event')
    op.drop_table('lifecycle_event')
