"""The access tests get demo districts of their own: the write half of the matrix and the fuzzing
really act, so they must not share a database with the serving tests (or each other)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from procure.db import Database
from procure.demo import load_demo
from tests.dbutil import scratch_database
from tests.serving.conftest import Demo
from tests.serving.conftest import demo  # noqa: F401  (a second, separate demo for this folder)


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A demo district for one test module that changes it."""
    tmp = tmp_path_factory.mktemp("fresh")
    with scratch_database(tmp) as url:
        database = Database(url)
        world = Demo(url, tmp / "storage", database)
        with database.session() as session:
            load_demo(session, world.settings())
        yield world
        database.dispose()
