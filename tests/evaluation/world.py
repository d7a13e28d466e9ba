"""An opened lot ready for evaluation, built through the real services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from procure.accounts.services import CurrentUser
from procure.evaluation import services as evaluation
from tests.factories import UserFactory
from tests.tendering.world import World, build_world


def opened_lot(session, clock, tmp_path, prices=("1000000.00", "1100000.00", "1250000.00"), experts=7,  # type: ignore[no-untyped-def]
               ceiling_price="2000000.00", **tender_overrides):
    world = build_world(session, clock, tmp_path, contractors=max(4, len(prices)))
    bond = str((Decimal(ceiling_price) * Decimal("0.02")).quantize(Decimal("0.01")))
    tender_overrides.setdefault("lots", [{"title": "仓前片区", "site_ids": world.site_ids, "ceiling_price": ceiling_price,
                                          "term_months": 12, "bid_bond": bond}])
    tender = world.published_tender(**tender_overrides)
    lot = tender.lots[0]
    bids = [world.bid(who, lot.id, price) for who, price in zip(world.contractors, prices)]
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    world.open(tender.id)  # two of the three opening officials present their shares
    world.experts = [CurrentUser.of(UserFactory(role="evaluator", username=f"expert{i}")) for i in range(experts)]
    session.commit()
    world.tender, world.lot, world.bids = tender, lot, bids
    return world


def full_committee(world: World, session, clock, n: int = 5):  # type: ignore[no-untyped-def]
    members = world.experts[:n]
    evaluation.form_committee(session, clock, world.officer.actor, world.lot.id, members=[m.id for m in members])
    for m in members:
        evaluation.declare(session, clock, m, world.lot.id, True)
    return members


def review_compliance(world: World, session, clock, members, verdicts=None):  # type: ignore[no-untyped-def]
    """Every member's view of every bid: compliant, unless ``verdicts[(member index, bid index)]``
    is a reason (then non-compliant for that reason)."""
    lot = world.lot
    for m_index, member in enumerate(members):
        for b_index, bid in enumerate(world.bids):
            reason = (verdicts or {}).get((m_index, b_index))
            evaluation.record_compliance(session, clock, member, lot.id, bid.id, reason is None, reason or "")


def review_all(world: World, session, clock, members, points=None):  # type: ignore[no-untyped-def]
    lot = world.lot
    review_compliance(world, session, clock, members)
    for bid_id in sorted(evaluation.flagged(session, lot)):
        evaluation.record_abnormal(session, clock, members[0], lot.id, bid_id, "accepted", "成本说明合理")
    for m in members:
        for i, bid in enumerate(world.bids):
            pts = (points or {}).get(i, {"T1": "30", "T2": "20"})
            evaluation.record_scores(session, clock, m, lot.id, bid.id, pts)
        evaluation.submit_sheet(session, clock, m, lot.id)


__all__ = ["Decimal", "full_committee", "opened_lot", "review_all", "review_compliance"]
