from datetime import date
from decimal import Decimal as D

from procure.contracts.rules import may_suspend_resume_or_terminate, terms_adjustable
from procure.contracts.rules import (
    DEFAULT_PAYMENT_TABLE, added_value, can_move, end_date, monthly_fee, payment_table_problems, terms_problems,
    variation_problems,
)


def test_monthly_fee_and_term():
    assert monthly_fee(D("1000000.00"), 12) == D("83333.33")
    assert monthly_fee(D("1000000.06"), 12) == D("83333.34")  # 83333.338… half-up
    assert end_date(date(2026, 1, 1), 12) == date(2026, 12, 31)
    assert end_date(date(2026, 1, 31), 1) == date(2026, 2, 27)  # to the day before 2026-02-28
    assert end_date(date(2026, 3, 17), 24) == date(2028, 3, 16)


def test_added_value_is_pro_rata_by_days():
    # From 10 Dec to 31 Dec 2026: 22/31 of December.
    assert added_value(D("3100.00"), date(2026, 12, 10), date(2026, 12, 31)) == D("2200.00")
    # Whole months: 3 × delta.
    assert added_value(D("1000.00"), date(2026, 10, 1), date(2026, 12, 31)) == D("3000.00")
    assert added_value(D("1000.00"), date(2027, 1, 1), date(2026, 12, 31)) == D("0.00")


def test_the_ten_percent_rule():
    common = dict(amount=D("1200000.00"), start=date(2026, 1, 1), months=12)
    # 10,000/month for the whole year = 120,000 = exactly 10%: allowed.
    assert variation_problems(**common, effective=date(2026, 1, 1), delta=D("10000.00"),
                              earlier_additions=D(0)) == []
    refused = variation_problems(**common, effective=date(2026, 1, 1), delta=D("10000.01"), earlier_additions=D(0))
    assert len(refused) == 1 and "art. 49" in refused[0]
    # Cumulative with earlier additions.
    assert variation_problems(**common, effective=date(2026, 7, 1), delta=D("10000.00"),
                              earlier_additions=D("60000.01")) != []
    # Removing a site never needs a tender.
    assert variation_problems(**common, effective=date(2026, 7, 1), delta=D("-50000.00"),
                              earlier_additions=D("120000.00")) == []


def test_a_variation_dated_before_the_start():
    problems = variation_problems(amount=D(1000), start=date(2026, 3, 1), months=12, effective=date(2026, 2, 28),
                                  delta=D(1), earlier_additions=D(0))
    assert problems == ["A variation cannot take effect before the contract starts ({start})."]


def test_terms_limits():
    assert terms_problems(D("1000000"), 12, D("100000.00"), D("0.03"), D("0.30")) == []
    fields = [f for f, _ in terms_problems(D("1000000"), 0, D("100000.01"), D("0.0301"), D(0))]
    assert fields == ["months", "performance_bond", "retention_rate", "sampling_share"]


def test_payment_tables():
    assert payment_table_problems(DEFAULT_PAYMENT_TABLE) == []
    overlapping = {"kind": "bands", "bands": [{"min": "90", "k": "1"}, {"min": "90", "k": "0.9"}, {"min": "0", "k": "0.6"}]}
    assert payment_table_problems(overlapping) == ["Two bands start at the same score: bands may not overlap."]
    assert payment_table_problems({"kind": "linear", "threshold": "90", "rate": "0.01", "minimum": "0.5"}) == []
    assert payment_table_problems({"kind": "bands", "bands": [{"min": "60", "k": "1"}]}) != []
    assert payment_table_problems({"kind": "nonsense"}) != []
    assert payment_table_problems({"kind": "bands", "bands": [{"min": "x", "k": "1"}]}) != []


def test_state_machine():
    assert can_move("draft", "signed") and can_move("signed", "active") and can_move("active", "suspended")
    assert not can_move("draft", "active") and not can_move("terminated", "active")
    assert not can_move("completed", "terminated") and not can_move("signed", "signed")


def test_terms_adjust_only_before_any_signature_and_the_panel_offers_only_legal_moves():
    assert terms_adjustable("draft", False, False)
    assert not terms_adjustable("draft", True, False) and not terms_adjustable("draft", False, True)
    assert not terms_adjustable("signed", False, False)
    assert [s for s in ("draft", "signed", "active", "suspended", "completed", "terminated")
            if may_suspend_resume_or_terminate(s)] == ["draft", "signed", "active", "suspended"]
