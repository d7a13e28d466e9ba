from datetime import date
from decimal import Decimal

import pytest

from procure.sites.rules import FieldErrors, SiteFields, budget_estimate, parse_grade, parse_kind, validate_site

CODES = {"330110002"}


def raw(**overrides):
    return {"code": "YH-GS-9001", "name": "仓前塘河滨河绿地", "kind": "green_space", "grade": "2",
            "jurisdiction_code": "330110002", "area_m2": "12000.5", "handover_date": "2026-03-01"} | overrides


def test_a_good_site():
    fields = validate_site(raw(), CODES)
    assert isinstance(fields, SiteFields)
    assert fields.area_m2 == Decimal("12000.50") and fields.handover_date == date(2026, 3, 1)


def test_a_road_takes_length_times_width():
    fields = validate_site(raw(kind="道路", area_m2="", length_m="1234.5", width_m="24"), CODES)
    assert isinstance(fields, SiteFields)
    assert fields.kind == "road" and fields.area_m2 == Decimal("29628.00")


def test_a_road_with_an_area_that_contradicts_length_and_width():
    errors = validate_site(raw(kind="road", area_m2="5000", length_m="1000", width_m="24"), CODES)
    assert isinstance(errors, FieldErrors) and "area_m2" in errors.errors


@pytest.mark.parametrize(("overrides", "column"), [
    ({"jurisdiction_code": "999"}, "jurisdiction_code"),
    ({"area_m2": "0"}, "area_m2"),
    ({"area_m2": "-5"}, "area_m2"),
    ({"area_m2": "abc"}, "area_m2"),
    ({"area_m2": "NaN"}, "area_m2"),
    ({"kind": "forest"}, "kind"),
    ({"grade": "4"}, "grade"),
    ({"handover_date": "31/02/2026"}, "handover_date"),
    ({"code": ""}, "code"),
    ({"lat": "95"}, "lat"),
])
def test_bad_fields_are_named(overrides, column):
    errors = validate_site(raw(**overrides), CODES)
    assert isinstance(errors, FieldErrors)
    assert column in errors.errors


def test_every_problem_is_reported_at_once():
    errors = validate_site(raw(kind="x", grade="x", area_m2="-1", jurisdiction_code="0"), CODES)
    assert isinstance(errors, FieldErrors)
    assert set(errors.errors) == {"kind", "grade", "area_m2", "jurisdiction_code"}


def test_kind_and_grade_aliases():
    assert parse_kind("绿地") == "green_space" and parse_kind(" Park ") == "park"
    assert parse_grade("一级") == 1 and parse_grade("III") == 3 and parse_grade("2.0") == 2
    assert parse_grade("0") is None


def test_budget_estimate_exact():
    rates = {("road", 1): Decimal("14.00"), ("park", 2): Decimal("16.50")}
    sites = [("road", 1, Decimal("1000.55")), ("road", 1, Decimal("0.45")), ("park", 2, Decimal("333.33")),
             ("river", 3, Decimal("100.00"))]
    estimate = budget_estimate(sites, rates)
    # road: 1001.00 × 14.00 = 14014.00; park: 333.33 × 16.50 = 5499.945 → 5499.95 (half-up)
    assert [line.amount for line in estimate.lines] == [Decimal("5499.95"), None, Decimal("14014.00")]
    assert estimate.total == Decimal("19513.95")
    assert estimate.missing_rates == (("river", 3),)
    assert estimate.sites == 4 and estimate.area_m2 == Decimal("1434.33")


def test_budget_of_nothing_is_zero():
    assert budget_estimate([], {}).total == Decimal("0.00")
