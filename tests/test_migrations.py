"""The schema is what the migrations make, and Procure refuses a database that is behind."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from litestar.testing import TestClient

from procure.app import create_app
from procure.kernel.db import DatabaseNotMigrated, head_revision
from procure.models import Base
from procure.kernel.settings import Settings
from tests.dbutil import scratch_database


def test_models_and_migrations_agree(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_migrated_database_is_at_head(connection):
    assert MigrationContext.configure(connection).get_current_revision() == head_revision()


def test_the_app_refuses_an_unmigrated_database(tmp_path):
    with scratch_database(tmp_path, migrated=False) as url:
        app = create_app(Settings(database_url=url, storage_dir=tmp_path / "s", secret_key="k"))
        with pytest.raises(BaseException) as info, TestClient(app):
            pass
        refusal = _find(info.value, DatabaseNotMigrated)
        assert refusal is not None and "procure migrate" in str(refusal)


def _find(exc: BaseException, kind: type) -> BaseException | None:
    """The lifespan wraps start-up errors in exception groups; dig the refusal out."""
    if isinstance(exc, kind):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        if (found := _find(inner, kind)) is not None:
            return found
    return None
