"""The access tests get demo districts of their own: the write half of the matrix and the fuzzing
really act, so they must not share a database with the serving tests (or each other)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.serving.conftest import Demo, demo_district
from tests.serving.conftest import demo  # noqa: F401  (a second, separate demo for this folder)


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A demo district for one test module that changes it."""
    with demo_district(tmp_path_factory.mktemp("fresh")) as world:
        yield world
