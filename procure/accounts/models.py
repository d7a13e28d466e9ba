from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint, JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.kernel.db import AwareDateTime, Base


class Jurisdiction(Base):
    """属地: the bureau's jurisdictions, district → town/street/development zone → community."""

    __tablename__ = "jurisdiction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128), default="")
    level: Mapped[str] = mapped_column(String(16))  # district | street | town | zone | community
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id"))


class User(Base):
    """A person who logs in. ``role`` is one of ``accounts.rules.Role``."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    display_name: Mapped[str] = mapped_column(String(128))
    #: Where notifications are also mailed when the bureau configures SMTP (a company login
    #: without one is mailed at its company's contact address).
    email: Mapped[str] = mapped_column(String(254), default="")
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: Bumped on deactivation or password change: every older token and session stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: For role ``contractor``: the company this login belongs to.
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractor.id", use_alter=True), index=True)

    jurisdiction: Mapped[Jurisdiction | None] = relationship(lazy="joined")

    def audit_view(self) -> dict:
        return {
            "username": self.username, "role": self.role, "display_name": self.display_name,
            "jurisdiction": self.jurisdiction.code if self.jurisdiction else None, "active": self.active,
            "email": self.email,
        }


class Notification(Base):
    """An in-app message to one user (e.g. a tender a contractor bid on was amended or cancelled)."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    message: Mapped[str] = mapped_column(String(255))  # an English msgid
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(255), default="")
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: A reminder's identity ("case-due:12"): one user is reminded of one thing once.
    key: Mapped[str | None] = mapped_column(String(128))
    #: When it was also sent by mail (None: not yet, or nobody to mail it to).
    emailed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class OpeningKey(Base):
    """开标密钥: an official's P-256 public key, made on their own device (bidding.sealing). The
    private half never reaches the server; retiring a key keeps it on tenders already published."""

    __tablename__ = "opening_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    public_key: Mapped[str] = mapped_column(String(100))  # base64 of the uncompressed point
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class LoginSession(Base):
    """One login: a browser session or an API token. The token itself is never stored, only its
    SHA-256, so a copy of the database logs no one in; logging out or changing the password
    revokes the row (OWASP ASVS V3.3)."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(8))  # session | api
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins counted per address, per account and per (address, account), each with the
    moment the next try is allowed (accounts.rules.throttle_delay)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(AwareDateTime())
