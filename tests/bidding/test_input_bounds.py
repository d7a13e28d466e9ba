"""A bid's price as typed: checked against NUMERIC(14,2) before any rounding (issue 11 §3)."""

from decimal import Decimal

import pytest

from procure.bidding.rules import MAX_PRICE, parse_price
from procure.kernel.errors import InvalidInput
from tests.tendering.world import SECRET, build_world


@pytest.fixture()
def world(session, clock, tmp_path):
    return build_world(session, clock, tmp_path)


@pytest.mark.parametrize("raw", ["1e30", "1E+30", "1e999999999", "1000000000000", "999999999999.999",
                                 "1,000,000,000,000.00"])
def test_too_large_is_refused_before_quantize(raw):
    assert parse_price(raw) == (None, "The price is too large.")


def test_the_largest_price_and_the_smallest():
    assert parse_price("999,999,999,999.99") == (MAX_PRICE, None)
    assert parse_price("0.01") == (Decimal("0.01"), None)
    assert parse_price("0.001") == (None, "The price may have at most two decimals (fen).")
    assert parse_price("1e-999999999") == (None, "The price may have at most two decimals (fen).")
    for raw in ("NaN", "sNaN", "Infinity", "-Infinity"):
        assert parse_price(raw) == (None, "The price must be a number in yuan, e.g. 1234567.89.")


@pytest.mark.parametrize("price", ["1e30", "1e999999999", "1000000000000"])
def test_a_huge_bid_price_is_an_invalid_input(world, price):
    tender = world.published_tender()
    with pytest.raises(InvalidInput) as info:
        world.bid(world.contractors[0], tender.lots[0].id, price)
    assert info.value.errors == [{"field": "price", "message": "The price is too large."}]


def test_the_largest_price_is_stored(world, session, clock):
    """Above the ceiling price, but it fits: the evaluation, not the column, excludes it."""
    from procure.bidding import services as bidding

    tender = world.published_tender()
    bid = world.bid(world.contractors[0], tender.lots[0].id, "999999999999.99")
    assert bidding.my_bids(session, clock, SECRET, world.contractors[0])[0].price == "999999999999.99"
    assert bid.state == "submitted"


def test_api_bid_with_a_huge_price_is_a_400(client, world, session):
    from tests.conftest import api_login
    from tests.tendering.world import PDF

    tender = world.published_tender()
    headers = api_login(client, world.contractors[0].username)
    response = client.post(f"/api/v1/lots/{tender.lots[0].id}/bids", headers=headers,
                           data={"price": "1e30", "bond_form": "guarantee", "bond_reference": "BH-1"},
                           files=[("documents", ("投标文件.pdf", PDF, "application/pdf"))])
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["price"]
