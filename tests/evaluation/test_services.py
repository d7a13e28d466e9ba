"""Every step of the evaluation through the services, forbidden ones included."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from procure.accounts.services import CurrentUser
from procure.kernel.errors import Conflict, Forbidden, InvalidInput
from procure.evaluation import services as evaluation
from procure.evaluation.models import ExpertRelation
from procure.tendering.models import Lot
from procure.tendering.rules import LotState
from tests.evaluation.world import full_committee, opened_lot, review_all, review_compliance
from tests.factories import BidFactory, LotFactory, UserFactory


@pytest.fixture()
def world(session, clock, tmp_path):
    return opened_lot(session, clock, tmp_path)


@dataclass
class Opened:
    """An opened lot of 2,000,000 yuan with three bids, an officer and seven experts in the pool."""

    lot: Lot
    bids: list
    officer: CurrentUser
    experts: list[CurrentUser]


@pytest.fixture()
def opened(session):
    lot = LotFactory(opened=True, ceiling_price=Decimal("2000000.00"), bid_bond=Decimal("40000.00"))
    bids = [BidFactory(opened=True, lot=lot, amount=Decimal(p)) for p in ("1000000.00", "1100000.00", "1250000.00")]
    return Opened(lot, bids, CurrentUser.of(UserFactory(officer=True)),
                  [CurrentUser.of(u) for u in UserFactory.create_batch(7, evaluator=True)])


def test_committee_size_and_experts(opened, session, clock):
    lot, officer, experts = opened.lot, opened.officer, opened.experts
    for n in (4, 6):
        with pytest.raises(InvalidInput):
            evaluation.form_committee(session, clock, officer.actor, lot.id, members=[e.id for e in experts[:n]])
    # 3 experts + 2 officers: experts below two thirds.
    reps = UserFactory.create_batch(2, officer=True)
    with pytest.raises(InvalidInput):
        evaluation.form_committee(session, clock, officer.actor, lot.id,
                                  members=[e.id for e in experts[:3]] + [r.id for r in reps])
    committee = evaluation.form_committee(session, clock, officer.actor, lot.id,
                                          members=[e.id for e in experts[:4]] + [reps[0].id])
    assert len(committee.members) == 5 and sum(m.is_expert for m in committee.members) == 4


def test_a_random_draw_is_recorded_and_excludes_linked_experts(opened, session, clock):
    lot, officer, linked = opened.lot, opened.officer, opened.experts[0]
    session.add(ExpertRelation(user_id=linked.id, contractor_id=opened.bids[0].contractor_id, relation="前雇主",
                               declared_at=clock()))
    committee = evaluation.form_committee(session, clock, officer.actor, lot.id, draw=5, seed=42)
    assert committee.draw_seed == 42 and linked.id not in {m.user_id for m in committee.members}
    with pytest.raises(InvalidInput):
        evaluation.form_committee(session, clock, officer.actor, lot.id, draw=7, seed=1)  # only 6 eligible
    with pytest.raises(InvalidInput):
        evaluation.form_committee(session, clock, officer.actor, lot.id,
                                  members=[e.id for e in opened.experts[:5]])  # includes the linked expert


def test_nothing_before_the_declaration(opened, session, clock):
    lot, members = opened.lot, opened.experts[:5]
    evaluation.form_committee(session, clock, opened.officer.actor, lot.id, members=[m.id for m in members])
    with pytest.raises(Forbidden):
        evaluation.record_compliance(session, clock, members[0], lot.id, opened.bids[0].id, True, "")
    outsider = opened.experts[6]
    with pytest.raises(Forbidden):
        evaluation.declare(session, clock, outsider, lot.id, True)


def test_a_member_with_a_conflict_withdraws_and_stays_on_record(opened, session, clock):
    lot, members = opened.lot, opened.experts[:5]
    evaluation.form_committee(session, clock, opened.officer.actor, lot.id, members=[m.id for m in members])
    member = evaluation.declare(session, clock, members[0], lot.id, False, " 与投标人存在亲属关系 ")
    assert member.withdrawn_at == clock() and member.conflict == "与投标人存在亲属关系" and member.declared_at is None
    committee = evaluation.committee_of(session, lot.id)
    assert len(committee.members) == 5 and len(evaluation.present_members(committee)) == 4


def test_scores_rules(world, session, clock):
    lot = world.lot
    members = full_committee(world, session, clock)
    bids = world.bids
    with pytest.raises(Conflict):  # not yet found compliant
        evaluation.record_scores(session, clock, members[0], lot.id, bids[0].id, {"T1": "10"})
    review_compliance(world, session, clock, members, {(m, 1): "缺少营业执照" for m in range(5)})
    with pytest.raises(Conflict):  # a score for a non-compliant bid
        evaluation.record_scores(session, clock, members[0], lot.id, bids[1].id, {"T1": "10"})
    with pytest.raises(InvalidInput):  # above the maximum
        evaluation.record_scores(session, clock, members[0], lot.id, bids[0].id, {"T1": "40.01"})
    with pytest.raises(InvalidInput):
        evaluation.record_scores(session, clock, members[0], lot.id, bids[0].id, {"X9": "1"})
    with pytest.raises(InvalidInput):  # non-compliance needs a reason
        evaluation.record_compliance(session, clock, members[0], lot.id, bids[2].id, False, " ")
    outsider = world.experts[6]
    with pytest.raises(Forbidden):  # an evaluator scoring a lot they are not on
        evaluation.record_scores(session, clock, outsider, lot.id, bids[0].id, {"T1": "10"})
    saved = evaluation.record_scores(session, clock, members[0], lot.id, bids[0].id, {"T1": "39.5", "T2": "30"})
    assert {s.criterion_code: s.points for s in saved} == {"T1": Decimal("39.50"), "T2": Decimal("30.00")}


def test_members_see_others_sheets_only_after_their_own(world, session, clock):
    lot = world.lot
    members = full_committee(world, session, clock)
    review_compliance(world, session, clock, members)
    for bid in world.bids:
        evaluation.record_scores(session, clock, members[0], lot.id, bid.id, {"T1": "30", "T2": "20"})
        evaluation.record_scores(session, clock, members[1], lot.id, bid.id, {"T1": "31", "T2": "21"})
    assert [v.member.user_id for v in evaluation.sheets_visible_to(session, members[1], lot.id)] == [members[1].id]
    with pytest.raises(InvalidInput):
        evaluation.submit_sheet(session, clock, members[2], lot.id)  # nothing scored yet
    evaluation.submit_sheet(session, clock, members[1], lot.id)
    assert len(evaluation.sheets_visible_to(session, members[1], lot.id)) == 5
    assert len(evaluation.sheets_visible_to(session, members[0], lot.id)) == 1
    with pytest.raises(Conflict):
        evaluation.record_scores(session, clock, members[1], lot.id, world.bids[0].id, {"T1": "1"})


def test_finalise_the_worked_example(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, sme_deduction=None)
    lot = world.lot
    members = full_committee(world, session, clock)
    with pytest.raises(Conflict):
        evaluation.finalize(session, clock, world.officer.actor, lot.id)
    review_all(world, session, clock, members)
    rows = evaluation.finalize(session, clock, world.officer.actor, lot.id, seed=9)
    by_price = {str(world.bids[i].price): r for i, r in enumerate(sorted(rows, key=lambda r: r.bid_id))}
    assert [by_price[p].price_score for p in ("1000000.00", "1100000.00", "1250000.00")] == \
        [Decimal("30.00"), Decimal("27.27"), Decimal("24.00")]
    assert by_price["1000000.00"].rank == 1 and by_price["1000000.00"].total == Decimal("80.00")
    with pytest.raises(Conflict):
        evaluation.finalize(session, clock, world.officer.actor, lot.id)


def test_finalising_with_an_undecided_abnormal_flag_is_refused(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, prices=("500000.00", "1000000.00", "1050000.00", "1100000.00"))
    lot = world.lot
    members = full_committee(world, session, clock)
    review_compliance(world, session, clock, members)
    assert evaluation.flagged(session, lot) == {world.bids[0].id}
    with pytest.raises(Conflict) as info:
        evaluation.finalize(session, clock, world.officer.actor, lot.id)
    assert "abnormally low" in info.value.message
    with pytest.raises(Conflict):  # a bid that is not flagged
        evaluation.record_abnormal(session, clock, members[0], lot.id, world.bids[1].id, "accepted", "x")
    evaluation.record_abnormal(session, clock, members[0], lot.id, world.bids[0].id, "rejected", "低于成本")
    for m in members:
        for bid in world.bids[1:]:
            evaluation.record_scores(session, clock, m, lot.id, bid.id, {"T1": "30", "T2": "20"})
        evaluation.submit_sheet(session, clock, m, lot.id)
    rows = {r.bid_id: r for r in evaluation.finalize(session, clock, world.officer.actor, lot.id)}
    assert rows[world.bids[0].id].rank is None and not rows[world.bids[0].id].compliant


def test_fewer_than_three_compliant_bids_fails_the_lot(world, session, clock):
    lot = world.lot
    members = full_committee(world, session, clock)
    bids = world.bids
    review_compliance(world, session, clock, members, {(m, 0): "资质不符" for m in range(5)})
    for m in members:
        for bid in bids[1:]:
            evaluation.record_scores(session, clock, m, lot.id, bid.id, {"T1": "30", "T2": "20"})
        evaluation.submit_sheet(session, clock, m, lot.id)
    evaluation.finalize(session, clock, world.officer.actor, lot.id)
    assert lot.state == LotState.UNSUCCESSFUL


def test_sme_deduction_moves_the_benchmark_in_a_real_lot(world, session, clock):
    # bidder 0 is an SME: E = 1,000,000 × 0.9 = 900,000 becomes the benchmark B.
    lot = world.lot
    members = full_committee(world, session, clock)
    review_all(world, session, clock, members)
    rows = {r.bid_id: r for r in evaluation.finalize(session, clock, world.officer.actor, lot.id, seed=1)}
    bids = world.bids
    assert rows[bids[0].id].evaluated_price == Decimal("900000.00") and rows[bids[0].id].price_score == Decimal("30.00")
    assert rows[bids[1].id].price_score == Decimal("24.55")  # 900,000 / 1,100,000 × 30 = 24.545…
    assert rows[bids[2].id].evaluated_price == Decimal("1125000.00")  # also an SME
