"""DESIGN §4.7 with exact figures."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from procure.contracts.rules import DEFAULT_PAYMENT_TABLE
from procure.payments.rules import (
    MonthInputs, PenaltyRules, VariationTerm, coefficient, compute, consecutive_failing, due_date,
)

LINEAR = {"kind": "linear", "threshold": "90", "rate": "0.02", "minimum": "0.50"}


def inputs(**overrides):
    values = dict(year=2026, month=11, monthly_fee=D("30000.00"), term_start=date(2026, 1, 1),
                  term_end=date(2026, 12, 31), variations=(), score=D("95"), table=DEFAULT_PAYMENT_TABLE,
                  penalty_rules=PenaltyRules(), retention_rate=D("0.03"))
    return MonthInputs(**(values | overrides))


def total_of(statement):
    return sum((line.amount for line in statement.lines), D(0))


def test_a_full_month():
    s = compute(inputs())
    assert (s.base, s.coefficient, s.scaled, s.payable, s.retention, s.net) == \
        (D("30000.00"), D("1.00"), D("30000.00"), D("30000.00"), D("900.00"), D("29100.00"))
    assert total_of(s) == s.payable


def test_a_contract_starting_on_the_17th():
    # November has 30 days; 17–30 = 14 days: 30,000 × 14/30 = 14,000.00
    s = compute(inputs(term_start=date(2026, 11, 17)))
    assert s.base == D("14000.00")
    # 31-day month, start on the 17th: 15 days; 31,000 × 15 / 31 = 15,000
    assert compute(inputs(month=12, monthly_fee=D("31000.00"), term_start=date(2026, 12, 17),
                          term_end=date(2027, 12, 16))).base == D("15000.00")


def test_a_variation_adding_a_site_on_the_10th():
    # +3,000/month from 10 Nov: 21 of 30 days → 2,100.00; base 30,000 + 2,100
    s = compute(inputs(variations=(VariationTerm(1, D("3000.00"), date(2026, 11, 10)),)))
    assert s.base == D("32100.00")
    assert [l.amount for l in s.lines if l.kind == "variation"] == [D("2100.00")]
    assert total_of(s) == s.payable


def test_base_is_rounded_once():
    # 10,000 × 14/30 = 4,666.666… and 1,000 × 11/30 = 366.666…: 5,033.333… → 5,033.33, while the
    # parts shown rounded add up to 5,033.34: a rounding line of −0.01 keeps the lines exact.
    s = compute(inputs(monthly_fee=D("10000.00"), term_start=date(2026, 11, 17),
                       variations=(VariationTerm(1, D("1000.00"), date(2026, 11, 20)),)))
    assert s.base == D("5033.33")
    assert [l.amount for l in s.lines if l.kind == "rounding"] == [D("-0.01")]
    assert total_of(s) == s.payable


def test_band_edges():
    k = lambda score: coefficient(DEFAULT_PAYMENT_TABLE, D(score))  # noqa: E731
    assert (k("89.99").k, k("90.00").k) == (D("0.90"), D("1.00"))
    assert (k("79.99").k, k("80.00").k) == (D("0.80"), D("0.90"))
    assert (k("69.99").k, k("70.00").k) == (D("0.60"), D("0.80"))
    assert k("69.99").failing and not k("70.00").failing
    s = compute(inputs(score=D("69.99")))
    assert s.scaled == D("18000.00") and s.failing


def test_a_linear_table():
    k = lambda score: coefficient(LINEAR, D(score)).k  # noqa: E731
    assert k("95") == D(1) and k("90") == D(1)
    assert k("85.5") == D("0.910")  # 1 − 0.02 × 4.5
    assert k("60") == D("0.50")     # 1 − 0.6 = 0.4, floored at 0.50
    s = compute(inputs(table=LINEAR, score=D("85.5")))
    assert s.scaled == D("27300.00")


def test_penalties():
    s = compute(inputs(overdue_cases=(1, 2, 3), complaints=(9,), media_county=1))
    # 3 × 200 + 1 × 500 + 10% × 30,000 = 600 + 500 + 3,000
    assert s.penalties == D("4100.00") and s.payable == D("25900.00")
    assert s.retention == D("777.00") and s.net == D("25123.00")
    assert total_of(s) == s.payable


def test_penalties_exceeding_the_scaled_base_floor_at_zero():
    s = compute(inputs(score=D("50"), media_city=3, overdue_cases=tuple(range(20))))
    # scaled 18,000; penalties 3 × 20% × 30,000 = 18,000 + 4,000
    assert s.payable == D("0.00") and s.retention == D("0.00") and s.net == D("0.00")
    assert any(l.kind == "floor" for l in s.lines) and total_of(s) == D("0.00")


def test_retention_rounding():
    s = compute(inputs(monthly_fee=D("33333.33"), retention_rate=D("0.0300")))
    assert s.retention == D("1000.00")  # 999.9999 → 1,000.00
    s = compute(inputs(monthly_fee=D("10000.50"), retention_rate=D("0.0250")))
    assert s.retention == D("250.01")   # 250.0125 → 250.01


def test_a_month_not_assessed():
    s = compute(inputs(score=None, overdue_cases=(1,)))
    assert not s.assessed and s.payable is None and s.base == D("30000.00") and s.penalties == D("200.00")


def test_months_outside_the_term():
    assert compute(inputs(term_start=date(2027, 1, 1), term_end=date(2027, 12, 31))).base == D("0.00")
    assert compute(inputs(term_end=date(2026, 11, 10))).base == D("10000.00")  # terminated on the 10th


def test_due_date_and_consecutive_failures():
    assert due_date(date(2026, 11, 20)) == date(2026, 12, 20)
    failing = {"2026-08": True, "2026-09": True, "2026-10": True, "2026-11": False}
    assert consecutive_failing(failing, "2026-10") and not consecutive_failing(failing, "2026-11")
    assert consecutive_failing({"2025-12": True, "2026-01": True, "2026-02": True}, "2026-02")


money = st.decimals(min_value=D("0.01"), max_value=D("999999.99"), places=2)


@settings(max_examples=300, deadline=None)
@given(fee=money, start_day=st.integers(1, 30), deltas=st.lists(st.tuples(money, st.integers(1, 30)), max_size=3),
       score=st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
       overdue=st.integers(0, 30), complaints=st.integers(0, 5), county=st.integers(0, 2), city=st.integers(0, 2),
       rate=st.decimals(min_value=0, max_value=D("0.03"), places=4), linear=st.booleans())
def test_lines_always_add_up_to_the_totals(fee, start_day, deltas, score, overdue, complaints, county, city, rate, linear):
    s = compute(inputs(monthly_fee=fee, term_start=date(2026, 11, start_day), retention_rate=rate, score=score,
                       table=LINEAR if linear else DEFAULT_PAYMENT_TABLE,
                       variations=tuple(VariationTerm(n, d, date(2026, 11, day)) for n, (d, day) in enumerate(deltas)),
                       overdue_cases=tuple(range(overdue)), complaints=tuple(range(complaints)),
                       media_county=county, media_city=city))
    penalties = -sum((l.amount for l in s.lines if l.kind.startswith("penalty")), D(0))
    assert penalties == s.penalties
    base_lines = sum((l.amount for l in s.lines if l.kind in ("base", "variation", "rounding")), D(0))
    assert base_lines == s.base
    if s.assessed:
        assert total_of(s) == s.payable >= 0
        assert s.retention + s.net == s.payable
        assert all(v == v.quantize(D("0.01")) for v in (s.base, s.scaled, s.payable, s.retention, s.net))
