from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.accounts.models import User
from procure.kernel.db import AwareDateTime, Base, Fixed, Money


class ExpertRelation(Base):
    """A declared link between an expert and a company (employer, shareholding, family …):
    the expert may not evaluate that company's lots (回避, 政府采购法 第12条, 实施条例 第9条)."""

    __tablename__ = "expert_relation"
    __table_args__ = (UniqueConstraint("user_id", "contractor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"))
    relation: Mapped[str] = mapped_column(String(128))
    declared_at: Mapped[datetime] = mapped_column(AwareDateTime())


class Committee(Base):
    """评标委员会 of one lot."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), unique=True)
    formed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    formed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: For a random draw from the expert pool: the seed, so anyone can replay it.
    draw_seed: Mapped[int | None] = mapped_column(BigInteger)
    #: The seed of the tie-breaking draw in the ranking (87号令 第57条), recorded at finalising.
    ranking_seed: Mapped[int | None] = mapped_column(BigInteger)
    finalized_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    unsuccessful: Mapped[bool] = mapped_column(Boolean, default=False)

    members: Mapped[list[CommitteeMember]] = relationship(order_by="CommitteeMember.id", cascade="all, delete-orphan")


class CommitteeMember(Base):
    __tablename__ = "committee_member"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    is_expert: Mapped[bool] = mapped_column(Boolean)
    declared_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # no-conflict declaration
    sheet_submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: A member who declared a conflict withdrew (回避): the row stays, so the draw of a
    #: replacement skips them and the report names them; they count for nothing else.
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    conflict: Mapped[str] = mapped_column(String(200), default="")
    #: For a member drawn to replace one who withdrew (87号令 第49条): the seed of that draw.
    draw_seed: Mapped[int | None] = mapped_column(BigInteger)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def present(self) -> bool:
        return self.withdrawn_at is None


class ComplianceView(Base):
    """One member's view of one bid in the compliance review (符合性审查); the committee's result
    is the majority of its present members' views (87号令 第61条, ``rules.majority``)."""

    __tablename__ = "compliance_view"
    __table_args__ = (UniqueConstraint("member_id", "bid_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_member.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), index=True)
    compliant: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(AwareDateTime())


class BidReview(Base):
    """The committee's abnormal-price decision on one bid (87号令 第60条). Compliance is no longer
    here: each member's view is a ``ComplianceView``."""

    __tablename__ = "bid_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), unique=True)
    abnormal_decision: Mapped[str | None] = mapped_column(String(16))
    abnormal_reason: Mapped[str] = mapped_column(Text, default="")
    abnormal_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Score(Base):
    """One member's points for one bid on one criterion."""

    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("member_id", "bid_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_member.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    criterion_code: Mapped[str] = mapped_column(String(32))
    points: Mapped[Decimal] = mapped_column(Fixed(5, 2))


class EvaluationResult(Base):
    """The finalised outcome for one bid."""

    __tablename__ = "evaluation_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), unique=True)
    evaluated_price: Mapped[Decimal] = mapped_column(Money())
    compliant: Mapped[bool] = mapped_column(Boolean)
    price_score: Mapped[Decimal | None] = mapped_column(Fixed(5, 2))
    technical_score: Mapped[Decimal | None] = mapped_column(Fixed(5, 2))
    total: Mapped[Decimal | None] = mapped_column(Fixed(5, 2))
    rank: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[list] = mapped_column(JSON, default=list)
