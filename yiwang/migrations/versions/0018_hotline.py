"""The 12345 hotline: work orders and their daily counter, the units that take orders, routing rules, time limits,
the knowledge base and the message board

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 23:58:05.365761
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotline_counter',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_hotline_counter'))
    )
    op.create_table('hotline_limit',
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('max_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_hotline_limit'))
    )
    op.create_table('hotline_knowledge',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('policies', sa.JSON(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('review_due', sa.Date(), nullable=False),
    sa.Column('reviewed_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_hotline_knowledge_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_knowledge')),
    sa.UniqueConstraint('code', name=op.f('uq_hotline_knowledge_code'))
    )
    with op.batch_alter_table('hotline_knowledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_knowledge_department_id'), ['department_id'], unique=False)

    op.create_table('hotline_rule',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('function', sa.String(length=40), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('any_of', sa.JSON(), nullable=False),
    sa.Column('all_of', sa.JSON(), nullable=False),
    sa.Column('none_of', sa.JSON(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=12), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_hotline_rule_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_rule')),
    sa.UniqueConstraint('code', name=op.f('uq_hotline_rule_code'))
    )
    op.create_table('hotline_ticket',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_no', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('source_ref', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('step', sa.String(length=12), nullable=True),
    sa.Column('step_due', sa.Date(), nullable=True),
    sa.Column('routing', sa.JSON(), nullable=False),
    sa.Column('overridden', sa.Boolean(), nullable=False),
    sa.Column('limit_days', sa.Integer(), nullable=False),
    sa.Column('max_days', sa.Integer(), nullable=False),
    sa.Column('extended_days', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('warn_at', sa.Date(), nullable=True),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('paused_working_days', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Text(), nullable=True),
    sa.Column('progress_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('returned_count', sa.Integer(), nullable=False),
    sa.Column('redispatch_count', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.String(length=14), nullable=True),
    sa.Column('callback_note', sa.Text(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('dispatched_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_hotline_ticket_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_ticket')),
    sa.UniqueConstraint('ticket_no', name=op.f('uq_hotline_ticket_ticket_no'))
    )
    with op.batch_alter_table('hotline_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_hotline_ticket_created', ['created_at'], unique=False)
        batch_op.create_index('ix_hotline_ticket_deadline', ['status', 'deadline'], unique=False)
        batch_op.create_index('ix_hotline_ticket_department', ['department_id', 'status'], unique=False)
        batch_op.create_index('ix_hotline_ticket_owner', ['owner'], unique=False)
        batch_op.create_index('ix_hotline_ticket_region', ['region_code', 'status'], unique=False, postgresql_ops={'region_code': 'varchar_pattern_ops'})

    op.create_table('hotline_unit',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('function', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_hotline_unit_department_id_department')),
    sa.PrimaryKeyConstraint('department_id', name=op.f('pk_hotline_unit'))
    )
    with op.batch_alter_table('hotline_unit', schema=None) as batch_op:
        batch_op.create_index('ix_hotline_unit_function', ['function', 'region_code'], unique=False)

    op.create_table('hotline_board_post',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('public_title', sa.String(length=200), nullable=False),
    sa.Column('public_content', sa.Text(), nullable=False),
    sa.Column('author_alias', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('moderated_by', sa.String(length=64), nullable=True),
    sa.Column('published_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('exposure', sa.Boolean(), nullable=False),
    sa.Column('exposure_problem', sa.Text(), nullable=True),
    sa.Column('exposure_correction', sa.Text(), nullable=True),
    sa.Column('exposed_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['hotline_ticket.id'], name=op.f('fk_hotline_board_post_ticket_id_hotline_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_board_post')),
    sa.UniqueConstraint('ticket_id', name='uq_hotline_board_post_ticket')
    )
    with op.batch_alter_table('hotline_board_post', schema=None) as batch_op:
        batch_op.create_index('ix_hotline_board_post_status', ['status', 'published_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hotline_board_post', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_board_post_status')

    op.drop_table('hotline_board_post')
    with op.batch_alter_table('hotline_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_unit_function')

    op.drop_table('hotline_unit')
    with op.batch_alter_table('hotline_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_ticket_region', postgresql_ops={'region_code': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_hotline_ticket_owner')
        batch_op.drop_index('ix_hotline_ticket_department')
        batch_op.drop_index('ix_hotline_ticket_deadline')
        batch_op.drop_index('ix_hotline_ticket_created')

    op.drop_table('hotline_ticket')
    op.drop_table('hotline_rule')
    with op.batch_alter_table('hotline_knowledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_knowledge_department_id'))

    op.drop_table('hotline_knowledge')
    op.drop_table('hotline_limit')
    op.drop_table('hotline_counter')
