"""The operator's attempt (issue 13): with the database, the storage folder and every server
secret, before and after the deadline, no bid opens without k officials' shares; k − 1 open
nothing; k open every bid; a tampered or swapped ciphertext, or a bid naming another company,
is found invalid at the opening with the reason recorded (电子招标投标办法 第31条)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, text, update

from procure.audit.models import AuditEntry
from procure.bidding import clients, sealing
from procure.bidding import services as bidding
from procure.bidding.models import Bid, BidDocument, OpeningShare
from procure.bidding.rules import REVOKED_STORAGE
from procure.bidding.sealing import SealError
from procure.documents.models import Document
from procure.models import Base
from procure.tendering import services as tenders
from procure.tendering.rules import TenderState
from tests.tendering.world import INDEX_KEY, SECRET, build_world, pdf

PRICES = ["981234.56", "1002345.67", "1103456.78"]
MARKER = "我方绝密报价说明"


@pytest.fixture()
def world(session, clock, tmp_path):  # type: ignore[no-untyped-def]
    return build_world(session, clock, tmp_path)


def _bids(world: Any) -> tuple[Any, list[Bid]]:
    tender = world.published_tender()
    lot = tender.lots[0]
    bids = [world.bid(who, lot.id, price, documents=[clients.plain_document(f"报价{i}.pdf", pdf(f"{MARKER}{i}").getvalue())])
            for i, (who, price) in enumerate(zip(world.contractors, PRICES))]
    return tender, bids


def _everything_the_operator_has(session: Any, world: Any, settings_secrets: list[bytes]) -> tuple[str, list[bytes]]:
    """Every row of every table as text, and every stored file's bytes."""
    rows = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            rows.append(repr(tuple(row)))
    files = [p.read_bytes() for p in world.storage.root.rglob("*") if p.is_file()]
    return "\n".join(rows), files + settings_secrets


def _candidate_keys(dump: str, secrets: list[bytes]) -> list[bytes]:
    """Every 32-byte key the operator could try: each base64 value in the database, each secret and
    file, and what the previous scheme derived from a secret (SHA-256, HKDF)."""
    candidates: set[bytes] = set()
    for token in dump.replace("'", '"').split('"'):
        try:
            raw = base64.b64decode(token, validate=True)
        except ValueError:
            continue
        for start in range(0, max(1, len(raw) - 31), 16):
            candidates.add(raw[start:start + 32])
    for secret in secrets:
        candidates.add(hashlib.sha256(secret).digest())
        candidates.add(HKDF(hashes.SHA256(), 32, salt=None, info=b"procure bid key").derive(secret))
        for start in range(0, max(1, len(secret) - 31), 4096):
            candidates.add(secret[start:start + 32])
    return [c for c in candidates if len(c) == 32]


def _opens_with(bid: Bid, tender_id: int, key: bytes) -> bool:
    envelope = sealing.parse_envelope(bid.envelope, max_document_bytes=1 << 26)
    try:
        sealing.open_manifest(key, sealing.context(tender_id, bid.lot_id), envelope.manifest)
        return True
    except SealError:
        return False


def test_the_operator_cannot_open_a_bid_before_or_after_the_deadline(world, session, clock, settings):
    tender, bids = _bids(world)
    secrets = [SECRET.encode(), INDEX_KEY, settings.audit_mac_key()]

    for moment in ("before the deadline", "after the deadline"):
        if moment == "after the deadline":
            clock.now = tender.bid_deadline + timedelta(minutes=2)
            tenders.tick(session, clock)
            assert tender.settled_at is not None and tender.opened_at is None
        dump, material = _everything_the_operator_has(session, world, secrets)
        for price in PRICES:
            assert price not in dump and price.replace(".", "") not in dump
        for i, blob in enumerate(material):
            assert MARKER.encode() not in blob and not any(p.encode() in blob for p in PRICES), (moment, i)
        assert MARKER not in dump
        # Which company bid is not stored either: no bid row, document row or audit row names one.
        assert all(b.contractor_id is None for b in session.scalars(select(Bid)))
        assert all(d.uploaded_by_id is None for d in session.scalars(select(Document)))
        submissions = session.scalars(select(AuditEntry).where(AuditEntry.action == "bid.submit")).all()
        assert submissions and all(e.actor_id is None for e in submissions)
        keys = _candidate_keys(dump, material)
        assert len(keys) > 50
        print(f"operator, {moment}: {len(dump)} characters of rows, {len(material)} files and secrets, "
              f"{len(keys)} candidate keys tried, none opens a bid")  # pytest -s shows it
        for bid in bids:
            assert not any(_opens_with(bid, tender.id, key) for key in keys), moment


def test_k_minus_one_officials_open_nothing_and_k_open_everything(world, session, clock):
    tender, bids = _bids(world)
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    first = world.open(tender.id, officials=1)
    assert first.opening is None and tender.opened_at is None
    # With one official's shares now in the database, the operator still cannot open a bid.
    held = {row.bid_id: base64.b64decode(row.share) for row in session.scalars(select(OpeningShare))}
    assert set(held) == {b.id for b in bids}
    for bid in bids:
        for other in (bytes(33), held[bid.id][:-1] + bytes([(held[bid.id][-1] + 1) % 256 or 1])):
            try:
                key = sealing.combine([held[bid.id], other])
            except SealError:
                continue
            assert not _opens_with(bid, tender.id, key)
    user, private = world.officials[1]  # the second official, after the first
    second = clients.present_with_key(session, clock, world.storage, INDEX_KEY, user, tender.id, private)
    assert second.opening is not None
    record = bidding.opening_record(session, tender.id)
    assert record is not None and tender.state == TenderState.EVALUATING
    assert sorted(b["price"] for b in record.record["lots"][0]["bids"]) == sorted(PRICES)
    assert len(record.record["officials"]) == 2
    assert session.scalar(select(OpeningShare.id)) is None  # no share outlives the opening
    presented = session.scalars(select(AuditEntry).where(AuditEntry.action == "opening.present")).all()
    assert len(presented) == 2 and all(e.after["bids"] == 3 for e in presented)
    for bid in bids:
        session.refresh(bid)
        content = b"".join(bidding.documents.read(world.storage, bid.documents[0].document))
        assert MARKER.encode() in content  # the plaintext, checked against the declared hash


def _sealed_by_hand(world: Any, lot: Any, who: Any, company_id: int | None = None) -> tuple[Any, dict]:
    """A bid sealed as the page does, and its envelope as data for a test to bend."""
    sealed = clients.seal_for(lot, company_id or who.contractor_id, price="900000.00",
                              documents=[clients.plain_document("a.pdf", pdf("x").getvalue())])
    return sealed, json.loads(sealed.envelope_text)


def _submit(world: Any, session: Any, clock: Any, who: Any, lot: Any, sealed: Any, envelope: dict) -> Bid:
    return bidding.submit(session, clock, world.storage, INDEX_KEY, who, lot.id, envelope=json.dumps(envelope),
                          uploads=[bidding.Upload("sealed-1.bin", io.BytesIO(sealed.documents[0]))])


def _open(world: Any, session: Any, clock: Any, tender: Any) -> dict:
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    tenders.tick(session, clock)
    for user, private in world.officials[:2]:
        result = clients.present_with_key(session, clock, world.storage, INDEX_KEY, user, tender.id, private)
    assert result.opening is not None
    return result.opening.record["lots"][0]


def test_a_tampered_ciphertext_makes_that_bid_invalid_with_the_reason(world, session, clock):
    tender, bids = _bids(world)
    document = bids[0].documents[0].document
    path = world.storage.root / "blobs"
    stored = next(p for p in path.rglob("*") if p.is_file() and p.name.startswith(document.storage_key[:16])
                  or p.name == document.storage_key)
    raw = bytearray(stored.read_bytes())
    raw[40] ^= 0xFF  # the operator (or the disk) changes one byte
    stored.chmod(0o600)
    stored.write_bytes(bytes(raw))
    lot = _open(world, session, clock, tender)
    assert sorted(b["price"] for b in lot["bids"]) == sorted(PRICES[1:])
    (revoked,) = lot["revoked"]
    # Changed at rest: the record says so (the bidder's receipt names the ciphertext it sent).
    assert revoked["bid"] == bids[0].id and revoked["reason"] == {"message": REVOKED_STORAGE, "params": {"index": 1}}
    assert revoked["contractor"] == "杭州养护0有限公司"
    assert session.get(Bid, bids[0].id).state == "revoked"


def test_a_swapped_document_is_detected(world, session, clock):
    tender, bids = _bids(world)
    first, second = bids[0].documents[0], bids[1].documents[0]
    first_document, second_document = first.document_id, second.document_id
    # The operator exchanges two bids' documents in the database.
    session.execute(update(BidDocument).where(BidDocument.id == first.id).values(document_id=second_document))
    session.execute(update(BidDocument).where(BidDocument.id == second.id).values(document_id=first_document))
    session.commit()
    session.expire_all()
    lot = _open(world, session, clock, tender)
    assert {r["bid"] for r in lot.get("revoked", [])} == {bids[0].id, bids[1].id}
    assert [b["price"] for b in lot["bids"]] == [PRICES[2]]


def test_a_bid_that_names_another_company_is_invalid(world, session, clock):
    tender = world.published_tender()
    lot = tender.lots[0]
    for who, price in zip(world.contractors[1:], PRICES):
        world.bid(who, lot.id, price)
    liar = world.contractors[0]
    sealed, envelope = _sealed_by_hand(world, lot, liar, company_id=world.contractors[1].contractor_id)
    _submit(world, session, clock, liar, lot, sealed, envelope)
    opened = _open(world, session, clock, tender)
    (revoked,) = opened["revoked"]
    assert revoked["reason"]["message"].startswith("The sealed bid names another company")
    assert len(opened["bids"]) == 3


def test_the_server_refuses_an_envelope_it_could_never_open(world, session, clock):
    from procure.kernel.errors import InvalidInput

    tender = world.published_tender()
    lot = tender.lots[0]
    me = world.contractors[0]
    sealed = clients.seal_for(lot, me.contractor_id, price="900000.00",
                              documents=[clients.plain_document("a.pdf", pdf("x").getvalue())])
    upload = [bidding.Upload("sealed-1.bin", io.BytesIO(sealed.documents[0]))]
    wrong_lot = json.loads(sealed.envelope_text) | {"lot": lot.id + 1000}
    fewer = json.loads(sealed.envelope_text)
    fewer["shares"] = fewer["shares"][:2]
    changed = io.BytesIO(sealed.documents[0][:-1] + bytes([sealed.documents[0][-1] ^ 1]))
    for envelope, uploads, field in [("", upload, "envelope"), (json.dumps(wrong_lot), upload, "envelope"),
                                     (json.dumps(fewer), upload, "envelope"), (sealed.envelope_text, [], "documents"),
                                     (sealed.envelope_text, [bidding.Upload("s.bin", changed)], "documents")]:
        with pytest.raises(InvalidInput) as info:
            bidding.submit(session, clock, world.storage, INDEX_KEY, me, lot.id, envelope=envelope, uploads=uploads)
        assert info.value.errors[0]["field"] == field
    assert session.scalar(select(Bid.id)) is None and session.scalar(select(BidDocument.id)) is None
    assert session.scalar(select(text("count(*)")).select_from(Document)) == 0


def test_a_share_sealed_badly_by_one_bidder_blocks_nobody(world, session, clock):
    """A bidder who seals an official's share as garbage (or the wrong length of nothing) cannot stop
    the opening: that official's device leaves the share out, the other bids open, and the bid that
    lacks k shares is invalid (第31条: not decryptable through the bidder's fault)."""
    tender = world.published_tender()
    lot = tender.lots[0]
    for who, price in zip(world.contractors[1:], PRICES):
        world.bid(who, lot.id, price)
    me = world.contractors[0]
    sealed, data = _sealed_by_hand(world, lot, me)
    first_official = world.officials[0][0].id
    for share in data["shares"]:
        if share["holder"] == first_official:  # right length, but sealed to nobody
            share["ciphertext"] = base64.b64encode(bytes(49)).decode()
    _submit(world, session, clock, me, lot, sealed, data)
    record = _open(world, session, clock, tender)
    assert sorted(b["price"] for b in record["bids"]) == sorted(PRICES)
    (revoked,) = record["revoked"]
    assert revoked["reason"]["message"].startswith("The bid did not decrypt")


def test_a_stored_envelope_is_rebuilt_from_what_was_read(world, session, clock):
    """Numbers sent as text ("holder": "5") are stored as numbers: an official's device finds its share."""
    tender = world.published_tender()
    lot = tender.lots[0]
    me = world.contractors[0]
    sealed, data = _sealed_by_hand(world, lot, me)
    for share in data["shares"]:
        share["holder"] = str(share["holder"])
    data["tender"], data["lot"] = str(data["tender"]), str(data["lot"])
    bid = _submit(world, session, clock, me, lot, sealed, data)
    assert all(isinstance(s["holder"], int) for s in json.loads(bid.envelope)["shares"])
    for who in world.contractors[1:3]:
        world.bid(who, lot.id)
    record = _open(world, session, clock, tender)
    assert len(record["bids"]) == 3 and "revoked" not in record
