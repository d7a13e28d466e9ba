from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.cases import open311
from procure.kernel.db import AwareDateTime, Base, Fixed
from procure.sites.models import Site


class Case(Base):
    """整改案卷: a defect to fix by a deadline (DESIGN §4.6)."""

    __tablename__ = "rectification_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractor.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_report.id"))
    item_code: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(AwareDateTime())
    deadline: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    first_responded_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    site: Mapped[Site] = relationship(lazy="joined")
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", cascade="all, delete-orphan", lazy="selectin")


class CaseEvent(Base):
    """What happened to a case: opened, responded (with after-photos), closed, reopened (返工), voided."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    photos: Mapped[list[CaseEventPhoto]] = relationship(order_by="CaseEventPhoto.position", cascade="all, delete-orphan",
                                                        lazy="selectin")

    @property
    def photo_ids(self) -> list[int]:
        return [p.document_id for p in self.photos]


class CaseEventPhoto(Base):
    """A photo attached to a case event: the link that says whose evidence a document is (the
    document policy reads it to let the case's company see its own photos, and only those)."""

    __tablename__ = "case_event_photo"

    case_event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CitizenReport(Base):
    """An Open311 GeoReport v2 service request from the public."""

    __tablename__ = "citizen_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_code: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[Decimal | None] = mapped_column(Fixed(10, 6))
    lon: Mapped[Decimal | None] = mapped_column(Fixed(10, 6))
    address: Mapped[str] = mapped_column(String(255), default="")
    media_url: Mapped[str] = mapped_column(String(1024), default="")
    #: Answers to the service's questions (``open311.attribute_answers``): code → text or list.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    status: Mapped[str] = mapped_column(String(8), index=True)  # open | closed
    status_notes: Mapped[str] = mapped_column(Text, default="")
    api_client: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The citizen's own way back to the report: a random code, not the sequential id (a page at
    #: /public/track/<code>, which shows the photo; the id is GeoReport's public request id).
    tracking_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: The photo the citizen attached on the portal (normalised JPEG), seen by staff and by whoever
    #: holds the tracking code.
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    site: Mapped[Site | None] = relationship(lazy="joined")

    @property
    def service_name(self) -> str:
        service = open311.BY_CODE.get(self.service_code)
        return service.name if service else self.service_code

    @property
    def answers(self) -> list[tuple[str, str]]:
        """The service's questions and this report's answers, in words."""
        return open311.answers_in_words(self.service_code, self.attributes or {})


class ApiKey(Base):
    """A client allowed to file Open311 requests (the public portal, a WeChat mini-program …)."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
