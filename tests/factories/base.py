from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

ALL_FACTORIES: list[type[SQLAlchemyModelFactory]] = []

#: The test world's "now" (``tests.conftest.NOW``, 2026-11-26 10:00 in Shanghai) in UTC: traits
#: that name a moment of the bureau's calendar ("the deadline has passed") are placed around it.
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
#: The session secret of the test settings (``tests.conftest.settings``): it protects no bid.
SECRET_KEY = "test-secret-key"
#: The blind-index key of the test settings: which company bid on a sealed lot (bidding.rules.bidder_tag).
BID_INDEX_KEY = "test-bid-index-key-0123456789abcdef"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None  # bound per test by tests.factories.bind
        sqlalchemy_session_persistence = "flush"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ALL_FACTORIES.append(cls)


__all__ = ["ALL_FACTORIES", "BID_INDEX_KEY", "NOW", "SECRET_KEY", "BaseFactory", "factory"]
