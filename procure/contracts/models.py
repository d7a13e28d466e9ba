from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, event, JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.contractors.models import Contractor
from procure.contracts.rules import end_date
from procure.kernel.db import AwareDateTime, Base, Fixed, Money
from procure.sites.models import Site


class Contract(Base):
    """养护合同, created from an award (DESIGN §4.5)."""

    __tablename__ = "contract"
    #: The register's order (newest first).
    __table_args__ = (Index("ix_contract_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. YHHT-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), unique=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    start_date: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    #: The term's last day, ``rules.end_date(start_date, months)``: kept so lists filter in SQL.
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    monthly_fee: Mapped[Decimal] = mapped_column(Money())
    performance_bond: Mapped[Decimal] = mapped_column(Money())
    retention_rate: Mapped[Decimal] = mapped_column(Fixed(5, 4))
    sampling_share: Mapped[Decimal] = mapped_column(Fixed(4, 2))
    defects_liability_months: Mapped[int] = mapped_column(Integer)
    payment_table: Mapped[dict] = mapped_column(JSON)
    penalty_rules: Mapped[dict] = mapped_column(JSON)
    notice_issued_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    contractor_signed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    contractor_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    officer_signed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    officer_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    end_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())

    contractor: Mapped[Contractor] = relationship(lazy="joined")
    sites: Mapped[list[ContractSite]] = relationship(order_by="ContractSite.id", cascade="all, delete-orphan")
    variations: Mapped[list[Variation]] = relationship(order_by="Variation.id", cascade="all, delete-orphan")

    def audit_view(self) -> dict:
        return {
            "number": self.number, "state": self.state, "amount": str(self.amount),
            "start_date": self.start_date.isoformat(), "months": self.months, "monthly_fee": str(self.monthly_fee),
            "performance_bond": str(self.performance_bond), "retention_rate": str(self.retention_rate),
            "payment_table": self.payment_table, "penalty_rules": self.penalty_rules,
            "sites": [[cs.site_id, str(cs.area_m2), cs.from_date.isoformat(), cs.to_date.isoformat() if cs.to_date else None]
                      for cs in self.sites],
        }


class ContractSite(Base):
    """A site under a contract for a span of days (variations open and close spans)."""

    __tablename__ = "contract_site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    area_m2: Mapped[Decimal] = mapped_column(Fixed(12, 2))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)  # last day covered; None = to the contract's end

    site: Mapped[Site] = relationship(lazy="joined")


class Variation(Base):
    """变更: add a site, remove a site, or change an area, from an effective date, with a fee delta."""

    __tablename__ = "variation"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # add_site | remove_site | change_area
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    area_before: Mapped[Decimal | None] = mapped_column(Fixed(12, 2))
    area_after: Mapped[Decimal | None] = mapped_column(Fixed(12, 2))
    effective_date: Mapped[date] = mapped_column(Date)
    monthly_fee_delta: Mapped[Decimal] = mapped_column(Money())
    added_value: Mapped[Decimal] = mapped_column(Money())  # what it adds over the rest of the term
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    site: Mapped[Site] = relationship(lazy="joined")


@event.listens_for(Contract, "before_insert")
@event.listens_for(Contract, "before_update")
def _keep_ends_on(_mapper: object, _connection: object, contract: Contract) -> None:
    """``ends_on`` always follows the start date and the term, whoever changed them."""
    contract.ends_on = end_date(contract.start_date, contract.months)
