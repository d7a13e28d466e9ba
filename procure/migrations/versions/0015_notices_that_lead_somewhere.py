"""notices that lead somewhere: reminders once per thing, mail to a user's address

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 01:30:00

A notification may carry a key ("case-due:12") so a reminder is sent to a person once, and
records when it was mailed; a user may have an e-mail address (company logins fall back to
their company's contact address).
"""

from alembic import op
import sqlalchemy as sa

from procure.kernel.db import AwareDateTime


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('emailed_at', AwareDateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_notification_user_id', ['user_id', 'key'])


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notification_user_id', type_='unique')
        batch_op.drop_column('emailed_at')
        batch_op.drop_column('key')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email')
