"""The ASGI application for process managers: ``uvicorn --factory procure.asgi:create`` (what
``procure serve --workers N`` runs in each worker process). Configuration from PROCURE_* variables."""

from __future__ import annotations

from litestar import Litestar

from procure.app import create_app
from procure.kernel.settings import Settings


def create() -> Litestar:
    return create_app(Settings.from_env())
