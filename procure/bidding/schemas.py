from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from procure.bidding.services import BidView


class DocumentOut(msgspec.Struct):
    id: int
    filename: str
    size: int
    sha256: str
    kind: str


class BidOut(msgspec.Struct):
    id: int
    lot_id: int
    contractor_id: int
    contractor: str
    state: str
    version: int
    received_at: datetime
    price: str | None
    bond_form: str | None
    bond_reference: str | None
    bond_status: str
    receipt_hash: str
    receipt_url: str | None
    documents: list[DocumentOut]

    @classmethod
    def of(cls, view: BidView, *, own: bool) -> "BidOut":
        bid = view.bid
        return cls(bid.id, bid.lot_id, bid.contractor_id, bid.contractor.company_name, bid.state, bid.version,
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
