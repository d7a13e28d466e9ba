"""report attributes: the answers to a service's questions (GeoReport v2 service definitions)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:00:00

Two services now ask questions beyond the description (which facility is damaged; the street
light's pole number). A citizen report keeps the answers it was filed with, checked against the
service definition (``cases.open311.attribute_answers``).
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributes', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.drop_column('attributes')
