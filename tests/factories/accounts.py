from __future__ import annotations

from datetime import datetime, timezone

import factory

from procure.accounts.models import User
from procure.accounts.services import hash_password
from tests.factories.base import BaseFactory

PASSWORD = "password-123"
_HASH = hash_password(PASSWORD)  # hashing once keeps the suite fast; argon2 is slow on purpose


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password_hash = _HASH
    role = "officer"
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    jurisdiction = None
    active = True
    failed_logins = 0
    locked_until = None
    session_version = 1
    created_at = datetime(2026, 1, 1, tzinfo=timezone.utc)

    class Params:
        officer = factory.Trait(role="officer")
        admin = factory.Trait(role="admin")
        contractor = factory.Trait(role="contractor")
        inspector = factory.Trait(role="inspector")
        finance = factory.Trait(role="finance")
        evaluator = factory.Trait(role="evaluator")
