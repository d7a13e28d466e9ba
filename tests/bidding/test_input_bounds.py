"""A bid's price as typed: checked against NUMERIC(14,2) before any rounding (issue 11 §3)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from sqlalchemy import select

from procure.bidding.models import Bid
from procure.bidding.rules import MAX_PRICE, parse_price
from procure.kernel.errors import InvalidInput
from tests.tendering.world import INDEX_KEY, build_world, pdf


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
    lot = tender.lots[0]
    bid = world.bid(world.contractors[0], lot.id, "999999999999.99")
    for who in world.contractors[1:3]:
        world.bid(who, lot.id)
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    world.open(tender.id)
    assert bidding.my_bids(session, clock, INDEX_KEY, world.contractors[0])[0].price == Decimal("999999999999.99")
    assert session.get(Bid, bid.id).state == "submitted"


def test_a_sealed_price_the_browser_would_have_refused_is_invalid_at_the_opening(world, session, clock):
    """A client that skips the checks before sealing: the opening checks the price again (第31条)."""
    import io

    from procure.bidding import clients, sealing
    from procure.bidding import services as bidding

    tender = world.published_tender()
    lot = tender.lots[0]
    me = world.contractors[0]
    holders = [sealing.Holder(h.user_id, sealing.unb64(h.public_key)) for h in tender.holders]
    sealed = sealing.seal_bid(tender_id=tender.id, lot_id=lot.id, contractor_id=me.contractor_id, threshold=2,
                              holders=holders, price="1e30", bond_form="guarantee", bond_reference="",
                              documents=[clients.plain_document("a.pdf", pdf().getvalue())])
    bidding.submit(session, clock, world.storage, INDEX_KEY, me, lot.id, envelope=sealed.envelope_text,
                   uploads=[bidding.Upload("sealed-1.bin", io.BytesIO(sealed.documents[0]))])
    for who in world.contractors[1:4]:
        world.bid(who, lot.id)
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    record = world.open(tender.id).opening.record["lots"][0]
    (revoked,) = record["revoked"]
    assert revoked["reason"]["params"] == {"detail": "The price is too large."} and len(record["bids"]) == 3


def test_an_unsealed_api_bid_is_a_400_and_nothing_is_stored(client, world, session):
    """A plaintext price and document are refused: the server takes only sealed bids."""
    from tests.conftest import api_login
    from tests.tendering.world import PDF

    tender = world.published_tender()
    headers = api_login(client, world.contractors[0].username)
    response = client.post(f"/api/v1/lots/{tender.lots[0].id}/bids", headers=headers,
                           data={"price": "1e30", "bond_form": "guarantee", "bond_reference": "BH-1"},
                           files=[("documents", ("投标文件.pdf", PDF, "application/pdf"))])
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["envelope"]
    assert session.scalar(select(Bid.id)) is None
