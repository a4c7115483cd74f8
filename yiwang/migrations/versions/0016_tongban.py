"""cross-region 通办 and upward forwarding (转报): the receiving window on a case, paper originals forwarded by
courier (case_paper_transfer), and the forwards of a case to a department of an ancestor region (case_forward)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
HAS_REGION = sa.text("intake_region_code IS NOT NULL")
HAS_DEPARTMENT = sa.text("intake_department_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('intake_region_code', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('intake_department_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('intake_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('deliver_at_intake', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_foreign_key('fk_cases_intake_department_id_department', 'department',
                                 ['intake_department_id'], ['id'])
    op.create_index('ix_case_intake_region', 'cases', ['intake_region_code'],
                    postgresql_ops={'intake_region_code': 'varchar_pattern_ops'},
                    sqlite_where=HAS_REGION, postgresql_where=HAS_REGION)
    op.create_index('ix_case_intake_department', 'cases', ['intake_department_id'],
                    sqlite_where=HAS_DEPARTMENT, postgresql_where=HAS_DEPARTMENT)
    op.create_table(
        'case_paper_transfer',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('case_id', BigId, nullable=False),
        sa.Column('case_no', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('courier', sa.String(length=100), nullable=False),
        sa.Column('tracking_no', sa.String(length=64), nullable=False),
        sa.Column('materials', sa.JSON(), nullable=False),
        sa.Column('from_department_id', sa.Integer(), nullable=True),
        sa.Column('to_department_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_by', sa.String(length=64), nullable=False),
        sa.Column('received_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('received_by', sa.String(length=64), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('last_action_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_paper_transfer_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_department_id'], ['department.id'],
                                name=op.f('fk_case_paper_transfer_from_department_id_department')),
        sa.ForeignKeyConstraint(['to_department_id'], ['department.id'],
                                name=op.f('fk_case_paper_transfer_to_department_id_department')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_paper_transfer')),
    )
    op.create_index('ix_case_paper_transfer_case_id', 'case_paper_transfer', ['case_id'])
    op.create_table(
        'case_forward',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('case_id', BigId, nullable=False),
        sa.Column('from_department_id', sa.Integer(), nullable=False),
        sa.Column('to_department_id', sa.Integer(), nullable=False),
        sa.Column('at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('forwarded_by', sa.String(length=64), nullable=False),
        sa.Column('clock_rule', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_forward_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_department_id'], ['department.id'],
                                name=op.f('fk_case_forward_from_department_id_department')),
        sa.ForeignKeyConstraint(['to_department_id'], ['department.id'],
                                name=op.f('fk_case_forward_to_department_id_department')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_forward')),
    )
    op.create_index('ix_case_forward_case_id', 'case_forward', ['case_id'])
    op.create_index('ix_case_forward_from_department_id', 'case_forward', ['from_department_id'])


def downgrade() -> None:
    op.drop_index('ix_case_forward_from_department_id', table_name='case_forward')
    op.drop_index('ix_case_forward_case_id', table_name='case_forward')
    op.drop_table('case_forward')
    op.drop_index('ix_case_paper_transfer_case_id', table_name='case_paper_transfer')
    op.drop_table('case_paper_transfer')
    op.drop_index('ix_case_intake_department', table_name='cases')
    op.drop_index('ix_case_intake_region', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint('fk_cases_intake_department_id_department', type_='foreignkey')
        batch.drop_column('deliver_at_intake')
        batch.drop_column('intake_by')
        batch.drop_column('intake_department_id')
        batch.drop_column('intake_region_code')
