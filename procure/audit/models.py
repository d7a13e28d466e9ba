from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from procure.kernel.db import AwareDateTime, Base


class AuditEntry(Base):
    """One append-only row per state change (DESIGN §5), chained to the row before by a MAC over
    all of its columns (``audit.rules``). The ORM refuses to change a row once written, except to
    mark the chain's newest row sealed (``audit.services``)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: The row's HMAC-SHA256 (scheme ``hmac-sha256``), or its plain SHA-256 for rows written
    #: before migration 0009 (scheme ``sha256``).
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Set on entries about sealed bids: hidden from every audit view until that tender is opened
    #: (招标投标法 第22条). Part of the MAC: clearing it would reveal a bid, setting it hide an entry.
    sealed_tender_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: How ``hash`` was computed (``audit.rules.KEYED`` or ``LEGACY``); no default, every writer says.
    scheme: Mapped[str] = mapped_column(String(16))
