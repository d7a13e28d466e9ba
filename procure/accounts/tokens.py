"""Opaque login tokens for the browser session cookie and API bearer auth.

A token is 32 random bytes (base64url). Procure keeps only its SHA-256 in ``login_session``,
so revoking a login is deleting its power at once (logout, password change, deactivation), and
neither the database nor a server secret can be turned into a valid token (ASVS V3.2, V3.3)."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
