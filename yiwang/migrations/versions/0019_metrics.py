"""Indicators: daily and monthly counters, compute runs, population figures and the public selection; the
indexes the counters read cases, ratings, licences and hotline orders by

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 03:03:40.747601
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metric_baseline',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'key', name=op.f('pk_metric_baseline'))
    )
    op.create_table('metric_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'key', 'region_code', 'department_id', name=op.f('pk_metric_daily'))
    )
    with op.batch_alter_table('metric_daily', schema=None) as batch_op:
        batch_op.create_index('ix_metric_daily_key_day', ['key', 'day'], unique=False)

    op.create_table('metric_monthly',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'key', 'region_code', 'department_id', name=op.f('pk_metric_monthly'))
    )
    with op.batch_alter_table('metric_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_metric_monthly_region', ['period', 'region_code'], unique=False, postgresql_ops={'region_code': 'varchar_pattern_ops'})

    op.create_table('metric_publication',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_metric_publication'))
    )
    op.create_table('metric_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('started_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_run'))
    )
    with op.batch_alter_table('metric_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_run_period'), ['period'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_case_accepted', ['accepted_at'], unique=False, sqlite_where=sa.text('accepted_at IS NOT NULL'), postgresql_where=sa.text('accepted_at IS NOT NULL'), postgresql_include=['region_code'])
        batch_op.create_index('ix_case_concluded', ['concluded_at'], unique=False, sqlite_where=sa.text('concluded_at IS NOT NULL'), postgresql_where=sa.text('concluded_at IS NOT NULL'), postgresql_include=['region_code'])
        batch_op.create_index('ix_case_submitted', ['submitted_at'], unique=False, postgresql_include=['region_code', 'item_code'])
        batch_op.create_index('ix_case_running_region', ['region_code'], unique=False, postgresql_ops={'region_code': 'varchar_pattern_ops'}, sqlite_where=sa.text('due IS NOT NULL'), postgresql_where=sa.text('due IS NOT NULL'))

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_created', ['created_at'], unique=False)

    with op.batch_alter_table('hotline_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_hotline_ticket_answered', ['answered_at'], unique=False, sqlite_where=sa.text('answered_at IS NOT NULL'), postgresql_where=sa.text('answered_at IS NOT NULL'))
        batch_op.create_index('ix_hotline_ticket_closed', ['closed_at'], unique=False, sqlite_where=sa.text('closed_at IS NOT NULL'), postgresql_where=sa.text('closed_at IS NOT NULL'))

    with op.batch_alter_table('license', schema=None) as batch_op:
        batch_op.create_index('ix_license_issued', ['issued_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('license', schema=None) as batch_op:
        batch_op.drop_index('ix_license_issued')

    with op.batch_alter_table('hotline_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_ticket_closed', sqlite_where=sa.text('closed_at IS NOT NULL'), postgresql_where=sa.text('closed_at IS NOT NULL'))
        batch_op.drop_index('ix_hotline_ticket_answered', sqlite_where=sa.text('answered_at IS NOT NULL'), postgresql_where=sa.text('answered_at IS NOT NULL'))

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_created')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_case_submitted')
        batch_op.drop_index('ix_case_running_region', postgresql_ops={'region_code': 'varchar_pattern_ops'}, sqlite_where=sa.text('due IS NOT NULL'), postgresql_where=sa.text('due IS NOT NULL'))
        batch_op.drop_index('ix_case_concluded', sqlite_where=sa.text('concluded_at IS NOT NULL'), postgresql_where=sa.text('concluded_at IS NOT NULL'))
        batch_op.drop_index('ix_case_accepted', sqlite_where=sa.text('accepted_at IS NOT NULL'), postgresql_where=sa.text('accepted_at IS NOT NULL'))

    with op.batch_alter_table('metric_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_run_period'))

    op.drop_table('metric_run')
    op.drop_table('metric_publication')
    with op.batch_alter_table('metric_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_monthly_region', postgresql_ops={'region_code': 'varchar_pattern_ops'})

    op.drop_table('metric_monthly')
    with op.batch_alter_table('metric_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_daily_key_day')

    op.drop_table('metric_daily')
    op.drop_table('metric_baseline')
