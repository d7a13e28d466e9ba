"""Alembic environment. Procure calls migrations through ``procure.kernel.db.migrate`` (``procure migrate``)."""

from alembic import context
from sqlalchemy import Connection

from procure.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from procure.kernel.db import make_engine
        from procure.kernel.settings import Settings

        engine = make_engine(Settings.from_env().database_url)
        with engine.begin() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
