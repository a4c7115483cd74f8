"""authentication hardening: rate counters in the database, verified phones and phone codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_counter',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('window_start', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_counter'))
    )
    op.create_table('phone_code',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('principal', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_code'))
    )
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_code_principal'), ['principal'], unique=False)
    # existing phones stay unverified: they log in by ID number / USCC until the holder confirms the phone
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True))
    # login throttling moved to rate_counter (attempts are counted there atomically)
    op.drop_table('login_failure')


def downgrade() -> None:
    op.create_table('login_failure',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_code_principal'))
    op.drop_table('phone_code')
    op.drop_table('rate_counter')
