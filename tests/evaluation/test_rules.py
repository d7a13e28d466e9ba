from decimal import Decimal as D

import pytest

from procure.evaluation.rules import (
    RELATION_LIMIT, BidFacts, Criterion, abnormally_low, committee_minimum, committee_problems, declaration_problem,
    draw_members, evaluate, evaluated_price, majority, points_problem, price_score, technical_score,
)

CRITERIA = [Criterion("T1", D(40)), Criterion("T2", D(30))]


def sheets_for(*rows):
    """rows: per bid, a list of (T1, T2) per member."""
    return {i + 1: [{"T1": D(a), "T2": D(b)} for a, b in row] for i, row in enumerate(rows)}


def run(bids, sheets=None, method="comprehensive", seed=7, sme=None, threshold=D("0.20"), ceiling=D("2000000")):
    return evaluate(bids, method=method, ceiling_price=ceiling, sme_deduction=sme, abnormal_threshold=threshold,
                    price_points=D(30), criteria=CRITERIA, sheets=sheets or {}, seed=seed)


def test_the_worked_example_price_scores():
    b = D(1000000)
    assert [price_score(b, D(p), D(30)) for p in (1000000, 1100000, 1250000)] == [D("30.00"), D("27.27"), D("24.00")]


def test_the_worked_example_end_to_end():
    bids = [BidFacts(1, D("1000000"), False, True), BidFacts(2, D("1100000"), False, True),
            BidFacts(3, D("1250000"), False, True)]
    sheets = sheets_for([(30, 20)] * 5, [(35, 25)] * 5, [(38, 28)] * 5)
    out = run(bids, sheets)
    by_id = {r.bid_id: r for r in out.results}
    assert [by_id[i].price_score for i in (1, 2, 3)] == [D("30.00"), D("27.27"), D("24.00")]
    assert [by_id[i].total for i in (1, 2, 3)] == [D("80.00"), D("87.27"), D("90.00")]
    assert [by_id[i].rank for i in (3, 2, 1)] == [1, 2, 3]
    assert out.benchmark == D("1000000")


def test_sme_deduction_changes_the_benchmark():
    assert evaluated_price(D("1100000.00"), True, D("0.10")) == D("990000.00")
    assert evaluated_price(D("1100000.00"), False, D("0.10")) == D("1100000.00")
    bids = [BidFacts(1, D("1000000"), False, True), BidFacts(2, D("1100000"), True, True),
            BidFacts(3, D("1250000"), False, True)]
    out = run(bids, sheets_for(*[[(30, 20)] * 5] * 3), sme=D("0.10"))
    by_id = {r.bid_id: r for r in out.results}
    assert out.benchmark == D("990000.00")  # the SME's evaluated price is now the lowest
    assert by_id[2].price_score == D("30.00") and by_id[1].price_score == D("29.70")
    assert by_id[3].price_score == D("23.76")  # 990000 / 1250000 × 30 = 23.76
    assert "sme_deduction" in by_id[2].flags


def test_abnormally_low_needs_a_decision_then_accepted_or_rejected():
    prices = [D("500000"), D("1000000"), D("1050000"), D("1100000")]
    assert abnormally_low({i: p for i, p in enumerate(prices)}, D("0.20")) == {0}
    facts = lambda decision: [BidFacts(i + 1, p, False, True, decision if i == 0 else None) for i, p in enumerate(prices)]  # noqa: E731
    sheets = sheets_for(*[[(30, 20)] * 5] * 4)
    undecided = run(facts(None), sheets)
    assert undecided.undecided_abnormal == [1] and all(r.rank is None for r in undecided.results)
    accepted = run(facts("accepted"), sheets)
    assert {r.bid_id: r.rank for r in accepted.results}[1] == 1
    rejected = run(facts("rejected"), sheets)
    first = {r.bid_id: r for r in rejected.results}[1]
    assert not first.compliant and first.rank is None and "abnormal_rejected" in first.flags
    assert rejected.benchmark == D("1000000")


def test_exactly_at_the_threshold_is_not_abnormal():
    # mean of others = 1,000,000; (1 − 0.20) × 1,000,000 = 800,000: equal is not "below"
    assert abnormally_low({1: D(800000), 2: D(1000000), 3: D(1000000)}, D("0.20")) == set()
    assert abnormally_low({1: D("799999.99"), 2: D(1000000), 3: D(1000000)}, D("0.20")) == {1}


def test_above_the_ceiling_is_non_compliant():
    bids = [BidFacts(1, D("2000000.01"), False, True), BidFacts(2, D("1000000"), False, True),
            BidFacts(3, D("1100000"), False, True), BidFacts(4, D("1200000"), False, True)]
    out = run(bids, sheets_for(*[[(30, 20)] * 5] * 4))
    first = {r.bid_id: r for r in out.results}[1]
    assert not first.compliant and "above_ceiling" in first.flags and first.rank is None


def test_fewer_than_three_compliant_bids_is_unsuccessful():
    bids = [BidFacts(1, D("1000000"), False, True), BidFacts(2, D("1100000"), False, True),
            BidFacts(3, D("1200000"), False, False)]
    out = run(bids, sheets_for(*[[(30, 20)] * 5] * 3))
    assert out.unsuccessful and all(r.rank is None for r in out.results)


def test_ties_at_each_step_of_the_chain():
    # Same total: the lower evaluated price wins.
    bids = [BidFacts(1, D("1000000"), False, True), BidFacts(2, D("1250000"), False, True),
            BidFacts(3, D("1250000"), False, True)]
    sheets = sheets_for([(30, 20)] * 5, [(36, 20)] * 5, [(30, 20)] * 5)  # bid 2: 24 + 56 = 80 = bid 1's 30 + 50
    out = {r.bid_id: r for r in run(bids, sheets).results}
    assert out[1].total == out[2].total == D("80.00")
    assert out[1].rank < out[2].rank
    # Same total and price: the higher technical score wins.
    bids = [BidFacts(1, D("1000000"), False, True), BidFacts(2, D("1000000"), False, True),
            BidFacts(3, D("1500000"), False, True)]
    sheets = sheets_for([(30, 20)] * 5, [(30, 20)] * 5, [(40, 30)] * 5)
    out = {r.bid_id: r for r in run(bids, sheets).results}
    assert out[3].total == D("90.00") and out[3].rank == 1  # 20 + 70
    assert out[1].total == out[2].total and "tie_broken_by_draw" in out[1].flags
    # Everything equal: the seeded draw decides, the same way every time, differently for another seed.
    ranks = {seed: tuple(r.bid_id for r in run(bids, sheets, seed=seed).results) for seed in range(20)}
    assert ranks[3] == tuple(r.bid_id for r in run(bids, sheets, seed=3).results)
    assert len(set(ranks.values())) == 2


def test_lowest_price_method():
    bids = [BidFacts(1, D("1100000"), False, True), BidFacts(2, D("1000000"), False, True),
            BidFacts(3, D("1000000"), False, True), BidFacts(4, D("1200000"), False, True)]
    out = run(bids, method="lowest_price")
    order = [r.bid_id for r in out.results if r.rank]
    assert set(order[:2]) == {2, 3} and order[2:] == [1, 4]
    assert all(r.price_score is None and r.total is None for r in out.results)


def test_rounding_at_half_fen():
    # mean of (12.345, 12.335) → 12.34 exactly? (24.68 / 2 = 12.34); of (12.335, 12.335, 12.34, 12.34) = 12.3375 → 12.34
    assert technical_score([{"T1": D("10.005")}, {"T1": D("10.005")}], ["T1"]) == D("10.01")
    assert technical_score([{"T1": D("10.00")}, {"T1": D("10.01")}], ["T1"]) == D("10.01")  # 10.005 → 10.01
    assert technical_score([{"T1": D("10.00")}, {"T1": D("10.00")}, {"T1": D("10.01")}], ["T1"]) == D("10.00")
    # P = 1,000,000 / 1,066,666 × 30 = 28.1250… → 28.13; and an exact .005: B/E × 30 = 28.125
    assert price_score(D("1000000"), D("1066666"), D(30)) == D("28.13")
    assert price_score(D("1125"), D("1200"), D(30)) == D("28.13")  # 28.125 exactly → half-up


def test_points_limits():
    assert points_problem(D("40.01"), D(40)) is not None
    assert points_problem(D("-0.01"), D(40)) is not None
    assert points_problem(D("12.345"), D(40)) is not None
    assert points_problem(D("40"), D(40)) is None and points_problem(D(0), D(40)) is None


@pytest.mark.parametrize(("size", "experts", "ceiling", "ok"), [
    (5, 4, D("9999999.99"), True), (4, 4, D(1), False), (6, 6, D(1), False), (5, 3, D(1), False),
    (5, 5, D("10000000"), False), (7, 5, D("10000000"), True), (7, 4, D("10000000"), False), (3, 3, D(1), False),
])
def test_committee_rules(size, experts, ceiling, ok):
    assert (committee_problems(size, experts, ceiling) == []) is ok


def test_the_draw_is_reproducible_and_excludes():
    pool = list(range(1, 21))
    first = draw_members(pool, 5, 2026, {3, 4})
    assert first == draw_members(list(reversed(pool)), 5, 2026, {3, 4})
    assert not {3, 4} & set(first) and len(first) == 5
    with pytest.raises(ValueError):
        draw_members([1, 2, 3], 5, 1, set())


SIZE = "The committee needs at least {minimum} members for this lot (MOF Order No. 87, art. 47)."
ODD = "The committee needs an odd number of members (MOF Order No. 87, art. 47)."
EXPERTS = "At least two thirds of the committee must be experts (MOF Order No. 87, art. 47)."


@pytest.mark.parametrize(("size", "experts", "ceiling", "problems"), [
    (5, 5, D(1), []), (5, 4, D("9999999.99"), []),                  # 4/5 ≥ 2/3
    (5, 3, D(1), [EXPERTS]),                                         # 3/5 < 2/3
    (4, 4, D(1), [SIZE, ODD]),                                       # one withdrew from five
    (4, 3, D(1), [SIZE, ODD]),                                       # 3/4 ≥ 2/3
    (6, 4, D(1), [ODD]),                                             # 4/6 = 2/3 exactly
    (3, 3, D(1), [SIZE]),
    (7, 5, D("10000000"), []), (7, 4, D("10000000"), [EXPERTS]),     # 5/7 ≥ 2/3 > 4/7
    (9, 6, D("10000000"), []),                                       # 6/9 = 2/3 exactly
    (5, 5, D("10000000"), [SIZE]), (6, 6, D("10000000"), [SIZE, ODD]),
    (0, 0, D(1), [SIZE, ODD]),
])
def test_committee_problems_exactly(size, experts, ceiling, problems):
    assert committee_problems(size, experts, ceiling) == problems


def test_committee_minimum_at_ten_million():
    assert [committee_minimum(D(v)) for v in ("9999999.99", "10000000", "10000000.01")] == [5, 7, 7]


@pytest.mark.parametrize(("views", "present", "result"), [
    ([True, True, True], 3, True), ([True, True, False], 3, True), ([True, False, False], 3, False),
    ([False, False, False], 3, False),
    ([True, True, True, False, False], 5, True), ([False, True, False, True, False], 5, False),
    ([True, True, True, True, True], 5, True),
    ([True, True], 3, None),                        # one of three has not voted: no result, even 2 : 0
    ([True, True, True, True], 5, None), ([], 5, None), ([], 0, None),
    ([True, False], 2, None), ([True, True, False, False], 4, None),   # a tie (only a short committee is even)
    ([True, True, True, False], 4, True), ([False, False, False, True], 4, False),
    ([True, True, True, False, False, False, True], 7, True),
])
def test_the_majority_decides_once_everyone_present_has_voted(views, present, result):
    assert majority(views, present) is result


def test_more_views_than_members_is_a_bug():
    with pytest.raises(ValueError):
        majority([True, True, True], 2)


@pytest.mark.parametrize(("no_conflict", "relation", "problem"), [
    (True, "", None), (True, "   ", None), (False, "前雇主", None), (False, "x" * RELATION_LIMIT, None),
    (None, "", "no_conflict"), (None, "前雇主", "no_conflict"),       # nothing chosen: nothing recorded
    (False, "", "relation"), (False, "  ", "relation"),               # a conflict needs the relation
    (True, "配偶在投标单位任职", "relation"),                          # both at once is no choice
    (False, "x" * (RELATION_LIMIT + 1), "relation"),
])
def test_a_declaration_is_an_explicit_choice(no_conflict, relation, problem):
    found = declaration_problem(no_conflict, relation)
    assert (found[0] if found else None) == problem
