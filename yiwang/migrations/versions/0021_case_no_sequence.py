"""Case numbers from a sequence on PostgreSQL, taken inside the filing's own transaction

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 07:05:00
"""
from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has one writer: its per-region, per-day counter stays
    op.execute("CREATE SEQUENCE IF NOT EXISTS case_no_seq")
    # past every number any per-day counter gave, so that no region and day can meet a number twice
    op.execute("SELECT setval('case_no_seq', GREATEST(1, (SELECT COALESCE(max(last), 0) FROM case_number_counter)))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the counters go on from the sequence, so the numbers given meanwhile are not given again: every counter
    # there is, and one for each region with cases for the days around now (numbers carry the local day; a
    # filing after the downgrade takes today's)
    op.execute("UPDATE case_number_counter SET last = GREATEST(last, (SELECT last_value FROM case_no_seq))")
    op.execute("""
        INSERT INTO case_number_counter (region_code, day, last)
        SELECT DISTINCT substr(c.region_code, 1, 6), d.day, s.last_value
        FROM cases c, case_no_seq s,
             (VALUES (current_date - 1), (current_date), (current_date + 1)) AS d(day)
        ON CONFLICT (region_code, day) DO UPDATE SET last = GREATEST(case_number_counter.last, EXCLUDED.last)
    """)
    op.execute("DROP SEQUENCE IF EXISTS case_no_seq")
