"""window decisions per item (catalog_item.window_may_decide) and 一人多岗 departments (department.combined_duties)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_item") as batch:
        batch.add_column(sa.Column("window_may_decide", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("combined_duties", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.drop_column("combined_duties")
    with op.batch_alter_table("catalog_item") as batch:
        batch.drop_column("window_may_decide")
