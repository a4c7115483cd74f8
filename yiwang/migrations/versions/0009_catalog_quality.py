"""outbox events name their subject (case:<case_no>) so a failed side effect shows on its case

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_event") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=100), nullable=True))
    op.create_index("ix_outbox_event_subject", "outbox_event", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_outbox_event_subject", table_name="outbox_event")
    with op.batch_alter_table("outbox_event") as batch:
        batch.drop_column("subject")
