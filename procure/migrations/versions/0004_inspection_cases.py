"""inspection, cases, open311

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 03:25:35.455367
"""

from alembic import op
import sqlalchemy as sa
import procure.kernel.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key_sha256', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_sha256', name=op.f('uq_api_key_key_sha256'))
    )
    op.create_table('inspection_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_template')),
    sa.UniqueConstraint('kind', 'version', name=op.f('uq_inspection_template_kind'))
    )
    with op.batch_alter_table('inspection_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_template_kind'), ['kind'], unique=False)

    op.create_table('template_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=8), nullable=False),
    sa.Column('standard', sa.Text(), nullable=False),
    sa.Column('deduction', procure.kernel.db.Fixed(precision=5, scale=2), nullable=False),
    sa.Column('cap', procure.kernel.db.Fixed(precision=5, scale=2), nullable=False),
    sa.Column('photo_required', sa.Boolean(), nullable=False),
    sa.Column('rectification_hours', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['template_id'], ['inspection_template.id'], name=op.f('fk_template_item_template_id_inspection_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_item')),
    sa.UniqueConstraint('template_id', 'code', name=op.f('uq_template_item_template_id'))
    )
    op.create_table('citizen_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lat', procure.kernel.db.Fixed(precision=10, scale=6), nullable=True),
    sa.Column('lon', procure.kernel.db.Fixed(precision=10, scale=6), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('media_url', sa.String(length=1024), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('status_notes', sa.Text(), nullable=False),
    sa.Column('api_client', sa.String(length=64), nullable=False),
    sa.Column('requested_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_citizen_report_site_id_site')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_citizen_report_verified_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_report'))
    )
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_report_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_report_service_code'), ['service_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_report_status'), ['status'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('inspected_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('planned', sa.Boolean(), nullable=False),
    sa.Column('score', procure.kernel.db.Fixed(precision=5, scale=2), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_inspection_contract_id_contract')),
    sa.ForeignKeyConstraint(['inspector_id'], ['user_account.id'], name=op.f('fk_inspection_inspector_id_user_account')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_inspection_site_id_site')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['inspection.id'], name=op.f('fk_inspection_supersedes_id_inspection')),
    sa.ForeignKeyConstraint(['template_id'], ['inspection_template.id'], name=op.f('fk_inspection_template_id_inspection_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_superseded_by_id'), ['superseded_by_id'], unique=False)

    op.create_table('sampling_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('share', procure.kernel.db.Fixed(precision=4, scale=2), nullable=False),
    sa.Column('pool', sa.JSON(), nullable=False),
    sa.Column('site_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_sampling_plan_contract_id_contract')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_sampling_plan_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sampling_plan')),
    sa.UniqueConstraint('contract_id', 'month', name=op.f('uq_sampling_plan_contract_id'))
    )
    with op.batch_alter_table('sampling_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_plan_contract_id'), ['contract_id'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('deduction', procure.kernel.db.Fixed(precision=5, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_finding_inspection_id_inspection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_inspection_photo_document_id_document')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_photo_inspection_id_inspection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_photo'))
    )
    with op.batch_alter_table('inspection_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_photo_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('rectification_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('item_code', sa.String(length=16), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opened_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('deadline', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('first_responded_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('responded_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_rectification_case_contract_id_contract')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractor.id'], name=op.f('fk_rectification_case_contractor_id_contractor')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_rectification_case_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['report_id'], ['citizen_report.id'], name=op.f('fk_rectification_case_report_id_citizen_report')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_rectification_case_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_case')),
    sa.UniqueConstraint('number', name=op.f('uq_rectification_case_number'))
    )
    with op.batch_alter_table('rectification_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_case_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_case_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_case_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_case_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_case_state'), ['state'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_document_ids', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_case_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], name=op.f('fk_case_event_case_id_rectification_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event'))
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('rectification_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_case_state'))
        batch_op.drop_index(batch_op.f('ix_rectification_case_site_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_case_deadline'))
        batch_op.drop_index(batch_op.f('ix_rectification_case_contractor_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_case_contract_id'))

    op.drop_table('rectification_case')
    with op.batch_alter_table('inspection_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_photo_inspection_id'))

    op.drop_table('inspection_photo')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_inspection_id'))

    op.drop_table('finding')
    with op.batch_alter_table('sampling_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sampling_plan_contract_id'))

    op.drop_table('sampling_plan')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_superseded_by_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_site_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_month'))
        batch_op.drop_index(batch_op.f('ix_inspection_contract_id'))

    op.drop_table('inspection')
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_report_status'))
        batch_op.drop_index(batch_op.f('ix_citizen_report_service_code'))
        batch_op.drop_index(batch_op.f('ix_citizen_report_requested_at'))

    op.drop_table('citizen_report')
    op.drop_table('template_item')
    with op.batch_alter_table('inspection_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_template_kind'))

    op.drop_table('inspection_template')
    op.drop_table('api_key')
