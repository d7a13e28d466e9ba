"""Database plumbing: the declarative base, Procure's column types, engines and migrations."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, MetaData, Numeric, String, create_engine, event, text
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, UOWTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, TypeEngine

from procure.kernel.errors import DatabaseNotMigrated

log = logging.getLogger("procure")

if TYPE_CHECKING:
    import sqlite3

    from alembic.config import Config  # Alembic only for migrations, not in every app process

#: ``Session.info`` key marking a session that must not write (every GET request's session).
READ_ONLY = "procure_read_only"
#: Connection execution option: begin a deferred (reading) transaction instead of BEGIN IMMEDIATE on SQLite.
_DEFERRED = "procure_deferred"
#: The PostgreSQL channel every write transaction notifies on commit (``kernel.changes`` listens).
CHANGE_CHANNEL = "procure_changed"


class WriteInReadSession(RuntimeError):
    """A read (GET) tried to write: reads must derive clock-moved states, never persist them."""


def is_read_only(session: Session) -> bool:
    return bool(session.info.get(READ_ONLY))


# --- the audit key hook (procure/audit) ---------------------------------------------------------
#: ``Session.info`` key holding the key of the audit chain's MACs (``audit.services`` reads it), so
#: ``audit.record(session, ...)`` needs no key argument from its callers.
AUDIT_KEY = "procure_audit_key"
#: What a ``Database`` built without ``audit_key`` uses: tests and benchmarks. It is public, so
#: MACs made with it prove nothing; the app, the CLI and the worker always pass
#: ``settings.audit_mac_key()`` (PROCURE_AUDIT_KEY, or the key file in the storage folder).
TEST_AUDIT_KEY = b"procure test audit key - public, proves nothing"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every engine.

    PostgreSQL keeps ``timestamptz``; SQLite has no zone, so values are stored as UTC and come
    back as aware UTC datetimes. Naive datetimes are refused: they are always a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an AwareDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Fixed(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC(p, s)`` on PostgreSQL, canonical text on SQLite.

    SQLite has no decimal type and SQLAlchemy would pass values through float; storing the
    text keeps every fen exact. Sums over money are therefore done in Python, never in SQL.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 2) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Decimal | str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are never money: pass a Decimal")
        exact = Decimal(value)
        if exact != exact.quantize(self._quantum):
            raise ValueError(f"{exact} has more than {self.scale} decimals")
        exact = exact.quantize(self._quantum)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Decimal | str | None, dialect: Dialect) -> Decimal | None:  # text on SQLite
        if value is None:
            return None
        return Decimal(value).quantize(self._quantum)


def Money() -> Fixed:  # noqa: N802 — reads like a type in model declarations
    """Yuan with fen: NUMERIC(14,2) (DESIGN §4)."""
    return Fixed(14, 2)


class Database:
    """An engine and the session factories the app and the CLI share.

    ``session()`` is for use cases that write: on SQLite it begins with ``BEGIN IMMEDIATE`` (see
    ``_make_sqlite_transactional``). ``reader()`` is for everything that only reads — every GET:
    a deferred transaction on SQLite (WAL readers never wait for the writer) and a ``READ ONLY``
    transaction on PostgreSQL, and the session refuses to flush or execute a write.
    """

    def __init__(self, url: str | None = None, *, bind: Engine | Connection | None = None, echo: bool = False,
                 pool_size: int = 8, audit_key: bytes | None = None) -> None:
        if bind is None:
            if url is None:
                raise ValueError("Database needs a url or a bind")
            bind = make_engine(url, echo=echo, pool_size=pool_size)
        self.bind = bind
        self.engine: Engine = bind.engine
        # Tests bind to a connection inside an outer transaction: service commits then only
        # release savepoints and everything is rolled back at the end of the test.
        options: dict[str, Any] = {"join_transaction_mode": "create_savepoint"} if isinstance(bind, Connection) else {}
        keyed = {AUDIT_KEY: audit_key or TEST_AUDIT_KEY}  # the audit key hook (see AUDIT_KEY)
        self.sessionmaker = sessionmaker(bind=bind, expire_on_commit=False, info=keyed, **options)
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            event.listen(self.sessionmaker, "before_commit", _announce_change)
        read_bind: Engine | Connection = bind
        if isinstance(bind, Engine):
            read_options = {_DEFERRED: True}
            if bind.dialect.name == "postgresql":
                read_options["postgresql_readonly"] = True
            read_bind = bind.execution_options(**read_options)
        self.read_sessionmaker = sessionmaker(bind=read_bind, expire_on_commit=False, info={READ_ONLY: True, **keyed},
                                              **options)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.sessionmaker()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        session = self.read_sessionmaker()
        try:
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        if isinstance(self.bind, Engine):
            self.bind.dispose()


def _announce_change(session: Session) -> None:
    """Tell every process's caches that this commit changes data (``kernel.changes``). NOTIFY is
    transactional: it is delivered when the commit is visible, and not at all on a rollback."""
    session.execute(text(f"NOTIFY {CHANGE_CHANNEL}"))


# --- templates read, they do not query ------------------------------------------------------

#: The template being rendered in this thread, if any (``rendering``).
_rendering: ContextVar[str | None] = ContextVar("procure_rendering", default=None)


class QueryWhileRendering(RuntimeError):
    """A template (page or PDF) ran a query — a lazy load, most likely: its service should have
    handed it plain data or loaded the relationship (``selectinload``/``joinedload``)."""


@contextmanager
def rendering(template: str) -> Iterator[None]:
    """While a template renders, no statement may reach the database: pages get their data from
    one service call, so a query here is a lazy load the read model missed (an N+1 under load).
    With ``PROCURE_STRICT_RENDERING=1`` (the tests) it raises; otherwise it is logged."""
    token = _rendering.set(template)
    try:
        yield
    finally:
        _rendering.reset(token)


@event.listens_for(Engine, "before_cursor_execute")
def _no_query_while_rendering(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
    template = _rendering.get()
    if template is None:
        return
    message = f"{template} ran a query while rendering: {statement[:300]}"
    if os.environ.get("PROCURE_STRICT_RENDERING") == "1":
        raise QueryWhileRendering(message)
    log.warning(message)


@event.listens_for(Session, "before_flush")
def _no_flush_when_reading(session: Session, _context: UOWTransaction, _instances: object) -> None:
    if is_read_only(session) and (session.new or session.dirty or session.deleted):
        raise WriteInReadSession("a read-only session tried to flush changes")


class LazyLoadInRead(RuntimeError):
    """A read (GET: a page, a PDF, an API answer) loaded a relationship lazily: its read model
    should have loaded it with the rows (``selectinload``/``joinedload``) — one query per row
    otherwise, an N+1 under load."""


@event.listens_for(Session, "do_orm_execute")
def _no_write_statements_when_reading(state: ORMExecuteState) -> None:
    if not is_read_only(state.session):
        return
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteInReadSession("a read-only session tried to execute a write statement")
    if state.is_select and state.lazy_loaded_from is not None:
        # Templates are guarded while they render (``rendering``); this covers what a route
        # converts to the API's Structs too. Strict in the tests, logged in production.
        message = f"a read lazily loaded {state.lazy_loaded_from.class_.__name__}: {str(state.statement)[:300]}"
        if os.environ.get("PROCURE_STRICT_RENDERING") == "1":
            raise LazyLoadInRead(message)
        log.warning(message)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 8) -> Engine:
    """An engine whose pool is as large as the number of requests the app lets in at once.

    ``max_overflow`` covers the few moments a request holds two connections (none today); a
    request never waits for the pool because the app admits at most ``pool_size`` at a time
    (``web.AdmissionGate``) — so the thread pool, the request sessions and the pool always fit.
    """
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args["timeout"] = 30
        # One connection is used by one request at a time, each request in one worker thread.
        connect_args["check_same_thread"] = False
    engine = create_engine(url, echo=echo, connect_args=connect_args, pool_pre_ping=not url.startswith("sqlite"),
                           pool_size=pool_size, max_overflow=pool_size, pool_timeout=30)
    if url.startswith("sqlite"):
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, issue BEGIN — so SAVEPOINTs and rollbacks really work.

    This is SQLAlchemy's documented recipe for pysqlite's legacy transaction handling. WAL lets
    readers go on while one writer writes; foreign keys are off in SQLite unless asked for.
    Writing use cases begin with ``BEGIN IMMEDIATE``, which takes the write lock up front: a
    deferred transaction that reads and then writes fails at once with "database is locked" when
    another writer got in between (the busy timeout does not apply to that upgrade), which is
    exactly the last-second bid rush. Reads (``Database.reader``) begin deferred: under WAL they
    never take a lock and never wait for a writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_DEFERRED) else "BEGIN IMMEDIATE")


# --- migrations -----------------------------------------------------------------------------

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # Alembic only for migrations, not in every app process

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory  # Alembic only for migrations

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext  # Alembic only for migrations

    return MigrationContext.configure(connection).get_current_revision()


def migrate(bind: Engine | Connection, revision: str = "head") -> None:
    """Upgrade the schema. On SQLite, foreign keys are off while the migrations run: a batch
    migration copies a table and drops the original, and with foreign keys on that drop deletes the
    rows first, cascading into their children (Alembic's advice). ``PRAGMA foreign_key_check``
    then has to find nothing before the upgrade commits."""
    from alembic import command  # Alembic only for migrations

    if not isinstance(bind, Engine):
        if bind.dialect.name == "sqlite":  # foreign keys cannot be turned off inside its transaction
            raise ValueError("migrate SQLite through its Engine, not a Connection")
        command.upgrade(alembic_config(bind), revision)
        return
    with bind.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # on the raw connection, outside any transaction (inside one the pragma does nothing)
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                command.upgrade(alembic_config(connection), revision)
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"the migration left rows that break foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def ensure_migrated(bind: Engine | Connection) -> None:
    """Refuse to run on a database that is not at the newest migration."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            current = current_revision(connection)
    else:
        current = current_revision(bind)
    head = head_revision()
    if current != head:
        raise DatabaseNotMigrated(current=current, head=head)
