"""serving: the contract's last day as a column, indexes for the lists the app pages in SQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:00:00
"""

import calendar
from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _end_date(start: date, months: int) -> date:
    # contracts.rules.end_date, copied: a migration must not change when the code does.
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def upgrade() -> None:
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, start_date, months FROM contract")).all()
    for id_, start, months in rows:
        if isinstance(start, str):
            start = date.fromisoformat(start)
        conn.execute(sa.text("UPDATE contract SET ends_on = :e WHERE id = :id"), {"e": _end_date(start, months), "id": id_})
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.alter_column('ends_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_index('ix_contract_ends_on', ['ends_on'], unique=False)
        batch_op.create_index('ix_contract_created_at_id', ['created_at', 'id'], unique=False)
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.create_index('ix_tender_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_tender_state_bid_deadline', ['state', 'bid_deadline'], unique=False)
        batch_op.create_index('ix_tender_bid_deadline', ['bid_deadline'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_index('ix_tender_bid_deadline')
        batch_op.drop_index('ix_tender_state_bid_deadline')
        batch_op.drop_index('ix_tender_created_at_id')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_created_at_id')
        batch_op.drop_index('ix_contract_ends_on')
        batch_op.drop_column('ends_on')
