"""citizen tracking: a random code to follow a report, and its photo

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 02:00:00

A citizen followed a report by its sequential id. A report now has a tracking code (random, 96
bits) for its page, and may carry the photo the citizen attached. Reports filed earlier get a
code too.
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_citizen_report_tracking_code', ['tracking_code'])
        batch_op.create_foreign_key('fk_citizen_report_photo_id_document', 'document', ['photo_id'], ['id'])
    connection = op.get_bind()
    report = sa.table('citizen_report', sa.column('id', sa.Integer), sa.column('tracking_code', sa.String))
    for (report_id,) in connection.execute(sa.select(report.c.id)).all():
        connection.execute(report.update().where(report.c.id == report_id)
                           .values(tracking_code=secrets.token_urlsafe(12)))


def downgrade() -> None:
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.drop_constraint('fk_citizen_report_photo_id_document', type_='foreignkey')
        batch_op.drop_constraint('uq_citizen_report_tracking_code', type_='unique')
        batch_op.drop_column('photo_id')
        batch_op.drop_column('tracking_code')
