"""statement line params: each line's figures, so a page can say it in the reader's language

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 01:00:00

A statement line kept only its Chinese label ("月度养护费 × 30/30 天"), so English pages showed
Chinese. Lines now keep the figures their text is filled from (``payments.rules.LINE_TEXT``);
lines computed earlier keep showing their stored label.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_column('params')
