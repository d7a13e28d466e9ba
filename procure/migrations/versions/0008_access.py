"""access: a lot's own opening moment; case photos linked to their event by a link table

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00
"""

from alembic import op
import sqlalchemy as sa

import procure.kernel.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    # A lot was opened when its bids carry an unsealed price (open_bids writes them only for the
    # lots it opens); a 流标 lot's bids never do.
    conn.execute(sa.text(
        "UPDATE lot SET opened_at = (SELECT t.opened_at FROM tender t WHERE t.id = lot.tender_id) "
        "WHERE EXISTS (SELECT 1 FROM bid b WHERE b.lot_id = lot.id AND b.price IS NOT NULL)"))
    op.create_table(
        'case_event_photo',
        sa.Column('case_event_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_event_id'], ['case_event.id'], name=op.f('fk_case_event_photo_case_event_id_case_event'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_case_event_photo_document_id_document')),
        sa.PrimaryKeyConstraint('case_event_id', 'document_id', name=op.f('pk_case_event_photo')),
    )
    op.create_index(op.f('ix_case_event_photo_document_id'), 'case_event_photo', ['document_id'], unique=False)
    rows = conn.execute(sa.text("SELECT id, photo_document_ids FROM case_event WHERE photo_document_ids <> ''")).all()
    for event_id, ids in rows:
        for position, document_id in enumerate(int(d) for d in ids.split(",") if d.strip()):
            conn.execute(sa.text("INSERT INTO case_event_photo (case_event_id, document_id, position) VALUES (:e, :d, :p)"),
                         {"e": event_id, "d": document_id, "p": position})
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('photo_document_ids')


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_document_ids', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    for event_id, document_id in conn.execute(sa.text(
            "SELECT case_event_id, document_id FROM case_event_photo ORDER BY case_event_id, position")).all():
        conn.execute(sa.text("UPDATE case_event SET photo_document_ids = CASE WHEN photo_document_ids = '' THEN :d "
                             "ELSE photo_document_ids || ',' || :d END WHERE id = :e"), {"d": str(document_id), "e": event_id})
    op.drop_index(op.f('ix_case_event_photo_document_id'), table_name='case_event_photo')
    op.drop_table('case_event_photo')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
