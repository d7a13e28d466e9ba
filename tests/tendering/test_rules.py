from datetime import datetime, timedelta
from decimal import Decimal

from procure.kernel.clock import BUREAU_TZ
from procure.tendering.rules import (
    CriterionDraft, LotDraft, LotState, TenderDraft, accepts_bids, awaits_opening, deadline_after_amendment, lot_outcome,
    max_bid_bond, publication_problems, settled,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BUREAU_TZ)
CRITERIA = [CriterionDraft("T1", "养护方案", Decimal(40)), CriterionDraft("T2", "人员设备", Decimal(30))]
LOT = LotDraft("标段一", 3, Decimal("1000000.00"), 12, Decimal("20000.00"))


def draft(**overrides):
    values = dict(title="余杭区道路养护", method="comprehensive", price_points=Decimal(30), sme_deduction=Decimal("0.10"),
                  abnormal_threshold=Decimal("0.20"), criteria=CRITERIA, lots=[LOT],
                  bid_deadline=NOW + timedelta(days=20))
    return TenderDraft(**(values | overrides))


def messages(d):
    return [p.message for p in publication_problems(d, NOW)]


def test_a_good_tender_has_no_problems():
    assert publication_problems(draft(), NOW) == []


def test_exactly_twenty_days_is_enough_one_second_less_is_not():
    assert publication_problems(draft(bid_deadline=NOW + timedelta(days=20)), NOW) == []
    problems = messages(draft(bid_deadline=NOW + timedelta(days=20) - timedelta(seconds=1)))
    assert problems == ["The bid deadline is less than 20 days after publication (Tendering and Bidding Law, art. 24)."]


def test_deadline_before_publication():
    assert "The bid deadline is before the publication time." in messages(draft(bid_deadline=NOW - timedelta(hours=1)))


def test_every_problem_at_once():
    bad = draft(lots=[LotDraft("空标段", 0, Decimal(0), 0, Decimal(-1))], price_points=Decimal(35),
                criteria=[CriterionDraft("T1", "方案", Decimal(40))], sme_deduction=Decimal("0.25"), bid_deadline=None)
    found = messages(bad)
    assert "Lot {n} has no sites." in found
    assert "Lot {n} needs a ceiling price above 0." in found
    assert "Lot {n} needs a term of 1 to 120 months." in found
    assert "Lot {n}: the bid bond cannot be negative." in found
    assert any(m.startswith("Price points must be between 10 and 30") for m in found)
    assert "Price points and criteria points must sum to 100; they sum to {total}." in found
    assert any(m.startswith("The SME price deduction") for m in found)
    assert "A tender needs a bid deadline." in found


def test_points_sum_is_reported_with_the_total():
    problems = publication_problems(draft(criteria=[CriterionDraft("T1", "方案", Decimal("69.5"))]), NOW)
    assert problems[0].params == {"total": "99.5"}


def test_price_points_edges():
    ok10 = draft(price_points=Decimal(10), criteria=[CriterionDraft("T1", "方案", Decimal(90))])
    assert publication_problems(ok10, NOW) == []
    low = draft(price_points=Decimal("9.99"), criteria=[CriterionDraft("T1", "方案", Decimal("90.01"))])
    assert len(publication_problems(low, NOW)) == 1


def test_bid_bond_at_most_two_percent():
    assert max_bid_bond(Decimal("1234567.89")) == Decimal("24691.36")
    at_limit = draft(lots=[LotDraft("a", 1, Decimal("1000000.00"), 12, Decimal("20000.00"))])
    over = draft(lots=[LotDraft("a", 1, Decimal("1000000.00"), 12, Decimal("20000.01"))])
    assert publication_problems(at_limit, NOW) == []
    assert publication_problems(over, NOW)[0].params["limit"] == "20,000.00"


def test_lowest_price_needs_no_criteria():
    assert publication_problems(draft(method="lowest_price", criteria=[], price_points=None), NOW) == []


def test_amendment_fifteen_day_rule():
    deadline = NOW + timedelta(days=20)
    # 5 days before the deadline: it moves to 15 days after the amendment.
    amended = deadline - timedelta(days=5)
    assert deadline_after_amendment(amended, deadline) == amended + timedelta(days=15)
    # exactly 15 days before: it stands.
    assert deadline_after_amendment(deadline - timedelta(days=15), deadline) == deadline
    # 15 days minus a second: it moves by that second.
    assert deadline_after_amendment(deadline - timedelta(days=15, seconds=-1), deadline) == deadline + timedelta(seconds=1)


def test_the_server_clock_decides():
    deadline = NOW
    assert accepts_bids("published", deadline, deadline - timedelta(microseconds=1))
    assert not accepts_bids("published", deadline, deadline)
    assert not accepts_bids("cancelled", deadline, deadline - timedelta(days=1))
    # Received before the deadline, handled after it (waiting for the write lock in a rush).
    assert accepts_bids("closed", deadline, deadline - timedelta(microseconds=1))
    assert not accepts_bids("closed", deadline, deadline)
    assert not settled(deadline, deadline + timedelta(seconds=59))
    assert settled(deadline, deadline + timedelta(seconds=60))


def test_fewer_than_three_bids_is_unsuccessful():
    assert [lot_outcome(n) for n in range(5)] == [LotState.UNSUCCESSFUL] * 3 + [LotState.ACTIVE] * 2


def test_only_a_closed_unopened_tender_awaits_its_opening():
    assert awaits_opening("closed", None)
    assert not awaits_opening("closed", NOW)
    assert [s for s in ("draft", "published", "evaluating", "awarded", "complete", "cancelled")
            if awaits_opening(s, None)] == []
