"""foundation: jurisdictions, sites, unit rates, users, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 02:37:52.043085
"""

from alembic import op
import sqlalchemy as sa
import procure.kernel.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jurisdiction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['jurisdiction.id'], name=op.f('fk_jurisdiction_parent_id_jurisdiction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jurisdiction')),
    sa.UniqueConstraint('code', name=op.f('uq_jurisdiction_code'))
    )
    op.create_table('unit_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('yuan_per_m2_year', procure.kernel.db.Fixed(precision=10, scale=2), nullable=False),
    sa.Column('updated_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_rate')),
    sa.UniqueConstraint('kind', 'grade', name=op.f('uq_unit_rate_kind'))
    )
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('area_m2', procure.kernel.db.Fixed(precision=12, scale=2), nullable=False),
    sa.Column('length_m', procure.kernel.db.Fixed(precision=10, scale=2), nullable=True),
    sa.Column('width_m', procure.kernel.db.Fixed(precision=8, scale=2), nullable=True),
    sa.Column('handover_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('lon', procure.kernel.db.Fixed(precision=10, scale=6), nullable=True),
    sa.Column('lat', procure.kernel.db.Fixed(precision=10, scale=6), nullable=True),
    sa.Column('geojson', sa.JSON(), nullable=True),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdiction.id'], name=op.f('fk_site_jurisdiction_id_jurisdiction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('code', name=op.f('uq_site_code'))
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_handover_date'), ['handover_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_name'), ['name'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdiction.id'], name=op.f('fk_user_account_jurisdiction_id_jurisdiction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_role'), ['role'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entry_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_role'))

    op.drop_table('user_account')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_name'))
        batch_op.drop_index(batch_op.f('ix_site_kind'))
        batch_op.drop_index(batch_op.f('ix_site_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_site_handover_date'))

    op.drop_table('site')
    op.drop_table('unit_rate')
    op.drop_table('jurisdiction')
