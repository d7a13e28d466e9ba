"""audit_mac: the audit chain is MAC'd under a key outside the database; a row names its scheme

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Existing rows are marked ``sha256`` and keep their hashes; they are NOT re-sealed with the key.
# Why (procure/audit/rules.py verifies both schemes):
# - A re-seal would launder whatever was done to the table before the upgrade: it would MAC the
#   rows as they are now. Keeping the old hashes keeps the old evidence, and any hash printed or
#   mirrored before the upgrade still matches.
# - The migration would need the key, and `procure migrate` run with another environment (another
#   storage folder, no PROCURE_AUDIT_KEY) would silently seal the whole chain under a key the app
#   does not have. Here only the app processes ever use the key.
# - The first keyed row MACs the last old row's hash, so the old rows cannot be rewritten once a
#   keyed row follows them, and `verify_chain` refuses an unkeyed row after a keyed one.
# What the old rows keep from the old rule: their id, actor_id and sealed_tender_id were never
# hashed (docs/rules.md, Audit).


def upgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme', sa.String(length=16), nullable=False, server_default='sha256'))
    # The default only labels the rows that exist; every new row states its scheme.
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('scheme', existing_type=sa.String(length=16), existing_nullable=False,
                              server_default=None)


def downgrade() -> None:
    keyed = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_entry WHERE scheme <> 'sha256'"))
    if keyed:
        raise RuntimeError(f"{keyed} audit entries carry a MAC that the code before 0009 cannot verify; "
                           "restore a backup from before the upgrade instead of downgrading")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('scheme')
