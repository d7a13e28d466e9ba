from datetime import timedelta

from procure.accounts import tokens
from procure.accounts.rules import (
    COMMON_PASSWORDS, MAX_DELAY, Permission, password_problem, role_can, throttle_delay, throttle_keys,
)


def test_free_tries_then_doubling_waits_up_to_fifteen_minutes():
    assert [throttle_delay("pair", n) for n in (1, 4)] == [timedelta(0)] * 2
    assert [throttle_delay("pair", n).total_seconds() for n in (5, 6, 7, 8)] == [1, 2, 4, 8]
    assert throttle_delay("pair", 15) == MAX_DELAY
    assert throttle_delay("pair", 10_000) == MAX_DELAY
    assert throttle_delay("address", 19) == timedelta(0) and throttle_delay("address", 20) == timedelta(seconds=1)
    assert throttle_delay("account", 49) == timedelta(0)


def test_throttle_keys_ignore_case_and_spaces_of_the_username():
    assert throttle_keys("10.0.0.1", " Wang ") == {"pair": "pair:10.0.0.1|wang", "address": "address:10.0.0.1",
                                                   "account": "account:wang"}


def test_permissions_by_role():
    assert role_can("officer", Permission.SITES_WRITE)
    assert not role_can("contractor", Permission.SITES_READ)
    assert role_can("admin", Permission.USERS_MANAGE)
    assert not role_can("officer", Permission.USERS_MANAGE)
    assert not role_can("nobody", Permission.SITES_READ)
    assert not role_can("admin", Permission.BIDS_OPEN)  # admins see the opening record, not the bids


def test_passwords_of_twelve_characters_not_the_username_not_common():
    assert password_problem("eleven-char") == "A password needs at least {n} characters."
    assert password_problem("twelve-chars") is None
    assert password_problem("finance-2026") is None
    assert password_problem("zhangsan2026", "zhangsan") == "The password must not be (or be built on) the username."
    assert password_problem("ZhangSanZhangSan", "zhangsanzhangsan") is not None
    assert password_problem("zhangsan-demo", "zhangsan") is None
    assert password_problem("1qaz2wsx3edc") == "This password is too common; choose another."
    assert password_problem("aaaaaaaaaaaaaaaa") == "This password is too common; choose another."
    assert "qwerty123456" in COMMON_PASSWORDS and len(COMMON_PASSWORDS) > 200


def test_tokens_are_random_and_stored_by_digest():
    first, second = tokens.new_token(), tokens.new_token()
    assert first != second and len(first) >= 43
    assert tokens.digest(first) == tokens.digest(first) != tokens.digest(second)
    assert len(tokens.digest(first)) == 64
