"""Tenders and lots, in the states of ``tendering.rules`` as the services and the worker leave them.

The timeline of the traits, around ``NOW`` (the test clock):

- ``published``: published a day ago, bids until 20 days from now (the shortest legal period + 1 day);
- ``closed``: the bid deadline passed two hours ago (persisted as the worker does: state closed);
- ``settled``: closed, and its lots judged after the settling minute (≥ 3 bids or 流标);
- ``opened``: settled and the bids opened (开标) half an hour after the deadline: evaluating;
- ``awarded``: opened and every lot awarded;
- ``cancelled``: published, then cancelled an hour ago.

A lot follows its tender (active, opened with it, awarded or cancelled with it) unless a lot trait
says otherwise. No bids are made: add them with ``BidFactory(lot=...)`` (an active lot of a
settled or opened tender stands for one that had at least three). Each tender gets its own bid key, wrapped as ``tendering.services.create_tender``
wraps it, so bids can be sealed with it (``tests.factories.bidding``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory

from procure.tendering.models import Criterion, Lot, Tender
from procure.tendering.rules import SETTLING_TIME, LotState, Method, TenderState
from tests.factories.base import NOW, BaseFactory
from tests.factories.sites import SiteFactory

#: When a ``closed`` tender's bids were due, and when the ``opened`` one was opened.
DEADLINE_PASSED = NOW - timedelta(hours=2)
OPENED_AT = DEADLINE_PASSED + timedelta(minutes=30)

_PUBLISHED = {"published_at": NOW - timedelta(days=1), "bid_deadline": NOW + timedelta(days=20)}
_CLOSED = {"published_at": NOW - timedelta(days=25), "bid_deadline": DEADLINE_PASSED, "closed_at": DEADLINE_PASSED}
_SETTLED = _CLOSED | {"settled_at": DEADLINE_PASSED + SETTLING_TIME}
_OPENED = _SETTLED | {"opened_at": OPENED_AT}


def default_criteria() -> list[Criterion]:
    """30 price points + 40 + 30 (DESIGN §4.3: the price carries 10–30 of the 100)."""
    return [Criterion(position=1, code="T1", name="养护方案", max_points=Decimal("40.00")),
            Criterion(position=2, code="T2", name="人员与设备", max_points=Decimal("30.00"))]


class TenderFactory(BaseFactory):
    """A comprehensive-method tender with one lot of one site (``lot=None``: no lot)."""

    class Meta:
        model = Tender

    # "TEST-": never the prefix the service counts when it numbers YHCG-<year>-NNNN.
    reference = factory.Sequence(lambda n: f"TEST-{n:05d}")
    title = factory.Sequence(lambda n: f"测试道路及绿地养护服务采购{n}")
    description = ""
    method = Method.COMPREHENSIVE.value
    price_points = Decimal("30.00")
    sme_deduction = Decimal("0.10")
    abnormal_threshold = Decimal("0.20")
    state = TenderState.DRAFT.value
    bid_deadline = NOW + timedelta(days=21)
    published_at = None
    closed_at = None
    settled_at = None
    opened_at = None
    cancelled_at = None
    cancel_reason = ""
    version = 0
    standing_rule = "off"
    source_lot_id = None
    created_by_id = None
    created_at = NOW - timedelta(days=30)
    updated_at = NOW - timedelta(days=30)
    criteria = factory.LazyFunction(default_criteria)

    lot = factory.RelatedFactory("tests.factories.tendering.LotFactory", factory_related_name="tender")

    class Params:
        published = factory.Trait(state=TenderState.PUBLISHED.value, **_PUBLISHED)
        closed = factory.Trait(state=TenderState.CLOSED.value, **_CLOSED)
        settled = factory.Trait(state=TenderState.CLOSED.value, **_SETTLED)
        opened = factory.Trait(state=TenderState.EVALUATING.value, **_OPENED)
        awarded = factory.Trait(state=TenderState.AWARDED.value, **_OPENED)
        cancelled = factory.Trait(state=TenderState.CANCELLED.value, cancelled_at=NOW - timedelta(hours=1),
                                  cancel_reason="采购需求变更", **_PUBLISHED)
        lowest_price = factory.Trait(method=Method.LOWEST_PRICE.value, price_points=None, criteria=[])

    @factory.post_generation
    def holders(obj: Tender, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A published tender's opening officials: three, k = 2, whose private keys the tests hold
        (``tests.factories.opening``), as ``tendering.services.publish`` fixes them."""
        if create and obj.published_at is not None:
            from tests.factories.opening import seat_officials  # circular: opening makes users
            seat_officials(obj)


def _lot_state(tender: Tender) -> str:
    return {TenderState.AWARDED: LotState.AWARDED, TenderState.CANCELLED: LotState.CANCELLED}.get(
        TenderState(tender.state), LotState.ACTIVE).value


class LotFactory(BaseFactory):
    """A lot of 1,000,000 yuan over 12 months (bond at the 2% limit) with one site of its own."""

    class Meta:
        model = Lot

    tender = factory.SubFactory(TenderFactory, lot=None)
    number = factory.LazyAttribute(lambda o: len(o.tender.lots) + 1)
    title = factory.Sequence(lambda n: f"测试标段{n}")
    ceiling_price = Decimal("1000000.00")
    term_months = 12
    bid_bond = Decimal("20000.00")
    state = factory.LazyAttribute(lambda o: _lot_state(o.tender))
    opened_at = factory.LazyAttribute(
        lambda o: o.tender.opened_at if o.state in (LotState.ACTIVE, LotState.AWARDED) else None)
    sites = factory.List([factory.SubFactory(SiteFactory)])

    class Params:
        #: Its tender takes bids.
        published = factory.Trait(tender=factory.SubFactory(TenderFactory, lot=None, published=True))
        #: Its bids were unsealed at the opening; the committee evaluates it.
        opened = factory.Trait(tender=factory.SubFactory(TenderFactory, lot=None, opened=True))
        #: 流标: fewer than three bids when its tender settled; never opened, its sites free again.
        unsuccessful = factory.Trait(tender=factory.SubFactory(TenderFactory, lot=None, settled=True),
                                     state=LotState.UNSUCCESSFUL.value)
        #: 定标: the award notice was issued for it (its tender awarded).
        awarded = factory.Trait(tender=factory.SubFactory(TenderFactory, lot=None, awarded=True))


__all__ = ["DEADLINE_PASSED", "OPENED_AT", "LotFactory", "TenderFactory", "default_criteria"]
