"""committee views: each member's own compliance view; withdrawals and replacement draws kept

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00

Before this revision the compliance review was one shared record per bid (``bid_review``), the
last member's click winning, and a member who declared a conflict was deleted. Now each member
records a view (``compliance_view``) and the committee's result is their majority (87号令 第61条);
a withdrawn member keeps a row (``withdrawn_at``, ``conflict``) and a replacement carries the seed
of its draw (87号令 第49条). The shared record becomes the view of the member who recorded it.
"""

from alembic import op
import sqlalchemy as sa

import procure.kernel.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', procure.kernel.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('conflict', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('draw_seed', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.alter_column('conflict', existing_type=sa.String(length=200), existing_nullable=False,
                              server_default=None)
    op.create_table(
        'compliance_view',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('bid_id', sa.Integer(), nullable=False),
        sa.Column('compliant', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', procure.kernel.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_compliance_view_bid_id_bid')),
        sa.ForeignKeyConstraint(['member_id'], ['committee_member.id'],
                                name=op.f('fk_compliance_view_member_id_committee_member'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_view')),
        sa.UniqueConstraint('member_id', 'bid_id', name=op.f('uq_compliance_view_member_id')),
    )
    op.create_index(op.f('ix_compliance_view_member_id'), 'compliance_view', ['member_id'], unique=False)
    op.create_index(op.f('ix_compliance_view_bid_id'), 'compliance_view', ['bid_id'], unique=False)
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO compliance_view (member_id, bid_id, compliant, reason, at) "
        "SELECT m.id, r.bid_id, r.compliant, r.compliance_reason, COALESCE(m.declared_at, c.formed_at) "
        "FROM bid_review r JOIN bid b ON b.id = r.bid_id JOIN committee c ON c.lot_id = b.lot_id "
        "JOIN committee_member m ON m.committee_id = c.id AND m.user_id = r.compliance_by_id "
        "WHERE r.compliant IS NOT NULL"))
    conn.execute(sa.text("DELETE FROM bid_review WHERE abnormal_decision IS NULL"))
    with op.batch_alter_table('bid_review', schema=None) as batch_op:
        batch_op.drop_constraint('fk_bid_review_compliance_by_id_user_account', type_='foreignkey')
        batch_op.drop_column('compliance_by_id')
        batch_op.drop_column('compliance_reason')
        batch_op.drop_column('compliant')


def downgrade() -> None:
    with op.batch_alter_table('bid_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('compliant', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('compliance_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('compliance_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_bid_review_compliance_by_id_user_account', 'user_account',
                                    ['compliance_by_id'], ['id'])
    with op.batch_alter_table('bid_review', schema=None) as batch_op:
        batch_op.alter_column('compliance_reason', existing_type=sa.Text(), existing_nullable=False,
                              server_default=None)
    conn = op.get_bind()
    # The old shape holds one decision per bid: the committee's majority where every member present
    # gave a view (with the latest agreeing view's reason and author), else the latest view.
    present: dict[int, int] = dict(conn.execute(sa.text(
        "SELECT committee_id, count(*) FROM committee_member WHERE withdrawn_at IS NULL GROUP BY committee_id")).all())
    views: dict[int, list] = {}
    for row in conn.execute(sa.text(
            "SELECT v.bid_id, v.compliant, v.reason, m.user_id, m.committee_id FROM compliance_view v "
            "JOIN committee_member m ON m.id = v.member_id WHERE m.withdrawn_at IS NULL ORDER BY v.at, v.id")).all():
        views.setdefault(row[0], []).append(row)
    for bid_id, found in views.items():
        size = present.get(found[0][4], 0)
        yes = sum(1 for v in found if v[1])
        result = (True if yes * 2 > size else False if (len(found) - yes) * 2 > size else None) \
            if len(found) == size else None
        chosen = [v for v in found if result is None or bool(v[1]) == result][-1]
        params = {"b": bid_id, "c": bool(chosen[1]), "r": chosen[2], "u": chosen[3]}
        if conn.execute(sa.text("SELECT id FROM bid_review WHERE bid_id = :b"), params).first() is None:
            conn.execute(sa.text("INSERT INTO bid_review (bid_id, compliant, compliance_reason, compliance_by_id, "
                                 "abnormal_reason) VALUES (:b, :c, :r, :u, '')"), params)
        else:
            conn.execute(sa.text("UPDATE bid_review SET compliant = :c, compliance_reason = :r, compliance_by_id = :u "
                                 "WHERE bid_id = :b"), params)
    op.drop_index(op.f('ix_compliance_view_bid_id'), table_name='compliance_view')
    op.drop_index(op.f('ix_compliance_view_member_id'), table_name='compliance_view')
    op.drop_table('compliance_view')
    # The old shape deleted a member who withdrew.
    conn.execute(sa.text("DELETE FROM committee_member WHERE withdrawn_at IS NOT NULL"))
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.drop_column('draw_seed')
        batch_op.drop_column('conflict')
        batch_op.drop_column('withdrawn_at')
