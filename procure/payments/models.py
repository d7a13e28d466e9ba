from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.contracts.models import Contract
from procure.kernel.db import AwareDateTime, Base, Fixed, Money
from procure.payments.rules import line_text


class PaymentStatement(Base):
    """月度支付单 of one contract and month (or a retention release), with its approval trail."""

    __tablename__ = "payment_statement"
    # One statement per contract, month and kind — enforced by the database, so a re-run can never
    # make a second one (DESIGN §4.7).
    __table_args__ = (UniqueConstraint("contract_id", "month", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # monthly | retention
    state: Mapped[str] = mapped_column(String(16), index=True)  # draft | submitted | approved | paid
    assessed: Mapped[bool] = mapped_column(Boolean)
    base: Mapped[Decimal] = mapped_column(Money())
    score: Mapped[Decimal | None] = mapped_column(Fixed(5, 2))
    coefficient: Mapped[Decimal | None] = mapped_column(Fixed(6, 4))
    failing: Mapped[bool] = mapped_column(Boolean)
    penalties: Mapped[Decimal] = mapped_column(Money())
    payable: Mapped[Decimal | None] = mapped_column(Money())
    retention: Mapped[Decimal | None] = mapped_column(Money())
    net: Mapped[Decimal | None] = mapped_column(Money())
    computed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str] = mapped_column(String(64), default="")

    contract: Mapped[Contract] = relationship(lazy="joined")
    lines: Mapped[list[StatementLine]] = relationship(order_by="StatementLine.position", cascade="all, delete-orphan")
    events: Mapped[list[StatementEvent]] = relationship(order_by="StatementEvent.id", cascade="all, delete-orphan")


class StatementLine(Base):
    __tablename__ = "statement_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("payment_statement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(String(255))  # in Chinese: the record the certificate prints
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # for payments.rules.line_text
    quantity: Mapped[Decimal] = mapped_column(Fixed(10, 2))
    amount: Mapped[Decimal] = mapped_column(Money())
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)

    def text(self, locale: str) -> str:
        return line_text(locale, self.kind, self.params, self.label)


class StatementEvent(Base):
    """The approval trail: computed, submitted, returned, approved, paid — who and when."""

    __tablename__ = "statement_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("payment_statement.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class MediaExposure(Base):
    """A newspaper, TV or online exposure of a contract's site (媒体曝光), recorded by an officer."""

    __tablename__ = "media_exposure"
    __table_args__ = (UniqueConstraint("contract_id", "reported_on", "outlet"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(8))  # county | city
    outlet: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
