from decimal import Decimal as D

import pytest

from procure.inspection.rules import (
    Category, Item, contract_month_score, sample, sample_size, score, site_month_score, template_problems,
)

CATS = [Category("clean", D(40)), Category("green", D(10)), Category("order", D(30)), Category("light", D(20))]
ITEMS = [Item("C1", "clean", D("2"), D("10")), Item("C2", "clean", D("0.5"), D("5")),
         Item("O1", "order", D("3"), D("9")), Item("L1", "light", D("1.5"), D("20"))]


def test_a_clean_site_scores_100():
    assert score(CATS, ITEMS, {}).total == D("100.00")


def test_deductions_with_caps():
    s = score(CATS, ITEMS, {"C1": 7, "C2": 3, "O1": 1, "L1": 2})
    assert s.deductions == {"C1": D("10"), "C2": D("1.5"), "O1": D("3"), "L1": D("3.0")}  # C1 capped at 10
    assert s.categories == {"clean": D("28.5"), "green": D("10"), "order": D("27"), "light": D("17.0")}
    assert s.total == D("82.50")


def test_a_category_floors_at_zero():
    cats = [Category("clean", D(10)), Category("green", D(30)), Category("order", D(30)), Category("light", D(30))]
    items = [Item("C1", "clean", D("4"), D("8")), Item("C2", "clean", D("3"), D("9"))]
    s = score(cats, items, {"C1": 5, "C2": 5})  # 8 + 9 = 17 > 10
    assert s.categories["clean"] == D(0) and s.total == D("90.00")


def test_unknown_items_are_refused():
    with pytest.raises(KeyError):
        score(CATS, ITEMS, {"ZZ": 1})


def test_month_scores_and_area_weighting():
    assert site_month_score([D("90"), D("85.5"), D("80")]) == D("85.17")  # 255.5 / 3 = 85.1666…
    assert site_month_score([]) is None
    # Σ(area × score) / Σ area: (10000 × 90 + 30000 × 80) / 40000 = 82.5
    assert contract_month_score([(D(10000), D(90)), (D(30000), D(80))]) == D("82.50")
    assert contract_month_score([(D("1000.55"), D("88.88")), (D("2000.45"), D("77.77"))]) == D("81.47")
    assert contract_month_score([]) is None


def test_half_fen_rounding():
    assert site_month_score([D("90.00"), D("90.01")]) == D("90.01")  # 90.005 → 90.01


def test_sampling_covers_the_share_and_replays():
    assert [sample_size(n, D("0.30")) for n in (0, 1, 3, 4, 10, 11)] == [0, 1, 1, 2, 3, 4]
    sites = list(range(100, 120))
    plan = sample(sites, D("0.30"), 7)
    assert len(plan) == 6 and set(plan) <= set(sites)
    assert plan == sample(list(reversed(sites)), D("0.30"), 7)
    assert plan != sample(sites, D("0.30"), 8)


def test_template_checks():
    assert template_problems(CATS, ITEMS) == []
    assert template_problems(CATS[:3], ITEMS)
    assert template_problems(CATS, ITEMS + [Item("C1", "clean", D(1), D(1))])
    assert template_problems([Category("clean", D(50)), Category("green", D(0)), Category("order", D(30)),
                              Category("light", D(20))], [Item("G1", "green", D(1), D(2))])
