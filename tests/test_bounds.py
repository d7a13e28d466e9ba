"""``bounds.fixed``: exact decimals that fit their column, refused before any rounding. Pure."""

from decimal import Decimal as D

import pytest

from procure.kernel.bounds import MAX_ID, OutOfBounds, fixed

MONEY = D("1e12")  # NUMERIC(14,2)


def refused(raw, **kwargs) -> OutOfBounds:  # type: ignore[no-untyped-def]
    kwargs = {"places": 2, "upper": MONEY, "field": "price"} | kwargs
    with pytest.raises(OutOfBounds) as info:
        fixed(raw, **kwargs)
    return info.value


@pytest.mark.parametrize(("raw", "expected"), [
    ("999999999999.99", D("999999999999.99")),  # upper − 0.01
    ("0", D("0.00")), ("-0", D("0.00")), (0, D("0.00")),
    ("12.5", D("12.50")), ("12.50", D("12.50")), ("12.500000", D("12.50")),
    ("1,234,567.89", D("1234567.89")), ("1，234.5", D("1234.50")), ("  7 ", D("7.00")),
    (1234, D("1234.00")), (0.1, D("0.10")), (D("3.14"), D("3.14")), ("1e3", D("1000.00")),
])
def test_accepted_values_come_back_exact(raw, expected):
    value = fixed(raw, places=2, upper=MONEY, field="price")
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_is_none(raw):
    assert fixed(raw, places=2, upper=MONEY, field="price") is None


def test_upper_is_exclusive_and_checked_before_quantize():
    for raw in ("1000000000000", "1000000000000.00", "1e12", "1e30", "1e999999999", 10**5000, 1e300):
        error = refused(raw)
        assert error.message == "Must be less than {upper}." and error.params == {"upper": "1,000,000,000,000"}
    # The negative side too, when negatives are allowed at all.
    assert fixed("-999999999999.99", places=2, upper=MONEY, lower=-MONEY, field="price") == D("-999999999999.99")
    assert refused("-1e30", lower=-MONEY).message == "Must be at least {lower}."


def test_lower_is_inclusive():
    assert fixed("0.00", places=2, upper=D(100), field="share") == D("0.00")
    error = refused("-0.01", upper=D(100))
    assert error.message == "Must be at least {lower}." and error.params == {"lower": "0"}
    assert fixed("1", places=0, lower=D(1), upper=D(120), inclusive=True, field="months") == 1
    assert refused("0", places=0, lower=D(1), upper=D(120), inclusive=True).params == {"lower": "1"}


def test_inclusive_upper():
    assert fixed("1", places=2, upper=D(1), inclusive=True, field="share") == D("1.00")
    assert fixed("0.99", places=2, upper=D(1), field="share") == D("0.99")
    assert refused("1", upper=D(1)).message == "Must be less than {upper}."
    error = refused("1.01", upper=D(1), inclusive=True)
    assert error.message == "Must be at most {upper}." and error.params == {"upper": "1"}
    assert fixed(str(MAX_ID), places=0, lower=D(1), upper=D(MAX_ID), inclusive=True, field="id") == MAX_ID
    assert refused(str(MAX_ID + 1), places=0, lower=D(1), upper=D(MAX_ID), inclusive=True).params == {
        "upper": "2,147,483,647"}


@pytest.mark.parametrize("raw", ["NaN", "nan", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", float("nan"),
                                 float("inf"), "abc", "1.2.3", "1e", "--1", True, False, [1], {"a": 1}, b"1"])
def test_not_numbers(raw):
    error = refused(raw)
    assert error.message == "Not a number." and error.params == {}
    assert error.error == {"field": "price", "message": "Not a number."}


def test_decimals_beyond_the_scale():
    assert refused("0.001").message == "At most two decimals."
    assert refused("999999999999.999").message == "At most two decimals."  # rounds up to the limit: still refused
    assert refused("1e-999999999").message == "At most two decimals."
    assert refused("0.1000000000000000000000000000000001").message == "At most two decimals."  # > 28 digits
    assert fixed("0.0001", places=4, upper=D(1), field="rate") == D("0.0001")
    error = refused("0.00001", places=4, upper=D(1))
    assert error.message == "At most {places} decimals." and error.params == {"places": "4"}
    assert refused("2.5", places=0, upper=D(120)).message == "Not a whole number."
    assert fixed("2.0", places=0, upper=D(120), field="months") == 2


def test_the_error_is_a_value_error_with_an_entry_for_invalid_input():
    error = refused("1e30", field="lots[1].ceiling_price")
    assert isinstance(error, ValueError)
    assert error.error == {"field": "lots[1].ceiling_price", "message": "Must be less than {upper}.",
                           "params": {"upper": "1,000,000,000,000"}}
    assert str(error) == "Must be less than 1,000,000,000,000."
