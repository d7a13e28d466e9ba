"""Rules that hold (issue 11 §6): an explicit declaration, withdrawal (回避) with the officers told,
a recorded replacement draw (87号令 第49条), and no finalising below the committee's legal size
or composition (87号令 第47条)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from procure.accounts.models import Notification
from procure.audit.models import AuditEntry
from procure.kernel.errors import Conflict, Forbidden, InvalidInput
from procure.evaluation import rules
from procure.evaluation import services as evaluation
from procure.evaluation.models import ExpertRelation, Score
from tests.evaluation.world import opened_lot, review_compliance
from tests.factories import UserFactory

WITHDREW_SHORT = ("{name} withdrew from the committee of {reference}, lot {lot} (conflict of interest: {relation}); "
                  "the committee is short: draw a replacement.")

#: The world's opening officials were told of their keys' registration: not what these tests count.
NOT_KEYS = Notification.link != "/account/opening-key"


@pytest.fixture()
def world(session, clock, tmp_path):
    return opened_lot(session, clock, tmp_path)


def _form(world, session, clock, n=5):  # type: ignore[no-untyped-def]
    members = world.experts[:n]
    evaluation.form_committee(session, clock, world.officer.actor, world.lot.id, members=[m.id for m in members])
    return members


def _score_all(world, session, clock, members):  # type: ignore[no-untyped-def]
    for m in members:
        for bid in world.bids:
            evaluation.record_scores(session, clock, m, world.lot.id, bid.id, {"T1": "30", "T2": "20"})


@pytest.mark.parametrize(("no_conflict", "relation", "field"), [
    (None, "", "no_conflict"), (False, "", "relation"), (False, "   ", "relation"), (True, "前雇主", "relation"),
    (False, "很" * 201, "relation"),
])
def test_anything_but_an_explicit_choice_is_refused_and_records_nothing(world, session, clock, no_conflict, relation,
                                                                         field):
    members = _form(world, session, clock)
    lot = world.lot
    with pytest.raises(InvalidInput) as info:
        evaluation.declare(session, clock, members[0], lot.id, no_conflict, relation)
    assert [e["field"] for e in info.value.errors] == [field]
    committee = evaluation.committee_of(session, lot.id)
    assert len(evaluation.present_members(committee)) == 5
    assert all(m.declared_at is None and m.withdrawn_at is None for m in committee.members)
    assert session.scalars(select(Notification).where(NOT_KEYS)).all() == []


def test_a_conflict_withdraws_the_member_and_tells_the_officers(world, session, clock):
    second = UserFactory(role="officer", username="second-officer")
    retired = UserFactory(role="officer", username="retired-officer", active=False)
    session.commit()
    members = _form(world, session, clock)
    lot = world.lot
    member = evaluation.declare(session, clock, members[0], lot.id, False, "配偶在投标单位任职")
    assert member.withdrawn_at == clock() and member.conflict == "配偶在投标单位任职"
    notes = session.scalars(select(Notification).where(NOT_KEYS).order_by(Notification.user_id)).all()
    assert {n.user_id for n in notes} == {world.officer.id, second.id}
    assert retired.id not in {n.user_id for n in notes}
    assert {n.message for n in notes} == {WITHDREW_SHORT}
    assert notes[0].link == f"/lots/{lot.id}/evaluation"
    assert notes[0].params == {"name": members[0].display_name, "reference": lot.tender.reference, "lot": lot.number,
                               "relation": "配偶在投标单位任职"}
    withdraw = session.scalar(select(AuditEntry).where(AuditEntry.action == "committee.withdraw"))
    assert withdraw.after == {"member": members[0].id, "relation": "配偶在投标单位任职", "present": 4, "experts": 4}
    state = evaluation.progress(session, clock, lot.id)
    assert state.short and (state.size, state.experts, state.minimum) == (4, 4, 5)
    assert state.composition == rules.committee_problems(4, 4, lot.ceiling_price)
    assert [p.split(" (")[0] for p in state.composition] == ["The committee needs at least {minimum} members for this lot",
                                                            "The committee needs an odd number of members"]
    assert state.withdrawn == [members[0].display_name] and members[0].display_name not in state.undeclared
    # Withdrawn is withdrawn: no bids, no second declaration, no seat in the member's list.
    with pytest.raises(Forbidden):
        evaluation.record_compliance(session, clock, members[0], lot.id, world.bids[0].id, True, "")
    with pytest.raises(Conflict):
        evaluation.declare(session, clock, members[0], lot.id, True)
    assert not evaluation.declared_member(session, members[0], lot.id)
    assert evaluation.my_committees(session, members[0]) == []


def test_a_declared_member_cannot_take_the_declaration_back(world, session, clock):
    members = _form(world, session, clock)
    lot = world.lot
    evaluation.declare(session, clock, members[0], lot.id, True)
    assert evaluation.declare(session, clock, members[0], lot.id, True).declared_at is not None  # idempotent
    with pytest.raises(Conflict):
        evaluation.declare(session, clock, members[0], lot.id, False, "前雇主")
    assert evaluation.committee_of(session, lot.id).members[0].present


def test_a_withdrawal_that_keeps_the_legal_size_tells_the_officers_so(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, experts=9)
    members = _form(world, session, clock, n=7)  # a 5-member lot with a committee of 7 …
    evaluation.declare(session, clock, members[0], world.lot.id, False, "前雇主")
    evaluation.declare(session, clock, members[1], world.lot.id, False, "持有投标人股份")
    state = evaluation.progress(session, clock, world.lot.id)
    assert not state.short and state.size == 5  # … is still legal with five
    assert session.scalars(select(Notification.message)).all()[-1].endswith("the committee still has its legal size.")
    with pytest.raises(Conflict):  # no replacement is needed
        evaluation.draw_replacement(session, clock, world.officer.actor, world.lot.id, seed=1)


def test_a_replacement_is_drawn_with_a_recorded_seed_after_scoring_began(world, session, clock):
    lot, bids = world.lot, world.bids
    experts = world.experts
    linked = experts[5]
    session.add(ExpertRelation(user_id=linked.id, contractor_id=bids[1].contractor_id, relation="前雇主",
                               declared_at=clock()))
    session.commit()
    members = _form(world, session, clock)
    evaluation.declare(session, clock, members[0], lot.id, False, "与投标人存在亲属关系")
    staying = members[1:]
    for m in staying:
        evaluation.declare(session, clock, m, lot.id, True)
    review_compliance(world, session, clock, staying)  # four of four: a result, scoring may begin
    _score_all(world, session, clock, staying)
    scored = session.scalars(select(Score.id).order_by(Score.id)).all()
    with pytest.raises(Conflict):  # forming again is still blocked once scoring began …
        evaluation.form_committee(session, clock, world.officer.actor, lot.id, draw=5, seed=3)
    replacement = evaluation.draw_replacement(session, clock, world.officer.actor, lot.id, seed=42)  # … a draw is not
    # Only expert 6 is eligible: 0–4 are (or were) on the committee, 5 is linked to a bidder.
    assert replacement.user_id == experts[6].id and replacement.draw_seed == 42 and replacement.is_expert
    pool = [e.id for e in experts]
    assert rules.draw_members(pool, 1, 42, {e.id for e in experts[:6]}) == [experts[6].id]  # anyone can replay it
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "committee.replace"))
    assert entry.after == {"member": experts[6].id, "draw_seed": 42, "withdrawn": [members[0].id]}
    note = session.scalar(select(Notification).where(Notification.user_id == experts[6].id))
    assert note.link == f"/lots/{lot.id}/evaluate"
    assert session.scalars(select(Score.id).order_by(Score.id)).all() == scored  # the scores given stay
    state = evaluation.progress(session, clock, lot.id)
    assert not state.short and state.size == 5
    assert state.undeclared == [experts[6].display_name]
    assert state.unreviewed == [b.id for b in bids]  # the newcomer's views are still missing
    with pytest.raises(Conflict):  # the committee is complete again
        evaluation.draw_replacement(session, clock, world.officer.actor, lot.id)
    # The newcomer declares, reviews and scores; the evaluation finishes with the five present.
    evaluation.declare(session, clock, experts[6], lot.id, True)
    review_compliance(world, session, clock, [experts[6]])
    _score_all(world, session, clock, [experts[6]])
    for m in [*staying, experts[6]]:
        evaluation.submit_sheet(session, clock, m, lot.id)
    rows = evaluation.finalize(session, clock, world.officer.actor, lot.id, seed=9)
    assert [r.rank for r in sorted(rows, key=lambda r: r.bid_id)] == [1, 2, 3]
    assert {s.member.user_id for s in evaluation.sheets_visible_to(session, world.officer, lot.id)} == \
        {m.id for m in [*staying, experts[6]]}


def test_a_random_seed_is_recorded_when_none_is_given(world, session, clock):
    members = _form(world, session, clock)
    evaluation.declare(session, clock, members[0], world.lot.id, False, "前雇主")
    member = evaluation.draw_replacement(session, clock, world.officer.actor, world.lot.id)
    assert member.draw_seed is not None and 0 <= member.draw_seed < 2**62
    assert member.user_id in {e.id for e in world.experts[5:]}


def test_no_replacement_when_the_pool_is_exhausted(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, experts=5)
    with pytest.raises(Conflict):  # no committee yet
        evaluation.draw_replacement(session, clock, world.officer.actor, world.lot.id)
    members = _form(world, session, clock)
    evaluation.declare(session, clock, members[0], world.lot.id, False, "前雇主")
    with pytest.raises(Conflict) as info:
        evaluation.draw_replacement(session, clock, world.officer.actor, world.lot.id, seed=1)
    assert "No expert is left" in info.value.message


def test_finalising_is_refused_below_the_legal_size_and_names_it(world, session, clock):
    lot = world.lot
    members = _form(world, session, clock)
    evaluation.declare(session, clock, members[0], lot.id, False, "前雇主")
    staying = members[1:]
    for m in staying:
        evaluation.declare(session, clock, m, lot.id, True)
    review_compliance(world, session, clock, staying)
    _score_all(world, session, clock, staying)
    with pytest.raises(Conflict) as info:  # four members cannot submit: the evaluation waits to be made up
        evaluation.submit_sheet(session, clock, staying[0], lot.id)
    assert "art. 49" in info.value.message and info.value.params == {"size": 4, "experts": 4}
    with pytest.raises(Conflict) as info:
        evaluation.finalize(session, clock, world.officer.actor, lot.id)
    assert "MOF Order No. 87, art. 47" in info.value.message
    assert info.value.params == {"size": 4, "experts": 4, "minimum": 5}
    assert [e["field"] for e in info.value.errors] == ["members", "members"]
    assert evaluation.committee_of(session, lot.id).finalized_at is None


def test_finalising_is_refused_when_experts_fall_below_two_thirds(world, session, clock):
    lot = world.lot
    reps = [UserFactory(role="officer", display_name=f"采购人代表{i}") for i in range(2)]
    session.commit()
    experts = world.experts
    evaluation.form_committee(session, clock, world.officer.actor, lot.id,
                              members=[e.id for e in experts[:6]] + [reps[0].id])  # 7 members, 6 experts
    evaluation.declare(session, clock, experts[0], lot.id, False, "前雇主")
    evaluation.declare(session, clock, experts[1], lot.id, False, "同学关系")  # 5 members, 4 experts: legal
    assert not evaluation.progress(session, clock, lot.id).short
    evaluation.declare(session, clock, experts[2], lot.id, False, "曾任投标人顾问")  # 4 members, 3 experts
    with pytest.raises(Conflict) as info:
        evaluation.finalize(session, clock, world.officer.actor, lot.id)
    assert info.value.params == {"size": 4, "experts": 3, "minimum": 5}


def test_a_big_lot_needs_seven(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path, experts=9, ceiling_price="12000000.00")
    lot = world.lot
    assert lot.ceiling_price == Decimal("12000000.00")
    with pytest.raises(InvalidInput):
        _form(world, session, clock, n=5)
    members = _form(world, session, clock, n=7)
    evaluation.declare(session, clock, members[0], lot.id, False, "前雇主")
    with pytest.raises(Conflict) as info:
        evaluation.finalize(session, clock, world.officer.actor, lot.id)
    assert info.value.params == {"size": 6, "experts": 6, "minimum": 7}
    assert evaluation.draw_replacement(session, clock, world.officer.actor, lot.id, seed=5).user_id in \
        {e.id for e in world.experts[7:]}
    assert not evaluation.progress(session, clock, lot.id).short


def test_every_member_present_must_have_submitted(world, session, clock):
    lot = world.lot
    members = _form(world, session, clock)
    for m in members:
        evaluation.declare(session, clock, m, lot.id, True)
    review_compliance(world, session, clock, members)
    _score_all(world, session, clock, members)
    for m in members[:4]:
        evaluation.submit_sheet(session, clock, m, lot.id)
    with pytest.raises(Conflict) as info:
        evaluation.finalize(session, clock, world.officer.actor, lot.id)
    assert info.value.params["c"] == members[4].display_name
