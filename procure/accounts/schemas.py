from __future__ import annotations

from datetime import datetime

import msgspec

from procure.accounts.models import User


class TokenRequest(msgspec.Struct):
    username: str
    password: str


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str
    role: str
    expires_in: int


class UserCreate(msgspec.Struct):
    username: str
    password: str
    role: str
    display_name: str = ""
    jurisdiction_code: str | None = None


class UserUpdate(msgspec.Struct, omit_defaults=True):
    role: str | None = None
    display_name: str | None = None
    jurisdiction_code: str | None = None
    active: bool | None = None
    password: str | None = None


class UserOut(msgspec.Struct):
    id: int
    username: str
    role: str
    display_name: str
    jurisdiction_code: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(user.id, user.username, user.role, user.display_name,
                   user.jurisdiction.code if user.jurisdiction else None, user.active, user.created_at,
                   user.last_login_at)


class UserPage(msgspec.Struct):
    items: list[UserOut]
    total: int
    page: int
    per_page: int
