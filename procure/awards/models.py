from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.kernel.db import AwareDateTime, Base


class Award(Base):
    """定标: the proposed winner of a lot, its publicity (公示), objections and the notice."""

    __tablename__ = "award"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), unique=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    rank: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")  # required when not rank 1
    state: Mapped[str] = mapped_column(String(16))  # publicity | suspended | notified
    proposed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    publicity_ends_at: Mapped[datetime] = mapped_column(AwareDateTime())
    notice_issued_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    objections: Mapped[list[Objection]] = relationship(order_by="Objection.id", cascade="all, delete-orphan")


class Objection(Base):
    """质疑: a bidder's objection in the publicity window; it suspends the award until answered."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
