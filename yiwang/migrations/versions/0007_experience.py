"""deferred materials on cases (容缺后补: owed list, due date, reminder)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 09:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('deferred', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('supplement_due', sa.Date(), nullable=True))
        batch.add_column(sa.Column('supplement_reminded_at', yiwang.core.db.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.create_index('ix_case_supplement_due', ['supplement_due'])


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_case_supplement_due')
        batch.drop_column('supplement_reminded_at')
        batch.drop_column('supplement_due')
        batch.drop_column('deferred')
