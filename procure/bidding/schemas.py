from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from procure.bidding.services import BidView, Presented


class DocumentOut(msgspec.Struct):
    id: int
    filename: str
    size: int
    sha256: str
    kind: str


class BidOut(msgspec.Struct):
    """A bid. While sealed, ``contractor_id``/``contractor``, the price and the bond are null
    (nobody can read them, the server included) and ``envelope_sha256`` is what the receipt shows."""

    id: int
    lot_id: int
    contractor_id: int | None
    contractor: str | None
    state: str
    sealed: bool
    envelope_sha256: str | None
    version: int
    received_at: datetime
    price: str | None
    bond_form: str | None
    bond_reference: str | None
    bond_status: str | None
    receipt_hash: str
    receipt_url: str | None
    documents: list[DocumentOut]

    @classmethod
    def of(cls, view: BidView, *, own: bool) -> "BidOut":
        bid = view.bid
        return cls(bid.id, bid.lot_id, bid.contractor_id, bid.contractor.company_name if bid.contractor else None,
                   bid.state, view.sealed, (bid.receipt or {}).get("envelope_sha256"), bid.version,
                   bid.received_at, None if view.price is None else str(view.price), view.bond_form,
                   view.bond_reference, view.bond_status, bid.receipt_hash,
                   f"/api/v1/bids/{bid.id}/receipt.pdf" if own and bid.state == "submitted" else None,
                   [DocumentOut(d.document.id, d.document.filename, d.document.size, d.document.sha256,
                                d.document.kind) for d in bid.documents])


class OpeningOut(msgspec.Struct):
    tender_id: int
    opened_at: datetime
    sha256: str
    record: dict[str, Any]


class SharesIn(msgspec.Struct, forbid_unknown_fields=True):
    """An official's shares, decrypted on their device: bid id → base64 (docs/sealed-bids.md)."""

    shares: dict[str, str]


class OpeningKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    """An opening key's public half: base64 of the uncompressed P-256 point (WebCrypto "raw")."""

    public_key: str


class PresentedOut(msgspec.Struct):
    presented: int
    threshold: int
    opened: bool
    opening: OpeningOut | None

    @classmethod
    def of(cls, result: Presented) -> "PresentedOut":
        record = result.opening
        return cls(result.presented, result.threshold, record is not None,
                   OpeningOut(record.tender_id, record.opened_at, record.sha256, record.record) if record else None)


def hall_json(hall: dict[str, Any]) -> dict[str, Any]:
    """The hall as the page's script polls it: no names of who asks, only the officials'."""
    record = hall["opening"]
    return {"tender": hall["tender"].id, "now": hall["now"], "deadline": hall["deadline"], "closed": hall["closed"],
            "ready": hall["ready"], "threshold": hall["threshold"], "presented": hall["presented"],
            "officials": [{k: o[k] for k in ("name", "fingerprint", "position", "presented")} for o in hall["officials"]],
            "opened": record is not None, "opening_sha256": record.sha256 if record else None}
