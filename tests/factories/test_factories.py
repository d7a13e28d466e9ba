"""Every factory and trait builds what the domain's own rules and services recognise.

Each test builds its rows through a factory only, then asks the rule or the service about them:
a trait is right when the code that reads such rows in production says it is in that state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from procure.accounts.models import User
from procure.accounts.services import CurrentUser
from procure.bidding import clients, sealing
from procure.bidding import services as bidding
from procure.cases import rules as case_rules
from procure.cases import services as cases
from procure.cases.services import CaseFilter
from procure.contracts.rules import DEFAULT_PAYMENT_TABLE
from procure.documents.storage import LocalStorage
from procure.evaluation import rules as evaluation_rules
from procure.evaluation import services as evaluation
from procure.inspection import services as inspection
from procure.inspection.services import FindingInput
from procure.kernel.clock import BUREAU_TZ, local_date
from procure.kernel.errors import Conflict, Forbidden, InvalidInput
from procure.kernel.pagination import PageRequest
from procure.payments import rules as payment_rules
from procure.payments import services as payments
from procure.payments.models import PaymentStatement
from procure.payments.services import StatementFilter
from procure.sites import services as sites
from procure.tendering import rules as tender_rules
from procure.tendering import services as tenders
from procure.tendering.services import TenderFilter
from tests import conftest
from tests.factories import (
    NOW, SECRET_KEY, BidFactory, ContractorFactory, CaseFactory, CommitteeFactory, CommitteeMemberFactory, ContractFactory, ContractSiteFactory,
    InspectionFactory, LotFactory, StatementFactory, TenderFactory, UserFactory,
)
from tests.factories.base import BID_INDEX_KEY
from tests.factories.opening import officials
from tests.factories.tendering import DEADLINE_PASSED


def person(session, role: str, **kwargs) -> CurrentUser:  # type: ignore[no-untyped-def]
    user = UserFactory(role=role, **kwargs)
    session.flush()
    return CurrentUser.of(user)


def test_the_factories_now_and_secret_are_the_test_worlds(clock, settings):
    assert NOW == conftest.NOW == clock()
    assert SECRET_KEY == settings.secret_key
    assert BID_INDEX_KEY == settings.bid_index_key  # the app under test finds the factories' bidders


# --- tenders and lots ------------------------------------------------------------------------


def test_a_draft_tender_meets_every_publication_rule(session, clock):
    tender = TenderFactory()
    assert tender.state == "draft" and len(tender.lots) == 1 and len(tender.lots[0].sites) == 1
    assert tender_rules.publication_problems(tenders.draft_of(tender), clock()) == []
    officer = person(session, "officer")
    with pytest.raises(InvalidInput):  # nobody holds an opening key yet
        tenders.publish(session, clock, officer.actor, tender.id)
    for official in (officer, person(session, "finance")):
        bidding.register_opening_key(session, clock, official,
                                     sealing.b64(sealing.public_point(sealing.new_opening_key().public_key())))
    published = tenders.publish(session, clock, officer.actor, tender.id)
    assert published.state == "published" and published.opening_threshold == 2 and len(published.holders) == 2


def test_a_published_tender_takes_bids_and_is_listed_as_published(session, clock):
    tender = TenderFactory(published=True)
    assert tender_rules.publication_problems(tenders.draft_of(tender), tender.published_at) == []
    assert tender_rules.tender_state_at(tender.state, tender.bid_deadline, clock()) == "published"
    assert tender_rules.accepts_bids(tender.state, tender.bid_deadline, clock())
    listed = tenders.list_tenders(session, clock, TenderFilter(state="published"), PageRequest(), include_drafts=False)
    assert [t.id for t in listed.items] == [tender.id]
    # Its opening officials are seated, 2 of 3, with keys the tests hold.
    assert tender.opening_threshold == 2 and len(tender.holders) == 3 and len(officials(tender)) == 3


def test_a_closed_tender_is_closed_by_the_rules_and_settles_its_lots(session, clock):
    tender = TenderFactory(closed=True)
    assert tender.bid_deadline == DEADLINE_PASSED < clock()
    assert tender_rules.tender_state_at(tender.state, tender.bid_deadline, clock()) == "closed"
    assert not tender_rules.accepts_bids(tender.state, tender.bid_deadline, clock())
    assert tender_rules.needs_settling("closed", tender.settled_at, tender.bid_deadline, clock())
    listed = tenders.list_tenders(session, clock, TenderFilter(state="closed"), PageRequest(), include_drafts=False)
    assert [t.id for t in listed.items] == [tender.id]
    # The first writing read judges the lot: no bids, so 流标 (招标投标法 第28条).
    read = tenders.get(session, clock, tender.id)
    assert read.settled_at == tender_rules.settles_at(DEADLINE_PASSED) and read.lots[0].state == "unsuccessful"


def test_a_settled_tender_is_opened_by_the_service_which_unseals_the_factorys_bids(session, clock, tmp_path):
    tender = TenderFactory(settled=True)
    lot = tender.lots[0]
    assert not tender_rules.needs_settling(tender.state, tender.settled_at, tender.bid_deadline, clock())
    prices = [Decimal("910000.00"), Decimal("920000.00"), Decimal("930000.00")]
    bids = [BidFactory(lot=lot, amount=p) for p in prices]  # sealed, received before the deadline
    storage = LocalStorage(tmp_path / "storage")
    for user, private in officials(tender)[:2]:
        result = clients.present_with_key(session, clock, storage, BID_INDEX_KEY.encode(), user, tender.id, private)
    record = result.opening
    assert record is not None and tender.state == "evaluating" and lot.opened_at == clock()
    assert [b.price for b in bids] == prices
    assert [b["price"] for b in record.record["lots"][0]["bids"]] == [str(p) for p in prices]


def test_an_awarded_tender_stays_awarded_and_cannot_be_cancelled(session, clock):
    tender = TenderFactory(awarded=True)
    assert [l.state for l in tender.lots] == ["awarded"]
    assert tender_rules.tender_state_at(tender.state, tender.bid_deadline, clock()) == "awarded"
    with pytest.raises(Conflict, match="can no longer be cancelled"):
        tenders.cancel(session, clock, person(session, "officer").actor, tender.id, "太晚了")


def test_an_opened_tender_is_evaluating_and_cannot_be_opened_again(session, clock, tmp_path):
    tender = TenderFactory(opened=True)
    lot = tender.lots[0]
    assert tender.state == "evaluating" and lot.state == "active" and lot.opened_at == tender.opened_at
    assert not tender_rules.needs_settling(tender.state, tender.settled_at, tender.bid_deadline, clock())
    officer = person(session, "officer")
    user, private = officials(tender)[0]
    with pytest.raises(Conflict, match="already open"):
        clients.present_with_key(session, clock, LocalStorage(tmp_path / "s"), BID_INDEX_KEY.encode(), user, tender.id,
                                 private)
    assert bidding.lot_bids(session, clock, INDEX, officer, lot.id) == []  # opened: no longer sealed


def test_a_cancelled_tender_frees_its_sites_and_cannot_be_cancelled_again(session, clock):
    tender = TenderFactory(cancelled=True)
    site = tender.lots[0].sites[0]
    assert tender.lots[0].state == "cancelled"
    assert sites.commitments(session, [site.id], local_date(clock())) == {}
    with pytest.raises(Conflict):
        tenders.cancel(session, clock, person(session, "officer").actor, tender.id, "再次取消")


def test_a_lowest_price_tender_needs_no_criteria(session, clock):
    tender = TenderFactory(lowest_price=True, published=True)
    assert tender.criteria == [] and tender.price_points is None
    assert tender_rules.publication_problems(tenders.draft_of(tender), tender.published_at) == []


def test_a_published_lot_binds_its_sites_to_its_tender(session, clock):
    lot = LotFactory(published=True)
    site = lot.sites[0]
    bound = sites.commitments(session, [site.id], local_date(clock()))
    assert [(c.kind, c.holder_id) for c in bound[site.id]] == [("tender", lot.tender_id)]
    assert site.id not in {s.id for s in tenders.candidate_sites(session, clock)}


def test_an_awarded_lot_keeps_its_sites_and_cannot_be_retendered(session, clock):
    lot = LotFactory(awarded=True)
    assert lot.state == "awarded" and lot.tender.state == "awarded" and lot.opened_at is not None
    assert tender_rules.lot_state_at(lot.state, True, 0) == "awarded"  # judged once; never 流标 afterwards
    bound = sites.commitments(session, [lot.sites[0].id], local_date(clock()))
    assert [c.holder_id for c in bound[lot.sites[0].id]] == [lot.tender_id]
    with pytest.raises(Conflict, match="unsuccessful"):
        tenders.retender(session, clock, person(session, "officer").actor, lot.id)


def test_an_unsuccessful_lot_frees_its_sites_and_is_retendered(session, clock):
    lot = LotFactory(unsuccessful=True)
    assert lot.state == "unsuccessful" and lot.opened_at is None and lot.tender.settled_at is not None
    site = lot.sites[0]
    assert sites.commitments(session, [site.id], local_date(clock())) == {}
    again = tenders.retender(session, clock, person(session, "officer").actor, lot.id)
    assert again.state == "draft" and again.source_lot_id == lot.id
    assert [s.id for s in again.lots[0].sites] == [site.id]


def test_a_second_lot_of_a_tender_is_numbered_after_the_first(session):
    tender = TenderFactory()
    second = LotFactory(tender=tender)
    assert [l.number for l in tender.lots] == [1, 2] and second.number == 2


# --- bids ---------------------------------------------------------------------------------------


INDEX = BID_INDEX_KEY.encode()


def test_a_submitted_bid_is_sealed_and_only_its_bidder_finds_it(session, clock):
    company = ContractorFactory()
    bid = BidFactory(submitted=True, amount=Decimal("876543.21"), company=company)
    assert bid.state == "submitted" and bid.price is None and bid.contractor_id is None  # nothing in clear
    assert "876543" not in bid.envelope
    me = person(session, "contractor", contractor_id=company.id)
    (view,) = bidding.my_bids(session, clock, INDEX, me)
    assert view.bid.id == bid.id and view.sealed and view.price is None  # sealed to Procure as well
    assert bidding.receipt(session, clock, INDEX, me, bid.id)["verified"]
    assert bidding.my_bids(session, clock, INDEX, person(session, "contractor", contractor_id=ContractorFactory().id)) == []
    with pytest.raises(Forbidden, match="sealed"):
        bidding.lot_bids(session, clock, INDEX, person(session, "officer"), bid.lot_id)


def test_a_withdrawn_bid_is_empty_and_has_no_receipt(session, clock, tmp_path):
    company = ContractorFactory()
    bid = BidFactory(withdrawn=True, company=company)
    assert bid.envelope is None and bid.withdrawn_at > bid.received_at
    me = person(session, "contractor", contractor_id=company.id)
    (view,) = bidding.my_bids(session, clock, INDEX, me)
    assert view.bid.state == "withdrawn" and view.price is None
    with pytest.raises(Conflict, match="withdrawn"):
        bidding.receipt(session, clock, INDEX, me, bid.id)
    storage = LocalStorage(tmp_path / "storage")  # a withdrawn bid has no documents to delete
    with pytest.raises(Conflict, match="already withdrawn"):
        bidding.withdraw(session, clock, storage, INDEX, me, bid.id)


def test_opened_bids_show_their_prices_to_the_officer(session, clock):
    lot = LotFactory(opened=True)
    prices = [Decimal("1000000.00"), Decimal("1100000.00"), Decimal("1250000.00")]
    bids = [BidFactory(opened=True, lot=lot, amount=p) for p in prices]
    assert [b.price for b in bids] == prices and all(b.received_at < lot.tender.bid_deadline for b in bids)
    views = bidding.lot_bids(session, clock, INDEX, person(session, "officer"), lot.id)
    assert [v.price for v in views] == prices and {v.bond_status for v in views} == {"provided"}


# --- committees ---------------------------------------------------------------------------------


def test_a_seated_committee_has_its_legal_size_and_every_member_declared(session, clock):
    committee = CommitteeFactory(seated=True)
    assert len(committee.members) == 5 and all(m.is_expert for m in committee.members)
    lot = tenders.get_lot(session, clock, committee.lot_id)
    assert lot.opened_at is not None and evaluation_rules.committee_problems(5, 5, lot.ceiling_price) == []
    state = evaluation.progress(session, clock, committee.lot_id)
    assert (state.size, state.experts, state.composition, state.undeclared) == (5, 5, [], [])
    assert all(evaluation.declared_member(session, CurrentUser.of(m.user), committee.lot_id) for m in committee.members)


def test_a_formed_committee_waits_for_its_declarations(session, clock):
    committee = CommitteeFactory()
    state = evaluation.progress(session, clock, committee.lot_id)
    assert len(state.undeclared) == 5 and not state.short
    first = CurrentUser.of(committee.members[0].user)
    assert not evaluation.declared_member(session, first, committee.lot_id)
    evaluation.declare(session, clock, first, committee.lot_id, True)
    assert evaluation.declared_member(session, first, committee.lot_id)


def test_a_committee_with_too_few_experts_is_short(session, clock):
    committee = CommitteeFactory(seated=True, experts=3)  # 3 of 5: below two thirds (87号令 第47条)
    assert sorted(m.user.role for m in committee.members) == ["evaluator"] * 3 + ["officer"] * 2
    assert evaluation.progress(session, clock, committee.lot_id).short


def test_a_member_who_withdrew_stays_on_record_and_leaves_the_committee_short(session, clock):
    committee = CommitteeFactory(seated=True)
    late = CommitteeMemberFactory(committee=committee, declared=True)
    gone = CommitteeMemberFactory(committee=committee, withdrawn=True)
    state = evaluation.progress(session, clock, committee.lot_id)
    assert len(committee.members) == 7 and (state.size, state.experts) == (6, 6) and state.short  # 6: even
    assert state.withdrawn == [gone.user.display_name] and not gone.present
    assert evaluation.declared_member(session, CurrentUser.of(late.user), committee.lot_id)
    assert not evaluation.declared_member(session, CurrentUser.of(gone.user), committee.lot_id)


# --- inspections -----------------------------------------------------------------------------------


def test_a_clean_inspection_scores_100(session):
    found = InspectionFactory()
    assert found.score == Decimal("100.00") and found.findings == [] and found.month == "2026-11"
    assert inspection.current_template(session, found.site.kind).id == found.template_id


def test_an_inspection_with_findings_scores_as_the_service_scores_it(session, clock, tmp_path):
    found = InspectionFactory(with_findings=True)
    assert found.findings and found.score < 100
    storage = LocalStorage(tmp_path / "storage")
    again = inspection.submit(session, clock, storage, person(session, "inspector"), site_id=found.site_id,
                              inspected_at=found.inspected_at, require_photos=False,
                              findings=[FindingInput(f.item_code, f.count) for f in found.findings]).inspection
    assert (again.score, again.categories) == (found.score, found.categories)
    assert [(f.item_code, f.deduction) for f in again.findings] == [(f.item_code, f.deduction) for f in found.findings]


def test_an_inspection_under_a_contract_is_its_month_score(session):
    contract = ContractFactory()
    found = InspectionFactory(with_findings=True, contract=contract)
    ContractSiteFactory(contract_id=contract.id, site=found.site)
    session.flush()
    session.refresh(contract)
    assert inspection.contract_month(session, contract, found.month).score == found.score


def test_a_failing_inspection_fails_the_payment_table(session):
    found = InspectionFactory(failing=True)
    assert payment_rules.coefficient(DEFAULT_PAYMENT_TABLE, found.score).failing


# --- cases --------------------------------------------------------------------------------------------


def test_an_open_case_is_green_and_its_company_can_answer_it(session, clock, tmp_path):
    contract = ContractFactory()
    case = CaseFactory(contract=contract)
    assert not case_rules.is_overdue(case.state, case.deadline, case.first_responded_at, clock())
    assert cases.timer(case, clock()) == "green" and [e.action for e in case.events] == ["open"]
    company = person(session, "contractor", contractor_id=contract.contractor_id)
    cases.respond(session, clock, LocalStorage(tmp_path / "storage"), company, case.id, "已清理")
    assert case.state == "responded"


def test_an_overdue_case_is_overdue_and_becomes_a_penalty(session, clock):
    contract = ContractFactory()
    case = CaseFactory(overdue=True, contract=contract)
    assert case_rules.is_overdue(case.state, case.deadline, case.first_responded_at, clock())
    assert cases.timer(case, clock()) == "red"
    officer = person(session, "officer")
    overdue = cases.list_cases(session, clock, officer, CaseFilter(overdue=True), PageRequest())
    assert [c.id for c in overdue.items] == [case.id]
    statement = payments.run_month(session, clock, officer.actor, "2026-11").statements[0]
    penalty = next(l for l in statement.lines if l.kind == "penalty_overdue")
    assert penalty.evidence == {"cases": [case.id]} and statement.penalties == Decimal("200.00")


def test_a_responded_case_can_be_closed_by_an_inspector(session, clock):
    case = CaseFactory(responded=True)
    assert [e.action for e in case.events] == ["open", "respond"]
    cases.close(session, clock, person(session, "inspector"), case.id, "合格")
    assert case.state == "closed" and not cases.overdue(case, clock())


def test_a_closed_case_was_on_time_and_counts_as_closed(session, clock):
    case = CaseFactory(closed=True)
    assert cases.timer(case, clock()) == "done" and [e.action for e in case.events] == ["open", "respond", "close"]
    rates = case_rules.rates([case_rules.CaseFacts(case.deadline, case.state, case.first_responded_at, case.reopened)])
    assert (rates.on_time_rate, rates.closure_rate) == (Decimal("100.00"), Decimal("100.00"))
    with pytest.raises(Conflict):
        cases.void(session, clock, person(session, "officer"), case.id, "重复")


def test_a_voided_case_counts_for_nothing(session, clock):
    case = CaseFactory(voided=True, overdue=True)
    assert not case_rules.is_overdue(case.state, case.deadline, case.first_responded_at, clock())
    facts = case_rules.CaseFacts(case.deadline, case.state, case.first_responded_at, case.reopened)
    assert case_rules.rates([facts]).due == 0


# --- payment statements ------------------------------------------------------------------------------


def test_a_draft_statement_is_what_the_months_run_computes(session, clock):
    statement = StatementFactory()
    assert (statement.state, statement.base, statement.payable, statement.net) == \
        ("draft", Decimal("100000.00"), Decimal("100000.00"), Decimal("97000.00"))
    contract = statement.contract
    found = InspectionFactory(contract=contract, inspected_at=datetime(2026, 10, 15, 10, 0, tzinfo=BUREAU_TZ))
    ContractSiteFactory(contract_id=contract.id, site=found.site)
    session.flush()
    before = {c: getattr(statement, c) for c in ("base", "score", "coefficient", "payable", "retention", "net")}
    rerun = payments.run_month(session, clock, person(session, "officer").actor, "2026-10")
    assert rerun.replaced == 1 and rerun.created == 0  # the factory's row is the run's draft …
    again = session.get(PaymentStatement, statement.id)
    assert {c: getattr(again, c) for c in before} == before  # … with the same figures


def test_a_submitted_statement_waits_in_finances_queue_for_someone_else(session, clock):
    statement = StatementFactory(submitted=True)
    finance = person(session, "finance")
    queue = payments.list_statements(session, clock, finance, StatementFilter(state="submitted"))
    assert [s.id for s in queue] == [statement.id]
    assert [e.action for e in statement.events] == ["computed", "submitted"]
    maker = CurrentUser.of(session.get(User, statement.submitted_by_id))
    with pytest.raises(Forbidden):  # maker-checker: whoever submitted it cannot approve it
        payments.approve(session, clock, maker, statement.id)
    payments.approve(session, clock, finance, statement.id)
    assert statement.state == "approved"


def test_an_approved_statement_is_due_in_30_days_and_can_be_paid(session, clock):
    statement = StatementFactory(approved=True)
    assert statement.approved_by_id not in (None, statement.submitted_by_id)
    assert statement.due_date == local_date(statement.approved_at) + timedelta(days=30)
    finance = person(session, "finance")
    assert payments.list_statements(session, clock, finance, StatementFilter(state="submitted")) == []
    assert not payments.is_overdue(statement, local_date(clock()))
    clock.now = NOW + timedelta(days=31)  # the due date has passed: on finance's overdue list
    assert [s.id for s in payments.list_statements(session, clock, finance, StatementFilter(overdue=True))] == \
        [statement.id]
    payments.pay(session, clock, finance, statement.id, None, "PZ-2026-1201")
    assert statement.state == "paid"


def test_a_paid_statement_holds_retention_released_after_the_liability_period(session, clock):
    statement = StatementFactory(paid=True)
    assert statement.paid_on == local_date(clock()) and statement.payment_reference.startswith("PZ-TEST-")
    assert [e.action for e in statement.events] == ["computed", "submitted", "approved", "paid"]
    finance = person(session, "finance")
    with pytest.raises(Conflict):
        payments.pay(session, clock, finance, statement.id, None, "PZ-again")
    clock.now = datetime(2028, 1, 2, 9, 0, tzinfo=BUREAU_TZ)  # term ends 2026-12-31, + 12 months
    release = payments.release_retention(session, clock, finance, statement.contract_id)
    assert release.net == statement.retention == Decimal("3000.00")


def test_a_month_not_assessed_cannot_be_submitted(session, clock):
    statement = StatementFactory(score=None)
    assert not statement.assessed and statement.payable is None
    with pytest.raises(Conflict, match="not assessed"):
        payments.submit(session, clock, person(session, "officer"), statement.id)
