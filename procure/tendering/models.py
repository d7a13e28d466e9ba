from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.kernel.db import AwareDateTime, Base, Fixed, Money
from procure.sites.models import Site


class Tender(Base):
    """招标项目: one procurement with lots, a method, criteria and a timeline."""

    __tablename__ = "tender"
    #: The tender list's order (newest first) and the worker's look-up of tenders due to move.
    __table_args__ = (Index("ix_tender_created_at_id", "created_at", "id"),
                      Index("ix_tender_state_bid_deadline", "state", "bid_deadline"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. YHCG-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(16))
    price_points: Mapped[Decimal | None] = mapped_column(Fixed(5, 2))
    sme_deduction: Mapped[Decimal | None] = mapped_column(Fixed(4, 2))
    abnormal_threshold: Mapped[Decimal] = mapped_column(Fixed(4, 2))
    state: Mapped[str] = mapped_column(String(16), index=True)
    bid_deadline: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    published_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: When the lots were judged (≥ 3 bids or 流标), after the settling time.
    settled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)  # amendments published so far
    #: k of the k-of-n opening (开标): how many of ``holders`` must present their shares. Fixed,
    #: with the holders, at publication (bidders seal to them).
    opening_threshold: Mapped[int | None] = mapped_column(Integer)
    #: What a bidder with a D scorecard standing meets: "off", "warn" or "exclude" (reports.rules).
    standing_rule: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    #: A re-tender (重新招标) names the unsuccessful lot it was copied from.
    source_lot_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())

    lots: Mapped[list[Lot]] = relationship(back_populates="tender", order_by="Lot.number", cascade="all, delete-orphan")
    criteria: Mapped[list[Criterion]] = relationship(order_by="Criterion.position", cascade="all, delete-orphan")
    amendments: Mapped[list[Amendment]] = relationship(order_by="Amendment.version", cascade="all, delete-orphan")
    enquiries: Mapped[list[Enquiry]] = relationship(order_by="Enquiry.id", cascade="all, delete-orphan")
    holders: Mapped[list[OpeningHolder]] = relationship(order_by="OpeningHolder.position", cascade="all, delete-orphan")

    def audit_view(self) -> dict:
        return {
            "reference": self.reference, "title": self.title, "method": self.method, "state": self.state,
            "price_points": _s(self.price_points), "sme_deduction": _s(self.sme_deduction),
            "abnormal_threshold": _s(self.abnormal_threshold),
            "bid_deadline": self.bid_deadline.isoformat() if self.bid_deadline else None,
            "criteria": [[c.code, c.name, str(c.max_points)] for c in self.criteria],
            "lots": [l.audit_view() for l in self.lots], "version": self.version, "standing_rule": self.standing_rule,
        }


class Criterion(Base):
    """A technical or business scoring criterion (the price criterion is ``Tender.price_points``)."""

    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("tender_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    max_points: Mapped[Decimal] = mapped_column(Fixed(5, 2))


class Lot(Base):
    """标段: sites with a ceiling price (最高限价), a term, its own bids."""

    __tablename__ = "lot"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    ceiling_price: Mapped[Decimal] = mapped_column(Money())
    term_months: Mapped[int] = mapped_column(Integer)
    bid_bond: Mapped[Decimal] = mapped_column(Money())
    state: Mapped[str] = mapped_column(String(16))
    #: When this lot's bids were unsealed at the opening; None for a lot that failed (流标) for
    #: want of bids, whose bids stay sealed for ever (the access policy reads this, not the tender).
    opened_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    tender: Mapped[Tender] = relationship(back_populates="lots")
    sites: Mapped[list[Site]] = relationship(secondary="lot_site", order_by="Site.code")

    def audit_view(self) -> dict:
        return {"number": self.number, "title": self.title, "ceiling_price": str(self.ceiling_price),
                "term_months": self.term_months, "bid_bond": str(self.bid_bond), "state": self.state,
                "sites": [s.code for s in self.sites]}


class LotSite(Base):
    __tablename__ = "lot_site"

    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True, index=True)


class Amendment(Base):
    """更正公告: a published change to a tender, with the reason and what changed."""

    __tablename__ = "amendment"
    __table_args__ = (UniqueConstraint("tender_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(AwareDateTime())
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON)
    deadline_before: Mapped[datetime | None] = mapped_column(AwareDateTime())
    deadline_after: Mapped[datetime | None] = mapped_column(AwareDateTime())

    @property
    def deadline_moved(self) -> bool:
        return self.deadline_before != self.deadline_after


class Enquiry(Base):
    """答疑/澄清: a question, answered publicly without the asker's identity (DESIGN §4.1)."""

    __tablename__ = "enquiry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractor.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(AwareDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


def _s(value: object) -> str | None:
    return None if value is None else str(value)


class OpeningHolder(Base):
    """开标人: an official a tender's bids are sealed to, with the public key they had at
    publication (a key registered later changes nothing for this tender)."""

    __tablename__ = "opening_holder"
    __table_args__ = (UniqueConstraint("tender_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    position: Mapped[int] = mapped_column(Integer)
    public_key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(128))
