"""kernel.inputs: a page form or a merged change becomes the input's Struct with the API's names."""

from decimal import Decimal

import pytest

from procure.kernel import inputs
from procure.kernel.errors import InvalidInput
from procure.tendering.schemas import TenderIn


def fields(data) -> list[dict]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        inputs.convert(TenderIn, data)
    return info.value.errors


def test_numbers_lose_their_separators_text_keeps_them():
    given = inputs.convert(TenderIn, {"title": "2,026年养护", "description": "1，000 m²", "price_points": "1,000",
                                      "criteria": [{"code": "1,1", "max_points": "35"}],
                                      "lots": [{"ceiling_price": "1,000,000.00", "term_months": "12", "site_ids": ["3"]}]})
    assert given.title == "2,026年养护" and given.description == "1，000 m²" and given.criteria[0].code == "1,1"
    assert given.price_points == Decimal("1000") and given.criteria[0].max_points == Decimal(35)
    assert given.lots[0].ceiling_price == Decimal("1000000.00") and given.lots[0].term_months == 12
    assert given.lots[0].site_ids == [3]


def test_empty_and_null_mean_not_given():
    given = inputs.convert(TenderIn, {"title": "x", "method": None, "price_points": "", "lots": [
        {"term_months": "", "bid_bond": None, "ceiling_price": "5"}]})
    assert given.method == "comprehensive" and given.price_points is None
    assert given.lots[0].term_months is None and given.lots[0].bid_bond == Decimal(0)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"lots": [{"ceiling_price": "abc"}]}, "lots[1].ceiling_price", "Not a number."),
    ({"lots": [{"term_months": "1.5"}]}, "lots[1].term_months", "A whole number is required."),
    ({"lots": [{"term_months": 0}]}, "lots[1].term_months", "Must be at least {lower}."),
    ({"lots": [{"site_ids": ["x"]}]}, "lots[1].site_ids", "A whole number is required."),
    ({"lots": "x"}, "lots", "A list is required."),
    ({"title": "x", "colour": "red"}, "colour", "Unknown field."),
])
def test_a_wrong_type_names_the_field_as_the_api_does(data, field, message):
    assert [(e["field"], e["message"]) for e in fields(data)] == [(field, message)]
