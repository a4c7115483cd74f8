"""一件事 bundles: the bundle catalog (catalog_bundle), bundle applications and their idempotency keys, and the
bundle application a case was filed under

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = yiwang.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'catalog_bundle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('audience', sa.String(length=12), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_at', When, nullable=False),
        sa.Column('updated_at', When, nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_bundle')),
        sa.UniqueConstraint('code', name=op.f('uq_catalog_bundle_code')),
    )
    op.create_table(
        'bundle_application',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('application_no', sa.String(length=40), nullable=False),
        sa.Column('bundle_code', sa.String(length=64), nullable=False),
        sa.Column('bundle_name', sa.String(length=200), nullable=False),
        sa.Column('applicant', sa.String(length=64), nullable=False),
        sa.Column('applicant_name', sa.String(length=200), nullable=False),
        sa.Column('filed_by', sa.String(length=64), nullable=True),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('item_codes', sa.JSON(), nullable=False),
        sa.Column('form', sa.JSON(), nullable=False),
        sa.Column('submitted_at', When, nullable=False),
        sa.Column('delivered_at', When, nullable=True),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_application')),
        sa.UniqueConstraint('application_no', name=op.f('uq_bundle_application_application_no')),
    )
    op.create_index('ix_bundle_application_applicant', 'bundle_application', ['applicant', 'submitted_at'])
    op.create_index('ix_bundle_application_bundle', 'bundle_application', ['bundle_code', 'submitted_at'])
    op.create_table(
        'bundle_submission_key',
        sa.Column('principal', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('application_id', BigId, nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.PrimaryKeyConstraint('principal', 'key', name=op.f('pk_bundle_submission_key')),
    )
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('bundle_application_id', BigId, nullable=True))
        batch.create_index('ix_cases_bundle_application_id', ['bundle_application_id'])


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_cases_bundle_application_id')
        batch.drop_column('bundle_application_id')
    op.drop_table('bundle_submission_key')
    op.drop_index('ix_bundle_application_bundle', table_name='bundle_application')
    op.drop_index('ix_bundle_application_applicant', table_name='bundle_application')
    op.drop_table('bundle_application')
    op.drop_table('catalog_bundle')
