"""audit chain keying: hash scheme per record (existing records marked legacy sha256), signed chain heads

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db  # noqa: F401

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_scheme', sa.String(length=16), server_default='sha256', nullable=False))
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.String(length=64), nullable=True))
    # data step: every record written so far was hashed with plain SHA-256; the heads stay unsigned until
    # `yiwang db upgrade` has verified each chain and signs it with the audit key (kept outside the database)
    op.execute(sa.text("UPDATE audit_record SET hash_scheme = 'sha256'"))
    op.execute(sa.text("UPDATE audit_head SET signature = NULL"))


def downgrade() -> None:
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('signature')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_column('hash_scheme')
