"""tender standing rule

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 03:46:20.734823
"""

from alembic import op
import sqlalchemy as sa
import procure.kernel.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standing_rule', sa.String(length=8), server_default='off', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_column('standing_rule')

