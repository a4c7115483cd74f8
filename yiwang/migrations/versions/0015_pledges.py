"""告知承诺 afterwards: post-check tasks with their publication (pledge_check) and credit records on applicants
(credit_record)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = yiwang.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'credit_record',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('subject_kind', sa.String(length=12), nullable=False),
        sa.Column('subject_name', sa.String(length=200), nullable=False),
        sa.Column('subject_code', sa.String(length=18), nullable=False),
        sa.Column('item_type', sa.String(length=64), nullable=False),
        sa.Column('item_name', sa.String(length=300), nullable=False),
        sa.Column('case_no', sa.String(length=40), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('recorded_at', When, nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_credit_record_department_id_department')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record')),
    )
    op.create_index('ix_credit_record_bar', 'credit_record', ['subject', 'kind', 'item_type', 'ends_on'])
    op.create_index('ix_credit_record_department', 'credit_record', ['department_id', 'recorded_at'])
    op.create_index('ix_credit_record_region', 'credit_record', ['region_code', 'recorded_at'],
                    postgresql_ops={'region_code': 'varchar_pattern_ops'})
    op.create_table(
        'pledge_check',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('case_no', sa.String(length=40), nullable=False),
        sa.Column('item_code', sa.String(length=64), nullable=False),
        sa.Column('item_name', sa.String(length=300), nullable=False),
        sa.Column('item_type', sa.String(length=64), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('applicant', sa.String(length=64), nullable=False),
        sa.Column('applicant_kind', sa.String(length=12), nullable=False),
        sa.Column('public_holder', sa.String(length=200), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('check_days', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('warn_at', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('evidence_file_id', sa.String(length=32), nullable=True),
        sa.Column('checked_by', sa.String(length=64), nullable=True),
        sa.Column('checked_by_name', sa.String(length=200), nullable=True),
        sa.Column('checked_at', When, nullable=True),
        sa.Column('on_time', sa.Boolean(), nullable=True),
        sa.Column('credit_record_id', BigId, nullable=True),
        sa.Column('created_at', When, nullable=False),
        sa.Column('last_action_at', When, nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_pledge_check_department_id_department')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_check')),
        sa.UniqueConstraint('case_no', name=op.f('uq_pledge_check_case_no')),
    )
    op.create_index('ix_pledge_check_department', 'pledge_check', ['department_id', 'status', 'deadline'])
    op.create_index('ix_pledge_check_region', 'pledge_check', ['region_code', 'status', 'deadline'],
                    postgresql_ops={'region_code': 'varchar_pattern_ops'})
    op.create_index('ix_pledge_check_published', 'pledge_check', ['decided_on', 'id'])


def downgrade() -> None:
    op.drop_index('ix_pledge_check_published', table_name='pledge_check')
    op.drop_index('ix_pledge_check_region', table_name='pledge_check')
    op.drop_index('ix_pledge_check_department', table_name='pledge_check')
    op.drop_table('pledge_check')
    op.drop_index('ix_credit_record_region', table_name='credit_record')
    op.drop_index('ix_credit_record_department', table_name='credit_record')
    op.drop_index('ix_credit_record_bar', table_name='credit_record')
    op.drop_table('credit_record')
