"""Sealed bids stored the way ``bidding.services.submit`` stores them.

Until the opening a bid is its ``envelope``, sealed as the bidder's browser seals it
(``bidding.sealing.seal_bid``, to the tender's factory officials: ``tests.factories.opening``),
its company only a blind index (``bidder_tag``); ``contractor_id``, ``price`` and ``bond_*`` are
written at the opening (the ``opened`` trait). ``amount``, ``bond`` and ``bond_ref`` are what the
bidder typed: parameters, never columns. A factory bid has no documents.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory

from procure.bidding.models import Bid
from procure.bidding.rules import BidState, bidder_tag, receipt_fingerprint
from procure.bidding import sealing
from procure.bidding.services import receipt_payload
from procure.tendering.models import Lot
from tests.factories.base import BID_INDEX_KEY, NOW, BaseFactory
from tests.factories.contractors import ContractorFactory
from tests.factories.tendering import LotFactory


def seal_bid(lot: Lot, contractor_id: int, price: Decimal, bond_form: str, bond_reference: str) -> str:
    """What the bidder's browser puts into ``Bid.envelope``."""
    tender = lot.tender
    holders = [sealing.Holder(h.user_id, sealing.unb64(h.public_key)) for h in tender.holders]
    return sealing.seal_bid(tender_id=tender.id, lot_id=lot.id, contractor_id=contractor_id,
                            threshold=tender.opening_threshold or 2, holders=holders, price=str(price),
                            bond_form=bond_form, bond_reference=bond_reference, documents=[]).envelope_text


class BidFactory(BaseFactory):
    """A company's submitted bid of 900,000 yuan with a bank guarantee, on a lot open for bids."""

    class Meta:
        model = Bid
        exclude = ("lot", "amount", "bond", "bond_ref", "company")

    lot = factory.SubFactory(LotFactory, published=True)
    amount = Decimal("900000.00")
    bond = "guarantee"
    bond_ref = "BH-2026-001"
    company = factory.SubFactory(ContractorFactory)

    lot_id = factory.SelfAttribute("lot.id")
    contractor_id = None  # sealed: the company is only in the envelope and the tag
    bidder_tag = factory.LazyAttribute(lambda o: bidder_tag(BID_INDEX_KEY.encode(), o.lot.id, o.company.id))
    state = BidState.SUBMITTED.value
    version = 1
    # Received an hour before the deadline, or an hour ago if that is earlier (always on time).
    received_at = factory.LazyAttribute(lambda o: min(NOW, o.lot.tender.bid_deadline) - timedelta(hours=1))
    withdrawn_at = None
    envelope = factory.LazyAttribute(lambda o: seal_bid(o.lot, o.company.id, o.amount, o.bond, o.bond_ref))
    receipt_hash = ""  # the receipt's fingerprint once the bid has an id (below)
    price = None
    bond_form = None
    bond_reference = None

    class Params:
        #: The company's current bid, sealed (the default; named for tests that say so).
        submitted = factory.Trait(state=BidState.SUBMITTED.value)
        #: Taken back before the deadline: emptied, nothing sealed any more.
        withdrawn = factory.Trait(state=BidState.WITHDRAWN.value, envelope=None,
                                  withdrawn_at=factory.LazyAttribute(lambda o: o.received_at + timedelta(minutes=30)))
        #: Unsealed at the opening (开标) of its lot: company, price and bond read out and written down.
        opened = factory.Trait(lot=factory.SubFactory(LotFactory, opened=True),
                               contractor_id=factory.SelfAttribute("company.id"),
                               price=factory.SelfAttribute("amount"), bond_form=factory.SelfAttribute("bond"),
                               bond_reference=factory.SelfAttribute("bond_ref"))

    @factory.post_generation
    def receipt(obj: Bid, create: bool, extracted: Any, **kwargs: Any) -> None:
        """The receipt the bidder got (``bidding.services.receipt_payload``)."""
        if not create:
            return
        session = BidFactory._meta.sqlalchemy_session
        lot = session.get(Lot, obj.lot_id)
        obj.receipt = receipt_payload(obj, lot, lot.tender, [])
        obj.receipt_hash = receipt_fingerprint(obj.receipt)


__all__ = ["BidFactory", "seal_bid"]
