"""The contract lifecycle: terms, signatures, states, variations, the register."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from procure.awards import services as awards
from procure.contracts import services as contracts
from procure.contracts.models import Contract
from procure.contracts.services import ContractFilter
from procure.kernel.errors import Conflict, InvalidInput, NotFound
from procure.evaluation import services as evaluation
from procure.kernel.pagination import PageRequest
from procure.tendering.rules import LotState
from tests.evaluation.world import full_committee, opened_lot, review_all
from tests.factories import SiteFactory, UserFactory
from procure.accounts.services import CurrentUser


@pytest.fixture()
def contract(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, sme_deduction=None)
    members = full_committee(world, session, clock)
    review_all(world, session, clock, members)
    lot = world.lot
    evaluation.finalize(session, clock, world.officer.actor, lot.id, seed=3)
    award = awards.propose(session, clock, world.officer.actor, lot.id)
    clock.advance(days=3)
    awards.issue_notice(session, clock, world.officer.actor, award.id)
    found = session.query(Contract).filter_by(lot_id=lot.id).one()
    found.world = world
    return found


def test_draft_terms(contract, session, clock):
    assert contract.amount == Decimal("1000000.00") and contract.monthly_fee == Decimal("83333.33")
    assert contract.start_date.day == 1 and contract.performance_bond == Decimal("50000.00")
    officer = contract.world.officer
    with pytest.raises(InvalidInput):
        contracts.update_terms(session, clock, officer.actor, contract.id, {"performance_bond": "100000.01"})
    with pytest.raises(InvalidInput):
        contracts.update_terms(session, clock, officer.actor, contract.id, {"retention_rate": "0.031"})
    with pytest.raises(InvalidInput):
        contracts.update_terms(session, clock, officer.actor, contract.id, {"payment_table": {
            "kind": "bands", "bands": [{"min": "80", "k": "1"}, {"min": "80", "k": "0.9"}, {"min": "0", "k": "0.5"}]}})
    with pytest.raises(InvalidInput):
        contracts.update_terms(session, clock, officer.actor, contract.id, {"amount": "1"})
    updated = contracts.update_terms(session, clock, officer.actor, contract.id,
                                     {"months": 24, "retention_rate": "0.02", "start_date": "2027-01-01"})
    assert updated.monthly_fee == Decimal("41666.67") and updated.start_date == date(2027, 1, 1)


def test_signing_both_sides_and_twice(contract, session, clock):
    world = contract.world
    winner = world.contractors[0]
    other = world.contractors[1]
    with pytest.raises(NotFound):
        contracts.sign(session, clock, other, contract.id)
    contracts.sign(session, clock, winner, contract.id)
    with pytest.raises(Conflict):
        contracts.sign(session, clock, winner, contract.id)
    with pytest.raises(Conflict):  # no more term changes once someone signed
        contracts.update_terms(session, clock, world.officer.actor, contract.id, {"months": 6})
    contracts.sign(session, clock, world.officer, contract.id)
    assert contract.state == "signed" and world.lot.state == LotState.CONTRACTED
    with pytest.raises(Conflict):
        contracts.sign(session, clock, world.officer, contract.id)
    evaluator = CurrentUser.of(UserFactory(role="evaluator"))
    session.commit()
    with pytest.raises(Conflict):
        contracts.sign(session, clock, evaluator, contract.id)


def _signed(contract, session, clock):
    contracts.sign(session, clock, contract.world.contractors[0], contract.id)
    contracts.sign(session, clock, contract.world.officer, contract.id)
    clock.now = clock.now.replace(year=contract.start_date.year, month=contract.start_date.month, day=2)
    contracts.get(session, clock, contract.id)
    assert contract.state == "active"
    return contract


def test_states_by_the_clock_and_by_hand(contract, session, clock):
    _signed(contract, session, clock)
    officer = contract.world.officer.actor
    with pytest.raises(InvalidInput):
        contracts.suspend(session, clock, officer, contract.id, "")
    contracts.suspend(session, clock, officer, contract.id, "汛期停工")
    with pytest.raises(Conflict):
        contracts.suspend(session, clock, officer, contract.id, "again")
    contracts.resume(session, clock, officer, contract.id)
    clock.now = clock.now + timedelta(days=400)
    assert contracts.get(session, clock, contract.id).state == "completed"
    with pytest.raises(Conflict):
        contracts.terminate(session, clock, officer, contract.id, "too late")


def test_variations(contract, session, clock):
    _signed(contract, session, clock)
    officer = contract.world.officer.actor
    new_park = SiteFactory(kind="park", name="新开放口袋公园", handover_date=contract.start_date + timedelta(days=20),
                           area_m2=Decimal("8000.00"))
    session.commit()
    effective = contract.start_date + timedelta(days=25)
    with pytest.raises(InvalidInput):  # before the contract starts
        contracts.add_variation(session, clock, officer, contract.id, {
            "kind": "add_site", "site_id": new_park.id, "effective_date": contract.start_date - timedelta(days=1),
            "monthly_fee_delta": "1000", "reason": "新公园"})
    with pytest.raises(Conflict):  # not yet handed over on that date
        contracts.add_variation(session, clock, officer, contract.id, {
            "kind": "add_site", "site_id": new_park.id, "effective_date": contract.start_date + timedelta(days=5),
            "monthly_fee_delta": "1000", "reason": "新公园"})
    with pytest.raises(InvalidInput):  # more than 10% of the amount over the rest of the term
        contracts.add_variation(session, clock, officer, contract.id, {
            "kind": "add_site", "site_id": new_park.id, "effective_date": effective,
            "monthly_fee_delta": "9500", "reason": "新公园"})
    variation = contracts.add_variation(session, clock, officer, contract.id, {
        "kind": "add_site", "site_id": new_park.id, "effective_date": effective, "monthly_fee_delta": "6000",
        "reason": "新公园开放"})
    assert variation.number == 1 and variation.added_value > 0
    with pytest.raises(Conflict):
        contracts.add_variation(session, clock, officer, contract.id, {
            "kind": "add_site", "site_id": new_park.id, "effective_date": effective + timedelta(days=1),
            "monthly_fee_delta": "1", "reason": "again"})
    site_id = contract.sites[0].site_id
    change = contracts.add_variation(session, clock, officer, contract.id, {
        "kind": "change_area", "site_id": site_id, "effective_date": effective, "monthly_fee_delta": "500",
        "area_m2": "13000", "reason": "竣工复测"})
    assert change.area_before == Decimal("12000.00") and change.area_after == Decimal("13000.00")
    removal = contracts.add_variation(session, clock, officer, contract.id, {
        "kind": "remove_site", "site_id": contract.sites[1].site_id, "effective_date": effective,
        "monthly_fee_delta": "-20000", "reason": "移交属地"})
    assert removal.added_value < 0
    assert len(contracts.sites_in_force(contract, effective)) == 3  # 3 original − 1 removed + 1 added


def test_register_and_uncovered_sites(contract, session, clock):
    world = contract.world
    assert contract.id in [c.id for c in contracts.register(session, clock, ContractFilter(state="draft"), PageRequest()).items]
    mine = contracts.register(session, clock, ContractFilter(), PageRequest(), world.contractors[0]).items
    theirs = contracts.register(session, clock, ContractFilter(), PageRequest(), world.contractors[1]).items
    assert [c.id for c in mine] == [contract.id] and theirs == []
    uncovered_before = {s.id for s in contracts.uncovered_sites(session, clock)}
    assert set(world.site_ids) <= uncovered_before
    _signed(contract, session, clock)
    assert not set(world.site_ids) & {s.id for s in contracts.uncovered_sites(session, clock)}
    soon = contracts.register(session, clock, ContractFilter(expiring_within_days=400), PageRequest()).items
    assert contract.id in [c.id for c in soon]
    assert contracts.register(session, clock, ContractFilter(expiring_within_days=30), PageRequest()).total == 0


def test_late_signing_is_shown(contract, session, clock):
    from procure.kernel.clock import local_date

    assert not contracts.signing_late(contract, local_date(clock()))
    assert contracts.signing_late(contract, local_date(clock()) + timedelta(days=31))
