"""logins: server-side login sessions (revocable) and login throttles

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:10:00
"""

from alembic import op
import sqlalchemy as sa

import procure.kernel.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=8), nullable=False),
        sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_session_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash')),
    )
    op.create_index(op.f('ix_login_session_user_id'), 'login_session', ['user_id'], unique=False)
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    op.drop_index(op.f('ix_login_session_user_id'), table_name='login_session')
    op.drop_table('login_session')
