"""The access tests get a demo district of their own: the write half of the matrix really tries
every action, so it must not share a database with the serving tests."""

from __future__ import annotations

from tests.serving.conftest import demo  # noqa: F401  (a second, separate demo for this folder)
