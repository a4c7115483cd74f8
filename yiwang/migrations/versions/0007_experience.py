"""deferred materials on cases (容缺后补: owed list, due date, reminder); license templates take 经营项目 from the form

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
    _license_fields_from_the_form()


# a constant a template used to print; the form field that now carries what the applicant applied for
CONSTANT_FIELDS = {"经营项目": "form.business_items"}


def _license_fields_from_the_form() -> None:
    """Licence templates may no longer print constants: 经营项目 comes from the application form (required)."""
    bind = op.get_bind()
    table = sa.table('license_type', sa.column('code', sa.String()), sa.column('fields', sa.JSON()))
    for code, fields in bind.execute(sa.select(table.c.code, table.c.fields)).all():
        if not isinstance(fields, list):
            continue
        changed = False
        out = []
        for f in fields:
            f = dict(f) if isinstance(f, dict) else f
            if isinstance(f, dict) and str(f.get('source', '')).startswith('text:') \
                    and f.get('label') in CONSTANT_FIELDS:
                f = {'label': f['label'], 'source': CONSTANT_FIELDS[f['label']], 'required': True}
                changed = True
            out.append(f)
        if changed:
            bind.execute(table.update().where(table.c.code == code).values(fields=out))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_case_supplement_due')
        batch.drop_column('supplement_reminded_at')
        batch.drop_column('supplement_due')
        batch.drop_column('deferred')
