from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

ALL_FACTORIES: list[type[SQLAlchemyModelFactory]] = []

#: The test world's "now" (``tests.conftest.NOW``, 2026-11-26 10:00 in Shanghai) in UTC: traits
#: that name a moment of the bureau's calendar ("the deadline has passed") are placed around it.
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
#: The server secret of the test settings (``tests.conftest.settings``); tenders' bid keys are
#: wrapped with the key-encryption key derived from it, as ``tendering.services.create_tender`` does.
SECRET_KEY = "test-secret-key"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None  # bound per test by tests.factories.bind
        sqlalchemy_session_persistence = "flush"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ALL_FACTORIES.append(cls)


__all__ = ["ALL_FACTORIES", "NOW", "SECRET_KEY", "BaseFactory", "factory"]
