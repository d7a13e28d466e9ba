"""Sealed bids stored the way ``bidding.services.submit`` stores them.

Until the opening a bid's price and bond details exist only inside ``Bid.sealed``, sealed with its
tender's data key (``documents.crypto.seal_value``, context ``tender:<id>:bid``); ``price`` and
``bond_*`` are written at the opening (the ``opened`` trait). ``amount``, ``bond`` and
``bond_ref`` are what the bidder typed: parameters, never columns. A factory bid has no documents
(its receipt fingerprint is computed over none).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory

from procure.bidding.models import Bid
from procure.bidding.rules import BidState, receipt_fingerprint
from procure.bidding.services import receipt_payload
from procure.documents import crypto
from procure.tendering import services as tenders
from procure.tendering.models import Lot
from tests.factories.base import NOW, SECRET_KEY, BaseFactory
from tests.factories.contractors import ContractorFactory
from tests.factories.tendering import LotFactory


def seal_bid(lot: Lot, price: Decimal, bond_form: str, bond_reference: str) -> str:
    """What ``bidding.services.submit`` puts into ``Bid.sealed``."""
    data_key = tenders.data_key(SECRET_KEY, lot.tender)
    return crypto.seal_value(data_key, {"price": str(price), "bond_form": bond_form, "bond_reference": bond_reference},
                             f"tender:{lot.tender_id}:bid")


class BidFactory(BaseFactory):
    """A company's submitted bid of 900,000 yuan with a bank guarantee, on a lot open for bids."""

    class Meta:
        model = Bid
        exclude = ("lot", "amount", "bond", "bond_ref")

    lot = factory.SubFactory(LotFactory, published=True)
    amount = Decimal("900000.00")
    bond = "guarantee"
    bond_ref = "BH-2026-001"

    lot_id = factory.SelfAttribute("lot.id")
    contractor = factory.SubFactory(ContractorFactory)
    state = BidState.SUBMITTED.value
    version = 1
    # Received an hour before the deadline, or an hour ago if that is earlier (always on time).
    received_at = factory.LazyAttribute(lambda o: min(NOW, o.lot.tender.bid_deadline) - timedelta(hours=1))
    withdrawn_at = None
    sealed = factory.LazyAttribute(lambda o: seal_bid(o.lot, o.amount, o.bond, o.bond_ref))
    receipt_hash = ""  # the receipt's fingerprint once the bid has an id (below)
    price = None
    bond_form = None
    bond_reference = None

    class Params:
        #: The company's current bid, sealed (the default; named for tests that say so).
        submitted = factory.Trait(state=BidState.SUBMITTED.value)
        #: Taken back before the deadline: emptied, nothing sealed any more.
        withdrawn = factory.Trait(state=BidState.WITHDRAWN.value, sealed=None,
                                  withdrawn_at=factory.LazyAttribute(lambda o: o.received_at + timedelta(minutes=30)))
        #: Unsealed at the opening (开标) of its lot: price and bond read out and written down.
        opened = factory.Trait(lot=factory.SubFactory(LotFactory, opened=True),
                               price=factory.SelfAttribute("amount"), bond_form=factory.SelfAttribute("bond"),
                               bond_reference=factory.SelfAttribute("bond_ref"))

    @factory.post_generation
    def receipt(obj: Bid, create: bool, extracted: Any, **kwargs: Any) -> None:
        """The fingerprint the bidder's receipt shows (``bidding.rules.receipt_fingerprint``)."""
        if not create:
            return
        session = BidFactory._meta.sqlalchemy_session
        lot = session.get(Lot, obj.lot_id)
        price = obj.price
        if price is None and obj.sealed is not None:
            price = crypto.open_value(tenders.data_key(SECRET_KEY, lot.tender), obj.sealed,
                                      f"tender:{lot.tender_id}:bid")["price"]
        obj.receipt_hash = receipt_fingerprint(receipt_payload(obj, lot, lot.tender, price, []))


__all__ = ["BidFactory", "seal_bid"]
