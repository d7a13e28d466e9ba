"""The envelope's cryptography (bidding.sealing), pure: k of n open, k − 1 do not, tampering shows."""

from __future__ import annotations

import base64
import itertools
import json

import pytest

from procure.bidding import sealing
from procure.bidding.sealing import Holder, PlainDocument, SealError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def officials():  # type: ignore[no-untyped-def]
    keys = [sealing.new_opening_key() for _ in range(3)]
    return keys, [Holder(100 + i, sealing.public_point(k.public_key())) for i, k in enumerate(keys)]


def _seal(holders, threshold=2, price="876543.21", documents=None):  # type: ignore[no-untyped-def]
    return sealing.seal_bid(tender_id=7, lot_id=9, contractor_id=42, threshold=threshold, holders=holders,
                            price=price, bond_form="guarantee", bond_reference="BH-1",
                            documents=documents if documents is not None else [PlainDocument("技术标.pdf", "application/pdf", PDF + "绝密".encode())])


def _shares(keys, holders, envelope):  # type: ignore[no-untyped-def]
    ctx = sealing.context(7, 9)
    by_holder = {s["holder"]: s for s in envelope["shares"]}
    return [sealing.decrypt_share(k, h.user_id, ctx, by_holder[h.user_id]) for k, h in zip(keys, holders)]


def test_any_k_of_n_shares_open_the_bid_and_its_documents(officials):
    keys, holders = officials
    sealed = _seal(holders)
    envelope = sealing.parse_envelope(sealed.envelope_text, max_document_bytes=1 << 20)
    shares = _shares(keys, holders, sealed.envelope)
    ctx = sealing.context(7, 9)
    for pair in itertools.combinations(shares, 2):
        key = sealing.combine(list(pair))
        manifest = sealing.open_manifest(key, ctx, envelope.manifest)
        assert manifest["price"] == "876543.21" and manifest["contractor"] == 42
        assert sealing.open_document(key, ctx, 1, sealed.documents[0]) == PDF + "绝密".encode()
        assert manifest["documents"][0]["sha256"] == sealing.sha256_hex(PDF + "绝密".encode())


def test_k_minus_one_shares_open_nothing(officials):
    keys, holders = officials
    sealed = _seal(holders, threshold=3)
    envelope = sealing.parse_envelope(sealed.envelope_text, max_document_bytes=1 << 20)
    shares = _shares(keys, holders, sealed.envelope)
    ctx = sealing.context(7, 9)
    for pair in itertools.combinations(shares, 2):  # 2 of a 3-of-3 bid
        with pytest.raises(SealError, match="does not open"):
            sealing.open_manifest(sealing.combine(list(pair)), ctx, envelope.manifest)
    with pytest.raises(SealError):
        sealing.combine(shares[:1])


def test_a_share_opens_only_with_its_officials_key(officials):
    keys, holders = officials
    sealed = _seal(holders)
    share_of_first = next(s for s in sealed.envelope["shares"] if s["holder"] == holders[0].user_id)
    with pytest.raises(SealError, match="not sealed to your opening key"):
        sealing.decrypt_share(keys[1], holders[0].user_id, sealing.context(7, 9), share_of_first)
    with pytest.raises(SealError):  # nor for another lot (the context is bound)
        sealing.decrypt_share(keys[0], holders[0].user_id, sealing.context(7, 10), share_of_first)


def test_tampered_or_swapped_ciphertext_is_detected(officials):
    keys, holders = officials
    first, second = _seal(holders), _seal(holders)
    ctx = sealing.context(7, 9)
    key = sealing.combine(_shares(keys, holders, first.envelope)[:2])
    flipped = bytearray(first.documents[0])
    flipped[20] ^= 1
    with pytest.raises(SealError, match="Document 1 does not open"):
        sealing.open_document(key, ctx, 1, bytes(flipped))
    with pytest.raises(SealError):  # another bid's document under this bid's key
        sealing.open_document(key, ctx, 1, second.documents[0])
    two = _seal(holders, documents=[PlainDocument("a.pdf", "application/pdf", PDF + b"a"),
                                    PlainDocument("b.pdf", "application/pdf", PDF + b"b")])
    key2 = sealing.combine(_shares(keys, holders, two.envelope)[:2])
    with pytest.raises(SealError):  # documents swapped in order: each is bound to its position
        sealing.open_document(key2, ctx, 1, two.documents[1])


def test_the_envelope_carries_no_plaintext(officials):
    _, holders = officials
    sealed = _seal(holders)
    text = sealed.envelope_text
    assert "876543" not in text and "技术标" not in text and "BH-1" not in text and '"contractor"' not in text
    assert b"%PDF" not in sealed.documents[0] and "绝密".encode() not in sealed.documents[0]


@pytest.mark.parametrize("broken", [
    "", "not json", "[]", '{"scheme": "other"}',
    '{"scheme": "procure-sealed-bid/1", "tender": 7, "lot": 9, "threshold": 2, "shares": [], "documents": [], "manifest": "%%"}',
    '{"scheme": "procure-sealed-bid/1", "tender": 7, "lot": 9, "threshold": 2, "shares": [{"holder": 1, "epk": "AAAA", "nonce": "AAAA", "ciphertext": "AAAA"}], "documents": [], "manifest": ""}',
])
def test_malformed_envelopes_are_refused_with_a_reason(broken):
    with pytest.raises(SealError) as info:
        sealing.parse_envelope(broken, max_document_bytes=1 << 20)
    assert info.value.reason


def test_a_point_off_the_curve_is_refused(officials):
    _, holders = officials
    data = json.loads(_seal(holders).envelope_text)
    data["shares"][0]["epk"] = base64.b64encode(b"\x04" + b"\x01" * 64).decode()
    with pytest.raises(SealError, match="P-256"):
        sealing.parse_envelope(json.dumps(data), max_document_bytes=1 << 20)


def test_a_key_file_opens_only_with_its_passphrase():
    private = sealing.new_opening_key()
    data = sealing.key_file(private, "correct horse battery", holder="officer", iterations=100_000)
    assert "correct" not in json.dumps(data)
    opened = sealing.open_key_file(data, "correct horse battery")
    assert sealing.public_point(opened.public_key()) == sealing.public_point(private.public_key())
    with pytest.raises(SealError, match="Wrong passphrase"):
        sealing.open_key_file(data, "wrong horse battery")
    with pytest.raises(SealError):
        sealing.key_file(private, "short", holder="officer")
    with pytest.raises(SealError):
        sealing.open_key_file({"scheme": "something else"}, "correct horse battery")
