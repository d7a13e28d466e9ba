"""Sealed bidding through the services: submit, replace, withdraw, deadline, 流标, opening."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from procure.bidding import services as bidding
from procure.bidding.models import Bid, OpeningShare
from procure.documents.models import Document
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from procure.tendering import services as tenders
from procure.tendering.rules import LotState, TenderState
from procure.bidding import clients
from tests.tendering.world import INDEX_KEY, build_world, pdf


@pytest.fixture()
def world(session, clock, tmp_path):
    return build_world(session, clock, tmp_path)


def test_submit_replace_withdraw(world, session, clock):
    tender = world.published_tender()
    lot = tender.lots[0]
    me = world.contractors[0]
    first = world.bid(me, lot.id, "950000.00")
    assert first.state == "submitted" and first.version == 1 and first.price is None  # sealed
    assert "950000" not in (first.envelope or "") and first.contractor_id is None
    second = world.bid(me, lot.id, "940000.50")
    assert second.id == first.id and second.version == 2
    mine = bidding.my_bids(session, clock, INDEX_KEY, me)
    assert [v.bid.id for v in mine] == [first.id] and mine[0].sealed and mine[0].price is None
    assert bidding.my_bids(session, clock, INDEX_KEY, world.contractors[1]) == []
    assert session.scalar(select(Bid).where(Bid.lot_id == lot.id)).documents[0].document.kind == "sealed"
    withdrawn = bidding.withdraw(session, clock, world.storage, INDEX_KEY, me, first.id)
    assert withdrawn.state == "withdrawn" and withdrawn.envelope is None and not withdrawn.documents


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
        world.bid(world.contractors[0], lot.id, documents=[clients.plain_document("bid.pdf", pdf().getvalue()),
                                                           clients.plain_document("virus.pdf", exe.getvalue())])
    with pytest.raises(InvalidInput):
        world.bid(world.contractors[0], lot.id, documents=[clients.PlainDocument("empty.pdf", "application/pdf", b"")])
    big = b"%PDF-1.4\n" + b"0" * (60 * 1024 * 1024)
    with pytest.raises(PayloadTooLarge):
        world.bid(world.contractors[0], lot.id, documents=[clients.PlainDocument("big.pdf", "application/pdf", big)])
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
    copy = tenders.retender(session, clock, world.officer.actor, lot.id)
    assert copy.state == TenderState.DRAFT and copy.source_lot_id == lot.id
    assert [s.id for s in copy.lots[0].sites] == [s.id for s in lot.sites]
    assert copy.bid_deadline is None


def test_opening_needs_k_officials_and_reveals_prices_and_companies(world, session, clock):
    tender = world.published_tender()
    lot = tender.lots[0]
    prices = ["980000.00", "1000000.00", "1100000.00"]
    for who, price in zip(world.contractors, prices):
        world.bid(who, lot.id, price)
    with pytest.raises(Forbidden):
        bidding.lot_bids(session, clock, INDEX_KEY, world.officer, lot.id)
    with pytest.raises(Conflict):
        world.open(tender.id, officials=1)  # before the deadline
    clock.now = tender.bid_deadline + timedelta(seconds=10)
    with pytest.raises(Conflict):
        world.open(tender.id, officials=1)  # settling
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    first = world.open(tender.id, officials=1)
    assert (first.presented, first.threshold, first.opening) == (1, 2, None)  # k − 1: nothing opens
    assert tender.opened_at is None and all(b.price is None for b in session.scalars(select(Bid)))
    with pytest.raises(Conflict):  # one official cannot present twice to make up k
        world.open(tender.id, officials=1)
    user, private = world.officials[1]
    from procure.bidding import clients as bid_clients
    second = bid_clients.present_with_key(session, clock, world.storage, INDEX_KEY, user, tender.id, private)
    record = second.opening
    assert record is not None and tender.state == TenderState.EVALUATING
    bids = record.record["lots"][0]["bids"]
    assert sorted(b["price"] for b in bids) == sorted(prices)
    assert {b["contractor"] for b in bids} == {f"杭州养护{i}有限公司" for i in range(3)}
    assert all(b["bond"] == "provided" and b["documents"][0]["sha256"] and b["documents"][0]["sealed"] for b in bids)
    assert {v.price for v in bidding.lot_bids(session, clock, INDEX_KEY, world.officer, lot.id)} == {Decimal(p) for p in prices}
    assert session.scalar(select(func.count()).select_from(OpeningShare)) == 0  # no key material kept
    with pytest.raises(Conflict):
        world.open(tender.id, officials=1)


def test_documents_are_ciphertext_at_rest_until_the_opening(world, session, clock):
    tender = world.published_tender()
    secret_text = "我方报价说明：绝密内容"
    bid = world.bid(world.contractors[0], tender.lots[0].id,
                    documents=[clients.plain_document("报价说明.pdf", pdf(secret_text).getvalue())])
    document = bid.documents[0].document
    with world.storage.open(document.storage_key) as handle:
        stored = handle.read()
    assert secret_text.encode() not in stored and b"%PDF" not in stored
    assert document.filename == "sealed-1.bin" and document.uploaded_by_id is None
    _, content = bidding.document_content(session, clock, world.storage, INDEX_KEY, world.contractors[0], bid.id,
                                          document.id)
    assert b"".join(content) == stored  # the bidder gets back what was uploaded: the ciphertext
    with pytest.raises(NotFound):
        bidding.document_content(session, clock, world.storage, INDEX_KEY, world.officer, bid.id, document.id)
    with pytest.raises(NotFound):
        bidding.document_content(session, clock, world.storage, INDEX_KEY, world.contractors[1], bid.id, document.id)


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
    data = bidding.receipt(session, clock, INDEX_KEY, world.contractors[0], bid.id)
    assert data["verified"] and "price" not in data and len(data["envelope_sha256"]) == 64
    assert data["bid"].received_at == clock.now
    assert len(data["documents"][0]["sha256"]) == 64
    with pytest.raises(NotFound):
        bidding.receipt(session, clock, INDEX_KEY, world.contractors[1], bid.id)


def test_only_the_tenders_officials_present_shares_and_only_staff_hold_keys(world, session, clock):
    tender = world.published_tender()
    for who in world.contractors[:3]:
        world.bid(who, tender.lots[0].id)
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    from tests.factories import UserFactory
    from procure.accounts.services import CurrentUser

    other_officer = CurrentUser.of(UserFactory(role="officer"))
    session.commit()
    for outsider in (other_officer, world.contractors[0]):
        with pytest.raises(Forbidden):
            bidding.my_shares(session, clock, outsider, tender.id)
        with pytest.raises(Forbidden):
            bidding.present_shares(session, clock, world.storage, INDEX_KEY, outsider, tender.id, {})
    with pytest.raises(Forbidden):
        bidding.register_opening_key(session, clock, world.contractors[0], "AAAA")
    with pytest.raises(InvalidInput):
        bidding.register_opening_key(session, clock, other_officer, "not a key")
    user, _ = world.officials[0]
    bid_id = session.scalar(select(Bid.id))
    with pytest.raises(InvalidInput, match="does not match"):  # not the share sealed to this official
        bidding.present_shares(session, clock, world.storage, INDEX_KEY, user, tender.id, {bid_id: "A" * 44})
    with pytest.raises(InvalidInput, match="does not open"):  # no such bid at this opening
        bidding.present_shares(session, clock, world.storage, INDEX_KEY, user, tender.id, {999999: "A" * 44})
    with pytest.raises(InvalidInput, match="malformed"):
        bidding.present_shares(session, clock, world.storage, INDEX_KEY, user, tender.id, {bid_id: "短"})
    assert session.scalar(select(func.count()).select_from(OpeningShare)) == 0
