"""portal: search demand counts (portal_search_count) and announcements (portal_announcement)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_search_count',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('query', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_search_count')),
    sa.UniqueConstraint('day', 'query', name='uq_portal_search_count_day_query')
    )
    op.create_index('ix_portal_search_count_day', 'portal_search_count', ['day'], unique=False)
    op.create_table('portal_announcement',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_announcement'))
    )
    op.create_index('ix_portal_announcement_region_code', 'portal_announcement', ['region_code'], unique=False)
    op.create_index('ix_portal_announcement_status', 'portal_announcement', ['status', 'published_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_portal_announcement_status', table_name='portal_announcement')
    op.drop_index('ix_portal_announcement_region_code', table_name='portal_announcement')
    op.drop_table('portal_announcement')
    op.drop_index('ix_portal_search_count_day', table_name='portal_search_count')
    op.drop_table('portal_search_count')
