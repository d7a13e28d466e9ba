"""The 数字城管 evaluation indicators (GB/T 30428.4 model): exact counts, rates, composites, bands."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from procure.kernel.clock import BUREAU_TZ
from procure.reports.rules import (AREA_WEIGHTS, CONTRACTOR_WEIGHTS, INSPECTOR_WEIGHTS, CaseCounts, CaseLine,
                                   InspectorCounts, area_composite, band, composite, contractor_composite,
                                   count_cases, inspector_composite)

NOV = datetime(2026, 11, 1, tzinfo=BUREAU_TZ)
DEC = datetime(2026, 12, 1, tzinfo=BUREAU_TZ)


def line(source="inspection", state="closed", opened=3, due_day=5, responded=4, closed=5, reopened=0, *,
         opened_month=NOV, due_month=NOV):
    at = lambda base, day: None if day is None else base + timedelta(days=day - 1, hours=10)  # noqa: E731
    return CaseLine(source, state, at(opened_month, opened), at(due_month, due_day), at(due_month, responded),
                    at(due_month, closed), reopened)


def test_weights_sum_to_one():
    for weights in (AREA_WEIGHTS, CONTRACTOR_WEIGHTS, INSPECTOR_WEIGHTS):
        assert sum(weights.values()) == D(1)


@pytest.mark.parametrize("value, expected", [
    (D("100"), "A"), (D("90.00"), "A"), (D("89.99"), "B"), (D("75"), "B"), (D("74.99"), "C"), (D("60"), "C"),
    (D("59.99"), "D"), (D("40"), "D"), (D("39.99"), "E"), (D("0"), "E"), (None, None)])
def test_bands_at_their_floors(value, expected):
    assert band(value) == expected


def test_counting_a_month():
    lines = [
        line(),                                                 # found, closed on time
        line(responded=7, closed=8, due_day=6),                 # found, answered and closed late
        line(source="citizen", state="responded", closed=None),  # public, answered on time, not closed
        line(source="citizen", state="open", responded=None, closed=None),  # public, never answered
        line(source="liaison", reopened=1),                     # liaison, reworked then closed on time
        line(state="void"),                                     # void: counts nowhere
        line(opened=28, opened_month=datetime(2026, 10, 1, tzinfo=BUREAU_TZ)),  # opened in October, due in November
        line(opened=29, due_day=2, responded=1, closed=2, due_month=DEC),      # opened in November, due in December
    ]
    counts = count_cases(lines, NOV, DEC)
    assert counts == CaseCounts(registered=6, found_by_bureau=3, reported_by_public=2, due=6, handled=5,
                                handled_on_time=4, closed=4, closed_on_time=3, reworked=1)
    assert counts.discovery_rate == D("50.00")          # 3 / 6
    assert counts.public_report_rate == D("33.33")      # 2 / 6
    assert counts.handling_rate == D("83.33")           # 5 / 6
    assert counts.on_time_handling_rate == D("66.67")   # 4 / 6
    assert counts.closure_rate == D("66.67")            # 4 / 6
    assert counts.on_time_closure_rate == D("50.00")    # 3 / 6
    assert counts.rework_rate == D("20.00")             # 1 / 5
    # 0.15×50 + 0.15×83.33 + 0.20×66.67 + 0.15×66.67 + 0.25×50 + 0.10×80
    # = 7.5 + 12.4995 + 13.334 + 10.0005 + 12.5 + 8 = 63.834 → 63.83
    assert area_composite(counts) == D("63.83") and band(area_composite(counts)) == "C"
    # 0.5×66.67 + 0.3×66.67 + 0.2×80 = 33.335 + 20.001 + 16 = 69.336 → 69.34
    assert contractor_composite(counts) == D("69.34")


def test_a_deadline_on_the_boundary_belongs_to_the_month_it_starts():
    at_midnight = CaseLine("inspection", "closed", NOV, DEC, DEC, DEC, 0)
    assert count_cases([at_midnight], NOV, DEC).due == 0
    assert count_cases([at_midnight], DEC, datetime(2027, 1, 1, tzinfo=BUREAU_TZ)).due == 1
    assert count_cases([at_midnight], DEC, datetime(2027, 1, 1, tzinfo=BUREAU_TZ)).closed_on_time == 1  # at, not after


def test_rates_without_cases_are_not_evaluated():
    empty = count_cases([], NOV, DEC)
    assert empty.discovery_rate is None and empty.rework_rate is None
    assert area_composite(empty) is None and contractor_composite(empty) is None


def test_missing_indicators_are_left_out_and_the_rest_scale_up():
    # Cases registered in the month but none due: only discovery (1 of 1) has data → 100.
    only_registered = CaseCounts(registered=1, found_by_bureau=1)
    assert area_composite(only_registered) == D("100.00")
    # Due, none answered: rework has no denominator; the rest are 0 → 0.
    assert contractor_composite(CaseCounts(due=2)) == D("0.00")
    assert composite({"a": D("0.5"), "b": D("0.5")}, {"a": D(80), "b": None}) == D("80.00")
    assert composite({"a": D("0.5")}, {"a": None}) is None


def test_inspector_rates():
    counts = InspectorCounts(reported=10, valid=8, missed=2)
    assert counts.valid_report_rate == D("80.00")   # 8 / 10
    assert counts.miss_rate == D("20.00")           # 2 / (8 + 2)
    # 0.6×80 + 0.4×(100 − 20) = 48 + 32 = 80 → B
    assert inspector_composite(counts) == D("80.00") and band(inspector_composite(counts)) == "B"
    # Passed everything clean and citizens found three problems: nothing valid, all missed.
    assert InspectorCounts(missed=3).miss_rate == D("100.00")
    assert inspector_composite(InspectorCounts(missed=3)) == D("0.00")
    assert inspector_composite(InspectorCounts()) is None
