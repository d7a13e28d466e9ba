"""Signed, expiring tokens for API bearer auth and the browser session cookie.

A token is ``base64url(payload).base64url(HMAC-SHA256)``; the payload names the token's purpose,
the user, the user's ``session_version`` and the expiry, so a token cannot be replayed for another
purpose, outlive its expiry, or survive a deactivation or password change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone


class BadToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    purpose: str
    user_id: int
    version: int
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def sign(secret: str, claims: TokenClaims) -> str:
    payload = {"p": claims.purpose, "u": claims.user_id, "v": claims.version,
               "e": int(claims.expires_at.timestamp())}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, body)}"


def verify(secret: str, token: str, purpose: str, now: datetime) -> TokenClaims:
    try:
        body, mac = token.split(".")
    except ValueError:
        raise BadToken("malformed") from None
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise BadToken("signature")
    try:
        payload = json.loads(_unb64(body))
        claims = TokenClaims(payload["p"], int(payload["u"]), int(payload["v"]),
                             datetime.fromtimestamp(payload["e"], timezone.utc))
    except (ValueError, KeyError, TypeError):
        raise BadToken("malformed") from None
    if claims.purpose != purpose:
        raise BadToken("purpose")
    if now >= claims.expires_at:
        raise BadToken("expired")
    return claims
