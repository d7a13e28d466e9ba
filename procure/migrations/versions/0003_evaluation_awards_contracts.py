"""evaluation, awards, contracts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:13:06.930898
"""

from alembic import op
import sqlalchemy as sa
import procure.kernel.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('expert_relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=128), nullable=False),
    sa.Column('declared_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_expert_relation_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_expert_relation_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_relation')),
    sa.UniqueConstraint('user_id', 'contractor_id', name=op.f('uq_expert_relation_user_id'))
    )
    with op.batch_alter_table('expert_relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_relation_user_id'), ['user_id'], unique=False)

    op.create_table('committee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('formed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('formed_by_id', sa.Integer(), nullable=True),
    sa.Column('draw_seed', sa.BigInteger(), nullable=True),
    sa.Column('ranking_seed', sa.BigInteger(), nullable=True),
    sa.Column('finalized_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('unsuccessful', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['formed_by_id'], ['user_account.id'], name=op.f('fk_committee_formed_by_id_user_account')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_committee_lot_id_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_committee_lot_id'))
    )
    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proposed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('publicity_ends_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('notice_issued_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_award_bid_id_bid')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_award_lot_id_lot')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_award_proposed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_award_lot_id'))
    )
    op.create_table('bid_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('compliant', sa.Boolean(), nullable=True),
    sa.Column('compliance_reason', sa.Text(), nullable=False),
    sa.Column('compliance_by_id', sa.Integer(), nullable=True),
    sa.Column('abnormal_decision', sa.String(length=16), nullable=True),
    sa.Column('abnormal_reason', sa.Text(), nullable=False),
    sa.Column('abnormal_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['abnormal_by_id'], ['user_account.id'], name=op.f('fk_bid_review_abnormal_by_id_user_account')),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_bid_review_bid_id_bid')),
    sa.ForeignKeyConstraint(['compliance_by_id'], ['user_account.id'], name=op.f('fk_bid_review_compliance_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_review')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_bid_review_bid_id'))
    )
    op.create_table('committee_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_expert', sa.Boolean(), nullable=False),
    sa.Column('declared_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('sheet_submitted_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], name=op.f('fk_committee_member_committee_id_committee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_committee_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_member')),
    sa.UniqueConstraint('committee_id', 'user_id', name=op.f('uq_committee_member_committee_id'))
    )
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_member_user_id'), ['user_id'], unique=False)

    op.create_table('evaluation_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('evaluated_price', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('compliant', sa.Boolean(), nullable=False),
    sa.Column('price_score', procure.kernel.db.Fixed(precision=5, scale=2), nullable=True),
    sa.Column('technical_score', procure.kernel.db.Fixed(precision=5, scale=2), nullable=True),
    sa.Column('total', procure.kernel.db.Fixed(precision=5, scale=2), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_evaluation_result_bid_id_bid')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_evaluation_result_lot_id_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_result')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_evaluation_result_bid_id'))
    )
    with op.batch_alter_table('evaluation_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_result_lot_id'), ['lot_id'], unique=False)

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('amount', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('monthly_fee', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('performance_bond', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('retention_rate', procure.kernel.db.Fixed(precision=5, scale=4), nullable=False),
    sa.Column('sampling_share', procure.kernel.db.Fixed(precision=4, scale=2), nullable=False),
    sa.Column('defects_liability_months', sa.Integer(), nullable=False),
    sa.Column('payment_table', sa.JSON(), nullable=False),
    sa.Column('penalty_rules', sa.JSON(), nullable=False),
    sa.Column('notice_issued_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('contractor_signed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('contractor_signed_by_id', sa.Integer(), nullable=True),
    sa.Column('officer_signed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('officer_signed_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_contract_award_id_award')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_contract_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['contractor_signed_by_id'], ['user_account.id'], name=op.f('fk_contract_contractor_signed_by_id_user_account')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_contract_lot_id_lot')),
    sa.ForeignKeyConstraint(['officer_signed_by_id'], ['user_account.id'], name=op.f('fk_contract_officer_signed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_contract_lot_id')),
    sa.UniqueConstraint('number', name=op.f('uq_contract_number'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_state'), ['state'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('filed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_objection_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_objection_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_objection_contractor_id_contractor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_award_id'), ['award_id'], unique=False)

    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=32), nullable=False),
    sa.Column('points', procure.kernel.db.Fixed(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_score_bid_id_bid')),
    sa.ForeignKeyConstraint(['member_id'], ['committee_member.id'], name=op.f('fk_score_member_id_committee_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('member_id', 'bid_id', 'criterion_code', name=op.f('uq_score_member_id'))
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_member_id'), ['member_id'], unique=False)

    op.create_table('contract_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('area_m2', procure.kernel.db.Fixed(precision=12, scale=2), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_site_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_contract_site_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_site'))
    )
    with op.batch_alter_table('contract_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_site_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_site_site_id'), ['site_id'], unique=False)

    op.create_table('variation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('area_before', procure.kernel.db.Fixed(precision=12, scale=2), nullable=True),
    sa.Column('area_after', procure.kernel.db.Fixed(precision=12, scale=2), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('monthly_fee_delta', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('added_value', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_variation_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_variation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_variation_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variation')),
    sa.UniqueConstraint('contract_id', 'number', name=op.f('uq_variation_contract_id'))
    )


def downgrade() -> None:
    op.drop_table('variation')
    with op.batch_alter_table('contract_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_site_site_id'))
        batch_op.drop_index(batch_op.f('ix_contract_site_contract_id'))

    op.drop_table('contract_site')
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_member_id'))

    op.drop_table('score')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_award_id'))

    op.drop_table('objection')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_state'))
        batch_op.drop_index(batch_op.f('ix_contract_contractor_id'))

    op.drop_table('contract')
    with op.batch_alter_table('evaluation_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_result_lot_id'))

    op.drop_table('evaluation_result')
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_member_user_id'))

    op.drop_table('committee_member')
    op.drop_table('bid_review')
    op.drop_table('award')
    op.drop_table('committee')
    with op.batch_alter_table('expert_relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_relation_user_id'))

    op.drop_table('expert_relation')
