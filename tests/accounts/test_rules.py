from datetime import datetime, timedelta, timezone

import pytest

from procure.accounts import tokens
from procure.accounts.rules import (
    LoginState, Permission, after_failed_login, after_successful_login, is_locked, password_problem, role_can,
)

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def test_four_failures_do_not_lock_the_fifth_does():
    state = LoginState(0, None)
    for _ in range(4):
        state = after_failed_login(state, NOW)
        assert not is_locked(state, NOW)
    state = after_failed_login(state, NOW)
    assert is_locked(state, NOW)
    assert state.locked_until == NOW + timedelta(minutes=15)
    assert is_locked(state, NOW + timedelta(minutes=14, seconds=59))
    assert not is_locked(state, NOW + timedelta(minutes=15))


def test_success_resets_the_count():
    assert after_successful_login() == LoginState(0, None)


def test_permissions_by_role():
    assert role_can("officer", Permission.SITES_WRITE)
    assert not role_can("contractor", Permission.SITES_READ)
    assert role_can("admin", Permission.USERS_MANAGE)
    assert not role_can("officer", Permission.USERS_MANAGE)
    assert not role_can("nobody", Permission.SITES_READ)


def test_password_length():
    assert password_problem("short") is not None
    assert password_problem("long-enough") is None


def claims(**overrides):
    values = {"purpose": "api", "user_id": 7, "version": 1, "expires_at": NOW + timedelta(hours=1)}
    return tokens.TokenClaims(**(values | overrides))


def test_token_round_trip():
    token = tokens.sign("k", claims())
    assert tokens.verify("k", token, "api", NOW).user_id == 7


@pytest.mark.parametrize(("secret", "purpose", "now", "reason"), [
    ("other", "api", NOW, "signature"),
    ("k", "session", NOW, "purpose"),
    ("k", "api", NOW + timedelta(hours=1), "expired"),
])
def test_token_refused(secret, purpose, now, reason):
    token = tokens.sign("k", claims())
    with pytest.raises(tokens.BadToken) as info:
        tokens.verify(secret, token, purpose, now)
    assert info.value.reason == reason


def test_tampered_token_refused():
    body, mac = tokens.sign("k", claims()).split(".")
    forged = tokens.sign("k", claims(user_id=1)).split(".")[0]
    with pytest.raises(tokens.BadToken):
        tokens.verify("k", f"{forged}.{mac}", "api", NOW)
    with pytest.raises(tokens.BadToken):
        tokens.verify("k", "garbage", "api", NOW)
