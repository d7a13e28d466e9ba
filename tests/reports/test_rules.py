from decimal import Decimal as D

from procure.reports.rules import allocate, failing, mean, scorecard


def test_means_and_failing():
    assert mean([D("90"), D("85.5"), D("80")]) == D("85.17")
    assert mean([]) is None
    assert failing([D("69.99"), D("70"), D("50")]) == 2


def test_scorecard_bands():
    # 0.5 × 92 + 0.2 × 95 + 0.15 × (100 − 5) + 0.15 × (100 − 10 × 1%) = 46 + 19 + 14.25 + 13.5 = 92.75
    card = scorecard([D(92)] * 12, D(95), D(5), D("12000"), D("1200000"))
    assert card.total == D("92.75") and card.standing == "A" and card.penalties == D("90.00")
    weak = scorecard([D(60)] * 3, D(50), D(40), D("60000"), D("300000"))
    # penalties 20% of base → 100 − 200 → floored at 0: 30 + 10 + 9 + 0 = 49
    assert weak.total == D("49.00") and weak.standing == "D" and len(weak.reasons) == 3


def test_missing_criteria_are_left_out():
    card = scorecard([D(85)], None, None, D(0), D(0))
    assert card.total == D("85.00") and card.standing == "B"
    assert scorecard([], D(100), D(0), D(0), D(1)).standing is None


def test_allocation_by_area():
    parts = allocate(D("1000"), {1: D("300"), 2: D("700")})
    assert parts == {1: D("300"), 2: D("700")} and sum(parts.values()) == D("1000")
    assert allocate(D("1"), {}) == {}
