"""Sealed bidding through the services: submit, replace, withdraw, deadline, 流标, opening."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from procure.bidding import services as bidding
from procure.bidding.models import Bid
from procure.documents.models import Document
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from procure.tendering import services as tenders
from procure.tendering.rules import LotState, TenderState
from tests.tendering.world import SECRET, build_world, pdf


@pytest.fixture()
def world(session, clock, tmp_path):
    return build_world(session, clock, tmp_path)


def test_submit_replace_withdraw(world, session, clock):
    tender = world.published_tender()
    lot = tender.lots[0]
    me = world.contractors[0]
    first = world.bid(me, lot.id, "950000.00")
    assert first.state == "submitted" and first.version == 1 and first.price is None  # sealed
    assert "950000" not in (first.sealed or "")
    second = world.bid(me, lot.id, "940000.50")
    assert second.id == first.id and second.version == 2
    assert bidding.my_bids(session, clock, SECRET, me)[0].price == "940000.50"
    assert session.scalar(select(Bid).where(Bid.lot_id == lot.id)).documents[0].document.sha256
    withdrawn = bidding.withdraw(session, clock, world.storage, me, first.id)
    assert withdrawn.state == "withdrawn" and withdrawn.sealed is None and not withdrawn.documents


def test_a_bid_one_second_late_is_refused_and_nothing_is_stored(world, session, clock):
    tender = world.published_tender()
    documents_before = session.scalar(select(Document.id).order_by(Document.id.desc()).limit(1))
    clock.now = tender.bid_deadline + timedelta(seconds=1)
    with pytest.raises(Conflict) as info:
        world.bid(world.contractors[0], tender.lots[0].id)
    assert "deadline" in info.value.message
    assert session.scalar(select(Document.id).order_by(Document.id.desc()).limit(1)) == documents_before
    assert session.scalar(select(Bid.id)) is None
    assert not [p for p in (world.storage.root / "blobs").rglob("*") if p.is_file()]


def test_at_the_deadline_exactly_is_late(world, clock):
    tender = world.published_tender()
    clock.now = tender.bid_deadline
    with pytest.raises(Conflict):
        world.bid(world.contractors[0], tender.lots[0].id)


@pytest.mark.parametrize(("price", "field"), [("-5", "price"), ("abc", "price"), ("12.345", "price"), ("", "price")])
def test_bad_prices(world, price, field):
    tender = world.published_tender()
    with pytest.raises(InvalidInput) as info:
        world.bid(world.contractors[0], tender.lots[0].id, price)
    assert info.value.errors[0]["field"] == field


def test_bad_documents_are_refused_before_anything_is_stored(world, session):
    import io

    tender = world.published_tender()
    lot = tender.lots[0]
    exe = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(InvalidInput):
        world.bid(world.contractors[0], lot.id, uploads=[bidding.Upload("bid.pdf", pdf()), bidding.Upload("virus.pdf", exe)])
    with pytest.raises(InvalidInput):
        world.bid(world.contractors[0], lot.id, uploads=[bidding.Upload("empty.pdf", io.BytesIO(b""))])
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (60 * 1024 * 1024))
    with pytest.raises(PayloadTooLarge):
        world.bid(world.contractors[0], lot.id, uploads=[bidding.Upload("big.pdf", big)])
    assert session.scalar(select(Document.id)) is None


def test_unapproved_company_cannot_bid(world, session):
    from tests.factories import ContractorFactory, UserFactory
    from procure.accounts.services import CurrentUser

    pending = ContractorFactory(state="pending")
    user = UserFactory(role="contractor", contractor_id=pending.id)
    session.commit()
    tender = world.published_tender()
    with pytest.raises(Forbidden):
        world.bid(CurrentUser.of(user), tender.lots[0].id)


def test_cancelled_tender_takes_no_bids(world, session, clock):
    tender = world.published_tender()
    world.bid(world.contractors[0], tender.lots[0].id)
    tenders.cancel(session, clock, world.officer.actor, tender.id, "规划调整")
    with pytest.raises(Conflict) as info:
        world.bid(world.contractors[1], tender.lots[0].id)
    assert "cancelled" in info.value.message


def test_fewer_than_three_bids_makes_the_lot_unsuccessful_and_it_can_be_retendered(world, session, clock):
    tender = world.published_tender()
    lot = tender.lots[0]
    world.bid(world.contractors[0], lot.id)
    world.bid(world.contractors[1], lot.id)
    clock.now = tender.bid_deadline + timedelta(seconds=30)
    tenders.get(session, clock, tender.id)
    assert tender.state == TenderState.CLOSED and lot.state == LotState.ACTIVE  # still settling
    clock.now = tender.bid_deadline + timedelta(minutes=1)
    tenders.tick(session, clock)
    assert lot.state == LotState.UNSUCCESSFUL
    copy = tenders.retender(session, clock, world.officer.actor, SECRET, lot.id)
    assert copy.state == TenderState.DRAFT and copy.source_lot_id == lot.id
    assert [s.id for s in copy.lots[0].sites] == [s.id for s in lot.sites]
    assert copy.bid_deadline is None


def test_opening_reveals_prices_and_publishes_the_record(world, session, clock):
    tender = world.published_tender()
    lot = tender.lots[0]
    prices = ["980000.00", "1000000.00", "1100000.00"]
    for who, price in zip(world.contractors, prices):
        world.bid(who, lot.id, price)
    with pytest.raises(Forbidden):
        bidding.lot_bids(session, clock, SECRET, world.officer, lot.id)
    with pytest.raises(Conflict):
        bidding.open_bids(session, clock, SECRET, world.officer, tender.id)  # before the deadline
    clock.now = tender.bid_deadline + timedelta(seconds=10)
    with pytest.raises(Conflict):
        bidding.open_bids(session, clock, SECRET, world.officer, tender.id)  # settling
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    record = bidding.open_bids(session, clock, SECRET, world.officer, tender.id)
    assert tender.state == TenderState.EVALUATING
    bids = record.record["lots"][0]["bids"]
    assert sorted(b["price"] for b in bids) == sorted(prices)
    assert all(b["bond"] == "provided" and b["documents"][0]["sha256"] for b in bids)
    assert {v.price for v in bidding.lot_bids(session, clock, SECRET, world.officer, lot.id)} == {Decimal(p) for p in prices}
    with pytest.raises(Conflict):
        bidding.open_bids(session, clock, SECRET, world.officer, tender.id)


def test_documents_are_encrypted_at_rest(world, session, clock):
    tender = world.published_tender()
    secret_text = "我方报价说明：绝密内容"
    bid = world.bid(world.contractors[0], tender.lots[0].id,
                    uploads=[bidding.Upload("报价说明.pdf", pdf(secret_text))])
    document = bid.documents[0].document
    with world.storage.open(document.storage_key) as handle:
        stored = handle.read()
    assert secret_text.encode() not in stored and b"%PDF" not in stored
    assert document.storage_key != document.sha256
    _, content = bidding.document_content(session, clock, world.storage, SECRET, world.contractors[0], bid.id, document.id)
    assert secret_text.encode() in b"".join(content)
    with pytest.raises(NotFound):
        bidding.document_content(session, clock, world.storage, SECRET, world.officer, bid.id, document.id)
    with pytest.raises(NotFound):
        bidding.document_content(session, clock, world.storage, SECRET, world.contractors[1], bid.id, document.id)


def test_amendment_near_the_deadline_moves_it_and_notifies_bidders(world, session, clock):
    from procure.accounts.models import Notification

    tender = world.published_tender()
    world.bid(world.contractors[0], tender.lots[0].id)
    clock.now = tender.bid_deadline - timedelta(days=5)
    amendment = tenders.amend(session, clock, world.officer.actor, tender.id, "补充养护范围说明",
                              {"description": "新增夜间保洁要求"})
    assert amendment.deadline_moved and tender.bid_deadline == clock.now + timedelta(days=15)
    notes = session.scalars(select(Notification).where(Notification.user_id == world.contractors[0].id)).all()
    assert len(notes) == 1 and notes[0].params["version"] == 1


def test_receipt_carries_server_time_and_hashes(world, session, clock):
    tender = world.published_tender()
    bid = world.bid(world.contractors[0], tender.lots[0].id, "777777.77")
    data = bidding.receipt(session, clock, SECRET, world.contractors[0], bid.id)
    assert data["verified"] and data["price"] == "777777.77"
    assert data["bid"].received_at == clock.now
    assert len(data["documents"][0].sha256) == 64
    with pytest.raises(NotFound):
        bidding.receipt(session, clock, SECRET, world.contractors[1], bid.id)
