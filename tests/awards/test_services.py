"""Publicity, objections and the notice."""

from datetime import timedelta

import pytest

from procure.accounts.services import CurrentUser
from procure.awards import services as awards
from procure.contracts.models import Contract
from procure.kernel.errors import Conflict, Forbidden, InvalidInput
from procure.evaluation import services as evaluation
from procure.tendering.rules import LotState, TenderState
from tests.conftest import csrf_token
from tests.evaluation.world import full_committee, opened_lot, review_all
from tests.factories import ContractorFactory, UserFactory


@pytest.fixture()
def evaluated(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, sme_deduction=None)
    members = full_committee(world, session, clock)
    review_all(world, session, clock, members)
    evaluation.finalize(session, clock, world.officer.actor, world.lot.id, seed=3)
    return world


def test_propose_publicise_notify(evaluated, session, clock):
    lot = evaluated.lot
    award = awards.propose(session, clock, evaluated.officer.actor, lot.id)
    assert award.rank == 1 and award.publicity_ends_at == clock() + timedelta(days=3)
    with pytest.raises(Conflict):  # awarding during publicity
        awards.issue_notice(session, clock, evaluated.officer.actor, award.id)
    clock.advance(days=3)
    awards.issue_notice(session, clock, evaluated.officer.actor, award.id)
    assert lot.state == LotState.AWARDED and lot.tender.state == TenderState.AWARDED
    contract = session.query(Contract).filter_by(lot_id=lot.id).one()
    assert contract.amount == evaluated.bids[0].price and contract.state == "draft"
    loser = evaluated.contractors[2]
    result, _ = awards.my_result(session, loser, lot.id)
    assert result.rank == 3 and result.bid_id == evaluated.bids[2].id


def test_another_candidate_needs_a_reason(evaluated, session, clock):
    lot = evaluated.lot
    second = next(r for r in awards.candidates(session, lot.id) if r.rank == 2)
    with pytest.raises(InvalidInput):
        awards.propose(session, clock, evaluated.officer.actor, lot.id, second.bid_id, "")
    award = awards.propose(session, clock, evaluated.officer.actor, lot.id, second.bid_id, "第一名放弃中标")
    assert award.rank == 2 and award.reason == "第一名放弃中标"
    with pytest.raises(Conflict):
        awards.propose(session, clock, evaluated.officer.actor, lot.id)


def test_an_objection_suspends_until_answered(evaluated, session, clock):
    lot = evaluated.lot
    award = awards.propose(session, clock, evaluated.officer.actor, lot.id)
    objector = evaluated.contractors[1]
    objection = awards.object_to(session, clock, objector, award.id, "第一名业绩材料不实")
    assert award.state == "suspended"
    stranger_company = ContractorFactory()
    stranger = CurrentUser.of(UserFactory(role="contractor", contractor_id=stranger_company.id))
    session.commit()
    with pytest.raises(Forbidden):
        awards.object_to(session, clock, stranger, award.id, "我也反对")
    clock.advance(days=4)
    with pytest.raises(Conflict):  # unanswered objection
        awards.issue_notice(session, clock, evaluated.officer.actor, award.id)
    with pytest.raises(Conflict):  # the window is over
        awards.object_to(session, clock, objector, award.id, "再次质疑")
    awards.answer_objection(session, clock, evaluated.officer.actor, objection.id, "经核实，业绩材料真实有效。")
    assert award.state == "publicity"
    awards.issue_notice(session, clock, evaluated.officer.actor, award.id)
    assert award.state == "notified"


def test_no_award_before_the_evaluation_is_final(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path)
    with pytest.raises(Conflict):
        awards.propose(session, clock, world.officer.actor, world.lot.id)


def test_the_proposal_form_takes_the_apis_input(evaluated, client, page_login, session):
    """The overview's award form goes through ProposeIn: a bid that is not a number is named; an
    empty choice proposes the first-ranked bid."""
    lot = evaluated.lot
    token = csrf_token(page_login(client, evaluated.officer.username))
    refused = client.post(f"/lots/{lot.id}/award", data={"_csrf_token": token, "bid_id": "第一名"},
                          follow_redirects=False)
    assert refused.status_code == 400 and "投标: " in refused.text  # bid_id, by its label
    done = client.post(f"/lots/{lot.id}/award", data={"_csrf_token": token, "bid_id": ""}, follow_redirects=False)
    assert done.status_code in (302, 303), done.text[:2000]
    session.expire_all()
    award = awards.of_lot(session, lot.id)
    assert award is not None and award.rank == 1
