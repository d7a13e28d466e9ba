"""sealed beyond the operator: bids sealed in the bidder's browser to k of n opening officials

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:00:00

Bids were sealed with a per-tender key wrapped by a key derived from the server secret, so whoever
ran the server could open them. Now (bidding.sealing) the bidder's browser seals each bid to the
tender's opening officials, k of n, and the company is stored only as a keyed blind index until
the opening. Tenders gain their holders and k; bids lose ``sealed`` and gain ``envelope``,
``bidder_tag`` and ``revoked_reason``; the officials' public keys and the shares presented at an
opening get their tables; the tender's server-wrapped key is dropped.

A bid sealed the old way and not yet opened cannot be carried over (nobody can re-seal it to
officials' keys without opening it first), so the upgrade refuses while such bids exist: open
them with the previous version first. Opened bids keep everything they had.
"""

from alembic import op
import sqlalchemy as sa

from procure.kernel.db import AwareDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    waiting = bind.execute(sa.text(
        "SELECT count(*) FROM bid JOIN lot ON lot.id = bid.lot_id JOIN tender ON tender.id = lot.tender_id "
        "WHERE bid.state = 'submitted' AND bid.sealed IS NOT NULL AND lot.opened_at IS NULL AND lot.state = 'active' "
        "AND tender.state <> 'cancelled'")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} bid(s) sealed under the server's key are waiting for an opening. Open those tenders with "
            "the previous version of Procure before upgrading (a demo database can simply be deleted: rm -r var).")
    op.create_table(
        'opening_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('public_key', sa.String(length=100), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('created_at', AwareDateTime(), nullable=False),
        sa.Column('retired_at', AwareDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_opening_key_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_key')),
    )
    op.create_index(op.f('ix_opening_key_user_id'), 'opening_key', ['user_id'])
    op.create_table(
        'opening_holder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tender_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('public_key', sa.String(length=100), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_opening_holder_tender_id_tender'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_opening_holder_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_holder')),
        sa.UniqueConstraint('tender_id', 'user_id', name=op.f('uq_opening_holder_tender_id')),
    )
    op.create_index(op.f('ix_opening_holder_tender_id'), 'opening_holder', ['tender_id'])
    op.create_table(
        'opening_share',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tender_id', sa.Integer(), nullable=False),
        sa.Column('bid_id', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('share', sa.String(length=64), nullable=False),
        sa.Column('presented_at', AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_opening_share_tender_id_tender')),
        sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_opening_share_bid_id_bid'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['holder_id'], ['user_account.id'], name=op.f('fk_opening_share_holder_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_share')),
        sa.UniqueConstraint('bid_id', 'holder_id', name=op.f('uq_opening_share_bid_id')),
    )
    op.create_index(op.f('ix_opening_share_tender_id'), 'opening_share', ['tender_id'])
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_threshold', sa.Integer(), nullable=True))
        batch_op.drop_column('sealing_key')
    with op.batch_alter_table('bid', schema=None) as batch_op:
        # Bids already opened (or withdrawn, or on a lot never to be opened: 流标, cancelled) keep their
        # company; their tag only has to be unique. The old ciphertext of a never-opened bid goes.
        batch_op.add_column(sa.Column('bidder_tag', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('envelope', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('receipt', sa.JSON(), nullable=True))
    op.execute("UPDATE bid SET bidder_tag = 'opened-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.alter_column('bidder_tag', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('contractor_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_column('sealed')
        batch_op.create_unique_constraint(op.f('uq_bid_lot_id_bidder_tag'), ['lot_id', 'bidder_tag'])


def downgrade() -> None:
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_bid_lot_id_bidder_tag'), type_='unique')
        batch_op.add_column(sa.Column('sealed', sa.Text(), nullable=True))
        batch_op.drop_column('receipt')
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('envelope')
        batch_op.drop_column('bidder_tag')
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealing_key', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('opening_threshold')
    op.drop_index('ix_opening_share_tender_id', table_name='opening_share')
    op.drop_table('opening_share')
    op.drop_index('ix_opening_holder_tender_id', table_name='opening_holder')
    op.drop_table('opening_holder')
    op.drop_index('ix_opening_key_user_id', table_name='opening_key')
    op.drop_table('opening_key')
