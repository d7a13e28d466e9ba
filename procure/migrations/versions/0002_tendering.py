"""tendering

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:53:00.568497
"""

from alembic import op
import sqlalchemy as sa
import procure.kernel.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contractor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('uscc_check_failed', sa.Boolean(), nullable=False),
    sa.Column('uscc_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('sme', sa.Boolean(), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('contact_email', sa.String(length=128), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('registered_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_contractor_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['uscc_confirmed_by_id'], ['user_account.id'], name=op.f('fk_contractor_uscc_confirmed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor')),
    sa.UniqueConstraint('uscc', name=op.f('uq_contractor_uscc'))
    )
    with op.batch_alter_table('contractor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_state'), ['state'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('message', sa.String(length=255), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=255), nullable=False),
    sa.Column('read_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('tender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('price_points', procure.kernel.db.Fixed(precision=5, scale=2), nullable=True),
    sa.Column('sme_deduction', procure.kernel.db.Fixed(precision=4, scale=2), nullable=True),
    sa.Column('abnormal_threshold', procure.kernel.db.Fixed(precision=4, scale=2), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('bid_deadline', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('published_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('settled_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sealing_key', sa.Text(), nullable=False),
    sa.Column('source_lot_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_tender_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender')),
    sa.UniqueConstraint('reference', name=op.f('uq_tender_reference'))
    )
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_source_lot_id'), ['source_lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_state'), ['state'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('published_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('deadline_before', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('deadline_after', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_amendment_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment')),
    sa.UniqueConstraint('tender_id', 'version', name=op.f('uq_amendment_tender_id'))
    )
    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('max_points', procure.kernel.db.Fixed(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_criterion_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion')),
    sa.UniqueConstraint('tender_id', 'code', name=op.f('uq_criterion_tender_id'))
    )
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('sealed_tender_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sealed_tender_id'], ['tender.id'], name=op.f('fk_document_sealed_tender_id_tender')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_document_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_sealed_tender_id'), ['sealed_tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_sha256'), ['sha256'], unique=False)

    op.create_table('enquiry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_enquiry_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_enquiry_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_enquiry_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiry'))
    )
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiry_tender_id'), ['tender_id'], unique=False)

    op.create_table('lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('ceiling_price', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('bid_bond', procure.kernel.db.Fixed(precision=14, scale=2), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_lot_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot')),
    sa.UniqueConstraint('tender_id', 'number', name=op.f('uq_lot_tender_id'))
    )
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_tender_id'), ['tender_id'], unique=False)

    op.create_table('opening_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_opening_record_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_opening_record_tender_id_tender')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_record')),
    sa.UniqueConstraint('tender_id', name=op.f('uq_opening_record_tender_id'))
    )
    op.create_table('bid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=True),
    sa.Column('received_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('price', procure.kernel.db.Fixed(precision=14, scale=2), nullable=True),
    sa.Column('bond_form', sa.String(length=16), nullable=True),
    sa.Column('bond_reference', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_bid_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_bid_lot_id_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid')),
    sa.UniqueConstraint('lot_id', 'contractor_id', name=op.f('uq_bid_lot_id'))
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_lot_id'), ['lot_id'], unique=False)

    op.create_table('contractor_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_contractor_document_contractor_id_contractor'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_contractor_document_document_id_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_document'))
    )
    with op.batch_alter_table('contractor_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_document_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('lot_site',
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_lot_site_lot_id_lot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_lot_site_site_id_site')),
    sa.PrimaryKeyConstraint('lot_id', 'site_id', name=op.f('pk_lot_site'))
    )
    with op.batch_alter_table('lot_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_site_site_id'), ['site_id'], unique=False)

    op.create_table('bid_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_bid_document_bid_id_bid'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_bid_document_document_id_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_document'))
    )
    with op.batch_alter_table('bid_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_document_bid_id'), ['bid_id'], unique=False)

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_tender_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entry_sealed_tender_id'), ['sealed_tender_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contractor_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_contractor_id_contractor'), 'contractor', ['contractor_id'], ['id'], use_alter=True)



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_contractor_id_contractor'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_contractor_id'))
        batch_op.drop_column('contractor_id')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_sealed_tender_id'))
        batch_op.drop_column('sealed_tender_id')

    with op.batch_alter_table('bid_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_document_bid_id'))

    op.drop_table('bid_document')
    with op.batch_alter_table('lot_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_site_site_id'))

    op.drop_table('lot_site')
    with op.batch_alter_table('contractor_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_document_contractor_id'))

    op.drop_table('contractor_document')
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_lot_id'))
        batch_op.drop_index(batch_op.f('ix_bid_contractor_id'))

    op.drop_table('bid')
    op.drop_table('opening_record')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_tender_id'))

    op.drop_table('lot')
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiry_tender_id'))

    op.drop_table('enquiry')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_sealed_tender_id'))

    op.drop_table('document')
    op.drop_table('criterion')
    op.drop_table('amendment')
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_state'))
        batch_op.drop_index(batch_op.f('ix_tender_source_lot_id'))

    op.drop_table('tender')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))

    op.drop_table('notification')
    with op.batch_alter_table('contractor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_state'))

    op.drop_table('contractor')
