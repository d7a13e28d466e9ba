"""What the bidder's browser and an official's device do, done in Python: sealing a bid to a
tender's officials and presenting an official's shares with their private key. ``procure seal-bid``,
the demo and the tests use these; the server's own code never holds a private key."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from procure.accounts.services import CurrentUser
from procure.bidding import sealing
from procure.bidding import services
from procure.bidding.models import Bid
from procure.bidding.sealing import Holder, PlainDocument, SealError, Sealed
from procure.bidding.services import Presented, Upload
from procure.bidding.rules import BOND_FORMS, parse_price
from procure.documents.services import check
from procure.documents.sniff import ALLOWED, detect
from procure.kernel.errors import InvalidInput
from procure.documents.storage import Storage
from procure.kernel.clock import Clock
from procure.tendering.models import Lot


def plain_document(filename: str, content: bytes) -> PlainDocument:
    kind = detect(io.BytesIO(content))
    return PlainDocument(filename, ALLOWED[kind] if kind else "application/octet-stream", content)


def check_before_sealing(price: str, bond_form: str, documents: Sequence[PlainDocument]) -> str:
    """What the bid form's script checks before sealing (the server cannot check a ciphertext):
    the price, the bond form, and each document's type by content and size. Returns the price
    as it is sealed; the opening checks all of it again."""
    value, problem = parse_price(price)
    errors = [{"field": "price", "message": problem}] if problem else []
    if bond_form not in BOND_FORMS:
        errors.append({"field": "bond_form", "message": "Use transfer, guarantee, insurance or none."})
    if not documents:
        errors.append({"field": "documents", "message": "Attach the bid documents."})
    if errors:
        raise InvalidInput("The bid has errors; nothing was stored.", errors=errors)
    for document in documents:
        check(io.BytesIO(document.content), document.filename)  # InvalidInput or PayloadTooLarge
    return str(value)


def seal_for(lot: Lot, contractor_id: int, *, price: str, bond_form: str = "guarantee", bond_reference: str = "",
             documents: Sequence[PlainDocument]) -> Sealed:
    """Check, then seal a bid to the lot's tender officials, as the bid form's script does."""
    price = check_before_sealing(price, bond_form, documents)
    tender = lot.tender
    assert tender.opening_threshold is not None, "only a published tender has opening officials"
    holders = [Holder(h.user_id, sealing.unb64(h.public_key)) for h in tender.holders]
    return sealing.seal_bid(tender_id=tender.id, lot_id=lot.id, contractor_id=contractor_id,
                            threshold=tender.opening_threshold, holders=holders, price=price, bond_form=bond_form,
                            bond_reference=bond_reference, documents=documents)


def seal_to(target: dict[str, Any], *, price: str, bond_form: str = "guarantee", bond_reference: str = "",
            documents: Sequence[PlainDocument]) -> Sealed:
    """Check, then seal to what ``GET /api/v1/lots/{id}/sealing`` answered (a client that has no
    database, as the page's script): the tender, lot, k, the officials' keys and the company."""
    price = check_before_sealing(price, bond_form, documents)
    holders = [Holder(h["user_id"], sealing.unb64(h["public_key"])) for h in target["holders"]]
    return sealing.seal_bid(tender_id=target["tender"], lot_id=target["lot"], contractor_id=target["contractor"],
                            threshold=target["threshold"], holders=holders, price=price, bond_form=bond_form,
                            bond_reference=bond_reference, documents=documents)


def submit_sealed(session: Session, clock: Clock, storage: Storage, index_key: bytes, user: CurrentUser, lot: Lot, *,
                  price: str, bond_form: str = "guarantee", bond_reference: str = "",
                  documents: Sequence[PlainDocument], received_at: datetime | None = None) -> Bid:
    assert user.contractor_id is not None
    sealed = seal_for(lot, user.contractor_id, price=price, bond_form=bond_form, bond_reference=bond_reference,
                      documents=documents)
    uploads = [Upload(f"sealed-{i}.bin", io.BytesIO(blob)) for i, blob in enumerate(sealed.documents, start=1)]
    return services.submit(session, clock, storage, index_key, user, lot.id, envelope=sealed.envelope_text,
                           uploads=uploads, received_at=received_at)


def decrypt_shares(private: ec.EllipticCurvePrivateKey, listing: dict) -> dict[str, str]:
    """An official's device: their encrypted shares (``services.my_shares``) → bid id → base64. A
    share the bidder sealed badly is left out (it counts as missing; 电子招标投标办法 第31条)."""
    shares = {}
    for item in listing["bids"]:
        try:
            shares[str(item["bid"])] = sealing.b64(sealing.decrypt_share(private, listing["holder"], item["context"],
                                                                         item["share"]))
        except SealError:
            continue
    return shares


def present_with_key(session: Session, clock: Clock, storage: Storage, index_key: bytes, user: CurrentUser,
                     tender_id: int, private: ec.EllipticCurvePrivateKey) -> Presented:
    listing = services.my_shares(session, clock, user, tender_id)
    return services.present_shares(session, clock, storage, index_key, user, tender_id, decrypt_shares(private, listing))
