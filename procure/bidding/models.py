from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.contractors.models import Contractor
from procure.kernel.db import AwareDateTime, Base, Money
from procure.documents.models import Document


class Bid(Base):
    """投标文件: one per (lot, contractor); resubmission replaces it, withdrawal empties it.

    Until opening the price and bond details exist only inside ``sealed`` (encrypted with the
    tender's key); ``price``/``bond_*`` are filled in at opening.
    """

    __tablename__ = "bid"
    __table_args__ = (UniqueConstraint("lot_id", "contractor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # submitted | withdrawn
    version: Mapped[int] = mapped_column(Integer, default=1)
    sealed: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(AwareDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    receipt_hash: Mapped[str] = mapped_column(String(64))
    price: Mapped[Decimal | None] = mapped_column(Money())
    bond_form: Mapped[str | None] = mapped_column(String(16))
    bond_reference: Mapped[str | None] = mapped_column(String(128))

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
