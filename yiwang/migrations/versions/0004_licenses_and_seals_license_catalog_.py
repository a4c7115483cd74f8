"""licenses and seals: license catalog, licenses, verifications, shares, seal authority, seals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:00:44.463648
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import yiwang.core.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('license_counter',
    sa.Column('type_code', sa.String(length=21), nullable=False),
    sa.Column('issuer_code', sa.String(length=18), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('type_code', 'issuer_code', name=op.f('pk_license_counter'))
    )
    op.create_table('license_verification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('license_id', sa.String(length=32), nullable=True),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_verification'))
    )
    with op.batch_alter_table('license_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_license_verification_license_id'), ['license_id'], unique=False)

    op.create_table('seal_authority',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key_enc', sa.LargeBinary(), nullable=False),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seal_authority')),
    sa.UniqueConstraint('name', name=op.f('uq_seal_authority_name'))
    )
    op.create_table('license_type',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('validity_years', sa.Integer(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_license_type_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_type')),
    sa.UniqueConstraint('code', name=op.f('uq_license_type_code')),
    sa.UniqueConstraint('name', name=op.f('uq_license_type_name'))
    )
    op.create_table('seal',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('private_enc', sa.LargeBinary(), nullable=False),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('cert_sha256', sa.String(length=64), nullable=False),
    sa.Column('cert_key_enc', sa.LargeBinary(), nullable=False),
    sa.Column('valid_from', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_seal_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seal')),
    sa.UniqueConstraint('code', name=op.f('uq_seal_code'))
    )
    with op.batch_alter_table('seal', schema=None) as batch_op:
        batch_op.create_index('ix_seal_department_status', ['department_id', 'status'], unique=False)

    op.create_table('license',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('license_id', sa.String(length=32), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.String(length=21), nullable=False),
    sa.Column('type_name', sa.String(length=200), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('holder_kind', sa.String(length=12), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('holder_code', sa.String(length=18), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('issuer_name', sa.String(length=200), nullable=False),
    sa.Column('issuer_code', sa.String(length=18), nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('issued_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('seal_code', sa.String(length=20), nullable=False),
    sa.Column('seal_signature', sa.JSON(), nullable=False),
    sa.Column('pdf_file_id', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_license_department_id_department')),
    sa.ForeignKeyConstraint(['type_id'], ['license_type.id'], name=op.f('fk_license_type_id_license_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license')),
    sa.UniqueConstraint('case_no', 'type_code', name='uq_license_case_type'),
    sa.UniqueConstraint('identifier', name=op.f('uq_license_identifier')),
    sa.UniqueConstraint('license_id', name=op.f('uq_license_license_id'))
    )
    with op.batch_alter_table('license', schema=None) as batch_op:
        batch_op.create_index('ix_license_department', ['department_id', 'issued_at'], unique=False)
        batch_op.create_index('ix_license_holder', ['holder', 'issued_at'], unique=False)
        batch_op.create_index('ix_license_holder_code', ['holder_code'], unique=False)

    op.create_table('license_share',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('license_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', yiwang.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['license_pk'], ['license.id'], name=op.f('fk_license_share_license_pk_license')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_share')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_license_share_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('license_share')
    with op.batch_alter_table('license', schema=None) as batch_op:
        batch_op.drop_index('ix_license_holder_code')
        batch_op.drop_index('ix_license_holder')
        batch_op.drop_index('ix_license_department')

    op.drop_table('license')
    with op.batch_alter_table('seal', schema=None) as batch_op:
        batch_op.drop_index('ix_seal_department_status')

    op.drop_table('seal')
    op.drop_table('license_type')
    op.drop_table('seal_authority')
    with op.batch_alter_table('license_verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_verification_license_id'))

    op.drop_table('license_verification')
    op.drop_table('license_counter')
