from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.contractors.models import Contractor
from procure.kernel.db import AwareDateTime, Base, Money
from procure.documents.models import Document


class Bid(Base):
    """投标文件: one per (lot, company); resubmission replaces it, withdrawal empties it.

    Until the opening everything the bidder said lives only in ``envelope``, sealed in the bidder's
    browser (bidding.sealing), and the company is not stored either: ``bidder_tag`` is a keyed
    blind index of (lot, company) that keeps one bid per company per lot and lets the company find
    its own. ``contractor_id``, ``price`` and ``bond_*`` are written at the opening.
    """

    __tablename__ = "bid"
    __table_args__ = (UniqueConstraint("lot_id", "contractor_id"), UniqueConstraint("lot_id", "bidder_tag", name="uq_bid_lot_id_bidder_tag"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractor.id"), index=True)
    bidder_tag: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # submitted | withdrawn | revoked (bidding.rules.BidState)
    version: Mapped[int] = mapped_column(Integer, default=1)
    envelope: Mapped[str | None] = mapped_column(Text)
    #: Why the opening found the bid invalid (电子招标投标办法 第31条), as a message id and params.
    revoked_reason: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(AwareDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    receipt_hash: Mapped[str] = mapped_column(String(64))
    #: What the receipt (回执) says, as computed at receipt: the ciphertexts' hashes, the time.
    receipt: Mapped[dict | None] = mapped_column(JSON)
    price: Mapped[Decimal | None] = mapped_column(Money())
    bond_form: Mapped[str | None] = mapped_column(String(16))
    bond_reference: Mapped[str | None] = mapped_column(String(128))

    #: Typed as always there: it is for every opened bid, and only opened bids are read by company
    #: (evaluation, awards, open data). A sealed bid's is None (see ``contractor_id``).
    contractor: Mapped[Contractor] = relationship(lazy="joined")
    documents: Mapped[list[BidDocument]] = relationship(order_by="BidDocument.position", cascade="all, delete-orphan")


class BidDocument(Base):
    __tablename__ = "bid_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    position: Mapped[int] = mapped_column(Integer)

    document: Mapped[Document] = relationship(lazy="joined")


class OpeningRecord(Base):
    """开标记录: what was read out at opening, published as is."""

    __tablename__ = "opening_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(AwareDateTime())
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    record: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))


class OpeningShare(Base):
    """A share one opening official decrypted on their device and presented at the opening. Held
    only until k officials have presented (fewer open nothing); the opening deletes them all."""

    __tablename__ = "opening_share"
    __table_args__ = (UniqueConstraint("bid_id", "holder_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    share: Mapped[str] = mapped_column(String(64))
    presented_at: Mapped[datetime] = mapped_column(AwareDateTime())
