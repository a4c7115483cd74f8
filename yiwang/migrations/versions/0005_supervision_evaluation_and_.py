"""supervision, evaluation and notifications: rules, alerts, orders, runs, ratings, rectifications, messages, deliveries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 02:13:41.091095
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_license_pdf_sha256', 'license', ['pdf_sha256'], unique=False)
    op.create_index('ix_case_last_action', 'cases', ['last_action_at'], unique=False)
    op.create_index('ix_case_due_running', 'cases', ['due'], unique=False, sqlite_where=sa.text("due IS NOT NULL"),
                    postgresql_where=sa.text("due IS NOT NULL"))
    op.create_table('notify_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('event_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_message')),
    sa.UniqueConstraint('event_key', name=op.f('uq_notify_message_event_key'))
    )
    with op.batch_alter_table('notify_message', schema=None) as batch_op:
        batch_op.create_index('ix_notify_message_recipient', ['recipient', 'created_at'], unique=False)

    op.create_table('supervision_rule',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('scope_value', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_rule')),
    sa.UniqueConstraint('code', 'scope', 'scope_value', name='uq_supervision_rule_scope')
    )
    op.create_table('supervision_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('started_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('raised', sa.Integer(), nullable=False),
    sa.Column('cleared', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_run'))
    )
    op.create_table('notify_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['notify_message.id'], name=op.f('fk_notify_delivery_message_id_notify_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_delivery'))
    )
    with op.batch_alter_table('notify_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notify_delivery_message', ['message_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('applicant', sa.String(length=64), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('appeal_status', sa.String(length=12), nullable=True),
    sa.Column('appeal_reason', sa.Text(), nullable=True),
    sa.Column('appeal_decision', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_evaluation_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('case_no', 'applicant', name='uq_evaluation_case_applicant')
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_department', ['department_id', 'created_at'], unique=False)

    op.create_table('supervision_alert',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('item_type', sa.String(length=8), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('raised_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cleared_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_supervision_alert_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_alert'))
    )
    with op.batch_alter_table('supervision_alert', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_alert_department', ['department_id', 'status', 'level'], unique=False)
        batch_op.create_index('ix_supervision_alert_raised', ['raised_on'], unique=False)
        batch_op.create_index('ix_supervision_alert_case_rule', ['case_no', 'rule'], unique=False)
        batch_op.create_index('ix_supervision_alert_open_level', ['level'], unique=False,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_supervision_alert_region', ['region_code', 'status'], unique=False, postgresql_ops={'region_code': 'varchar_pattern_ops'})
        batch_op.create_index('uq_supervision_alert_open', ['case_no', 'rule'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('rectification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('callback_note', sa.Text(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_by', sa.String(length=64), nullable=True),
    sa.Column('replied_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_rectification_department_id_department')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_rectification_evaluation_id_evaluation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification'))
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_department', ['department_id', 'status', 'deadline'], unique=False)
        batch_op.create_index('ix_rectification_evaluation', ['evaluation_id'], unique=False)

    op.create_table('supervision_order',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_no', sa.String(length=30), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=True),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('reply_due', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_by', sa.String(length=64), nullable=True),
    sa.Column('replied_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['supervision_alert.id'], name=op.f('fk_supervision_order_alert_id_supervision_alert')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_supervision_order_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_order')),
    sa.UniqueConstraint('order_no', name=op.f('uq_supervision_order_order_no'))
    )
    with op.batch_alter_table('supervision_order', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_order_department', ['department_id', 'status'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_case_due_running', table_name='cases')
    op.drop_index('ix_case_last_action', table_name='cases')
    op.drop_index('ix_license_pdf_sha256', table_name='license')
    with op.batch_alter_table('supervision_order', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_order_department')

    op.drop_table('supervision_order')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_evaluation')
        batch_op.drop_index('ix_rectification_department')

    op.drop_table('rectification')
    with op.batch_alter_table('supervision_alert', schema=None) as batch_op:
        batch_op.drop_index('uq_supervision_alert_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_supervision_alert_region', postgresql_ops={'region_code': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_supervision_alert_open_level')
        batch_op.drop_index('ix_supervision_alert_raised')
        batch_op.drop_index('ix_supervision_alert_case_rule')
        batch_op.drop_index('ix_supervision_alert_department')

    op.drop_table('supervision_alert')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_department')

    op.drop_table('evaluation')
    with op.batch_alter_table('notify_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notify_delivery_message')

    op.drop_table('notify_delivery')
    op.drop_table('supervision_run')
    op.drop_table('supervision_rule')
    with op.batch_alter_table('notify_message', schema=None) as batch_op:
        batch_op.drop_index('ix_notify_message_recipient')

    op.drop_table('notify_message')
