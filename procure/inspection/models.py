from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.kernel.db import AwareDateTime, Base, Fixed
from procure.documents.models import Document
from procure.sites.models import Site


class InspectionTemplate(Base):
    """考核细则 for one site kind, versioned: a change makes a new version; inspections keep theirs."""

    __tablename__ = "inspection_template"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    categories: Mapped[list] = mapped_column(JSON)  # [{code, name, max_points}]
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())

    items: Mapped[list[TemplateItem]] = relationship(order_by="TemplateItem.position", cascade="all, delete-orphan",
                                                     lazy="selectin")


class TemplateItem(Base):
    __tablename__ = "template_item"
    __table_args__ = (UniqueConstraint("template_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("inspection_template.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(8))
    standard: Mapped[str] = mapped_column(Text)
    deduction: Mapped[Decimal] = mapped_column(Fixed(5, 2))
    cap: Mapped[Decimal] = mapped_column(Fixed(5, 2))
    photo_required: Mapped[bool] = mapped_column(Boolean)
    rectification_hours: Mapped[int | None] = mapped_column(Integer)


class SamplingPlan(Base):
    """A month's seeded random selection of a contract's sites (DESIGN §4.6)."""

    __tablename__ = "sampling_plan"
    __table_args__ = (UniqueConstraint("contract_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    seed: Mapped[int] = mapped_column(BigInteger)
    share: Mapped[Decimal] = mapped_column(Fixed(4, 2))
    pool: Mapped[list] = mapped_column(JSON)      # the site ids drawn from
    site_ids: Mapped[list] = mapped_column(JSON)  # the selection
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Inspection(Base):
    """检查/考核记录: one visit of one site. Final once submitted; a correction supersedes it."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("inspection_template.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    inspected_at: Mapped[datetime] = mapped_column(AwareDateTime())
    month: Mapped[str] = mapped_column(String(7), index=True)
    planned: Mapped[bool] = mapped_column(Boolean)  # from the sampling plan; else an extra inspection
    score: Mapped[Decimal] = mapped_column(Fixed(5, 2))
    categories: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(Integer, index=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())

    site: Mapped[Site] = relationship(lazy="joined")
    template: Mapped[InspectionTemplate] = relationship(lazy="joined")
    findings: Mapped[list[Finding]] = relationship(order_by="Finding.id", cascade="all, delete-orphan", lazy="selectin")
    photos: Mapped[list[InspectionPhoto]] = relationship(order_by="InspectionPhoto.id", cascade="all, delete-orphan",
                                                         lazy="selectin")

    def standard_of(self, code: str) -> str:
        """An item by its standard's text (people read items by what they require, not by code)."""
        return next((i.standard for i in self.template.items if i.code == code), code)


class Finding(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    deduction: Mapped[Decimal] = mapped_column(Fixed(5, 2))
    note: Mapped[str] = mapped_column(Text, default="")


class InspectionPhoto(Base):
    __tablename__ = "inspection_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str | None] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))

    document: Mapped[Document] = relationship(lazy="joined")
