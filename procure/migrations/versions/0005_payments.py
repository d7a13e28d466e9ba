"""payments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:35:47.671744
"""

from alembic import op
import sqlalchemy as sa
import procure.kernel.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('outlet', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_media_exposure_contract_id_contract')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_media_exposure_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_exposure')),
    sa.UniqueConstraint('contract_id', 'reported_on', 'outlet', name=op.f('uq_media_exposure_contract_id'))
    )
    with op.batch_alter_table('media_exposure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_exposure_contract_id'), ['contract_id'], unique=False)

    op.create_table('payment_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('assessed', sa.Boolean(), nullable=False),
    sa.Column('base', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('score', procure.kernel.db.Fixed(precision=5, scale=2), nullable=True),
    sa.Column('coefficient', procure.kernel.db.Fixed(precision=6, scale=4), nullable=True),
    sa.Column('failing', sa.Boolean(), nullable=False),
    sa.Column('penalties', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('payable', procure.kernel.db.Fixed(precision=14, scale=2), nullable=True),
    sa.Column('retention', procure.kernel.db.Fixed(precision=14, scale=2), nullable=True),
    sa.Column('net', procure.kernel.db.Fixed(precision=14, scale=2), nullable=True),
    sa.Column('computed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('returned_reason', sa.Text(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_payment_statement_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_payment_statement_contract_id_contract')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_payment_statement_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_statement')),
    sa.UniqueConstraint('contract_id', 'month', 'kind', name=op.f('uq_payment_statement_contract_id'))
    )
    with op.batch_alter_table('payment_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_statement_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_statement_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_statement_state'), ['state'], unique=False)

    op.create_table('statement_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_statement_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['statement_id'], ['payment_statement.id'], name=op.f('fk_statement_event_statement_id_payment_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_event'))
    )
    with op.batch_alter_table('statement_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_event_statement_id'), ['statement_id'], unique=False)

    op.create_table('statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('quantity', procure.kernel.db.Fixed(precision=10, scale=2), nullable=False),
    sa.Column('amount', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['payment_statement.id'], name=op.f('fk_statement_line_statement_id_payment_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_line'))
    )
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_line_statement_id'), ['statement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_line_statement_id'))

    op.drop_table('statement_line')
    with op.batch_alter_table('statement_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_event_statement_id'))

    op.drop_table('statement_event')
    with op.batch_alter_table('payment_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_statement_state'))
        batch_op.drop_index(batch_op.f('ix_payment_statement_month'))
        batch_op.drop_index(batch_op.f('ix_payment_statement_contract_id'))

    op.drop_table('payment_statement')
    with op.batch_alter_table('media_exposure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_exposure_contract_id'))

    op.drop_table('media_exposure')
