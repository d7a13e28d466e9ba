"""Throw-away databases for the test run: a temp SQLite file, or a fresh PostgreSQL schema.

``PROCURE_TEST_DATABASE_URL`` picks the engine (default: SQLite). On PostgreSQL each scratch
database is a schema of its own (``search_path`` in the URL), so runs never see each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text

from procure.kernel.db import make_engine, migrate
from procure.kernel.settings import normalise_database_url


def base_url() -> str | None:
    url = os.environ.get("PROCURE_TEST_DATABASE_URL", "").strip()
    return normalise_database_url(url) if url else None


@contextmanager
def scratch_database(tmp_dir: Path, *, migrated: bool = True) -> Iterator[str]:
    """Yield the URL of an empty (or freshly migrated) database that is dropped afterwards."""
    url = base_url()
    if url is None or url.startswith("sqlite"):
        path = tmp_dir / f"scratch-{uuid.uuid4().hex[:8]}.sqlite3"
        scratch = f"sqlite:///{path}"
        if migrated:
            engine = make_engine(scratch)
            migrate(engine)
            engine.dispose()
        yield scratch
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    scratch = f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        if migrated:
            engine = make_engine(scratch)
            migrate(engine)
            engine.dispose()
        yield scratch
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
