from __future__ import annotations

from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

ALL_FACTORIES: list[type[SQLAlchemyModelFactory]] = []


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None  # bound per test by tests.factories.bind
        sqlalchemy_session_persistence = "flush"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ALL_FACTORIES.append(cls)


__all__ = ["ALL_FACTORIES", "BaseFactory", "factory"]
