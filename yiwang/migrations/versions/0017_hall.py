"""The service hall: halls, windows and their staff, queue tickets (with the per-hall daily counter), appointment
slots and appointments, and the visits windows register

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:11:29.351692
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('opens', sa.String(length=5), nullable=False),
    sa.Column('closes', sa.String(length=5), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('slot_capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_hall_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall')),
    sa.UniqueConstraint('code', name=op.f('uq_hall_code'))
    )
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hall_region_code'), ['region_code'], unique=False)

    op.create_table('hall_appointment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('appointment_no', sa.String(length=24), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('window_type', sa.String(length=12), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('applicant', sa.String(length=64), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_action_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_appointment_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_appointment')),
    sa.UniqueConstraint('appointment_no', name=op.f('uq_hall_appointment_appointment_no'))
    )
    with op.batch_alter_table('hall_appointment', schema=None) as batch_op:
        batch_op.create_index('ix_hall_appointment_applicant', ['applicant', 'day'], unique=False)
        batch_op.create_index('ix_hall_appointment_day', ['hall_id', 'day', 'status'], unique=False)
        batch_op.create_index('uq_hall_appointment_booked', ['applicant', 'hall_id', 'day'], unique=True,
                              sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))

    op.create_table('hall_slot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('window_type', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_slot_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_slot')),
    sa.UniqueConstraint('hall_id', 'window_type', 'day', 'start', name='uq_hall_slot')
    )
    op.create_table('hall_ticket_counter',
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_ticket_counter_hall_id_hall')),
    sa.PrimaryKeyConstraint('hall_id', 'day', name=op.f('pk_hall_ticket_counter'))
    )
    op.create_table('hall_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('terminal_key_hash', sa.String(length=64), nullable=True),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_window_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_window')),
    sa.UniqueConstraint('code', name=op.f('uq_hall_window_code'))
    )
    with op.batch_alter_table('hall_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hall_window_hall_id'), ['hall_id'], unique=False)

    op.create_table('hall_ticket',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ticket_no', sa.String(length=12), nullable=False),
    sa.Column('window_type', sa.String(length=12), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('priority_reason', sa.String(length=12), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('applicant', sa.String(length=64), nullable=True),
    sa.Column('appointment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('called_by', sa.Integer(), nullable=True),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('taken_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('called_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('served_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_action_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_ticket_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['hall_window.id'], name=op.f('fk_hall_ticket_window_id_hall_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_ticket')),
    sa.UniqueConstraint('hall_id', 'day', 'seq', name='uq_hall_ticket_seq')
    )
    with op.batch_alter_table('hall_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_hall_ticket_applicant', ['applicant', 'day'], unique=False)
        batch_op.create_index('ix_hall_ticket_queue', ['hall_id', 'day', 'status', 'window_type', 'priority', 'queued_at'], unique=False)

    op.create_table('hall_visit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('visit_no', sa.String(length=24), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('window_type', sa.String(length=12), nullable=False),
    sa.Column('first_staff_id', sa.Integer(), nullable=False),
    sa.Column('first_staff_name', sa.String(length=200), nullable=False),
    sa.Column('responsible_staff_id', sa.Integer(), nullable=False),
    sa.Column('responsible_staff_name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('handovers', sa.JSON(), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=True),
    sa.Column('person_name', sa.String(length=200), nullable=True),
    sa.Column('item_code', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('case_no', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('started_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('rated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_hall_visit_department_id_department')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_visit_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['hall_window.id'], name=op.f('fk_hall_visit_window_id_hall_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_visit')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_hall_visit_ticket_id')),
    sa.UniqueConstraint('visit_no', name=op.f('uq_hall_visit_visit_no'))
    )
    with op.batch_alter_table('hall_visit', schema=None) as batch_op:
        batch_op.create_index('ix_hall_visit_day', ['hall_id', 'day'], unique=False)
        batch_op.create_index('ix_hall_visit_window', ['window_id', 'finished_at'], unique=False)

    op.create_table('hall_window_staff',
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_hall_window_staff_staff_id_staff')),
    sa.ForeignKeyConstraint(['window_id'], ['hall_window.id'], name=op.f('fk_hall_window_staff_window_id_hall_window')),
    sa.PrimaryKeyConstraint('window_id', 'staff_id', name=op.f('pk_hall_window_staff'))
    )
    with op.batch_alter_table('hall_window_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hall_window_staff_staff_id'), ['staff_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hall_window_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hall_window_staff_staff_id'))

    op.drop_table('hall_window_staff')
    with op.batch_alter_table('hall_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_hall_visit_window')
        batch_op.drop_index('ix_hall_visit_day')

    op.drop_table('hall_visit')
    with op.batch_alter_table('hall_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_hall_ticket_queue')
        batch_op.drop_index('ix_hall_ticket_applicant')

    op.drop_table('hall_ticket')
    with op.batch_alter_table('hall_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hall_window_hall_id'))

    op.drop_table('hall_window')
    op.drop_table('hall_ticket_counter')
    op.drop_table('hall_slot')
    with op.batch_alter_table('hall_appointment', schema=None) as batch_op:
        batch_op.drop_index('uq_hall_appointment_booked')
        batch_op.drop_index('ix_hall_appointment_day')
        batch_op.drop_index('ix_hall_appointment_applicant')

    op.drop_table('hall_appointment')
    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hall_region_code'))

    op.drop_table('hall')
