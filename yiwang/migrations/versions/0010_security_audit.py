"""audit chain keying and checkpoints (placeholder until its changes land)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import yiwang.core.db  # noqa: F401

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
