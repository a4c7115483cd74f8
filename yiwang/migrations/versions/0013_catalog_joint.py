"""joint approval (并联审批) configuration of an item version: the lead and branch departments, each branch's
working-day limit, timeout rule and visible materials

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 17:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalog_item_version') as batch:
        batch.add_column(sa.Column('joint', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('catalog_item_version') as batch:
        batch.drop_column('joint')
