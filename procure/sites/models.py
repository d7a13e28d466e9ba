from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.accounts.models import Jurisdiction
from procure.kernel.db import AwareDateTime, Base, Fixed


class Site(Base):
    """养护对象: a maintained road, square, park, green space or river."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    grade: Mapped[int] = mapped_column(Integer)  # 1 一级 … 3 三级
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), index=True)
    area_m2: Mapped[Decimal] = mapped_column(Fixed(12, 2))
    length_m: Mapped[Decimal | None] = mapped_column(Fixed(10, 2))
    width_m: Mapped[Decimal | None] = mapped_column(Fixed(8, 2))
    handover_date: Mapped[date | None] = mapped_column(Date, index=True)  # 移交日期
    address: Mapped[str] = mapped_column(String(255), default="")
    lon: Mapped[Decimal | None] = mapped_column(Fixed(10, 6))
    lat: Mapped[Decimal | None] = mapped_column(Fixed(10, 6))
    geojson: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())

    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")

    def audit_view(self) -> dict:
        return {
            "code": self.code, "name": self.name, "kind": self.kind, "grade": self.grade,
            "jurisdiction": self.jurisdiction.code if self.jurisdiction else self.jurisdiction_id,
            "area_m2": str(self.area_m2), "length_m": _s(self.length_m), "width_m": _s(self.width_m),
            "handover_date": _s(self.handover_date), "address": self.address,
            "lon": _s(self.lon), "lat": _s(self.lat),
        }


class UnitRate(Base):
    """养护定额: yuan per m² per year for one (kind, grade)."""

    __tablename__ = "unit_rate"
    __table_args__ = (UniqueConstraint("kind", "grade"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    grade: Mapped[int] = mapped_column(Integer)
    yuan_per_m2_year: Mapped[Decimal] = mapped_column(Fixed(10, 2))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())


def _s(value: object) -> str | None:
    return None if value is None else str(value)
