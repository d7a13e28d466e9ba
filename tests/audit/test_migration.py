"""Migration 0009: rows hashed the old way keep verifying under the old rule; new rows are MAC'd
and chain onto them; nothing can be appended the old way afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from procure.audit import services as audit
from procure.audit.models import AuditEntry
from procure.audit.rules import GENESIS, KEYED, LEGACY, legacy_hash
from procure.audit.services import SYSTEM
from procure.kernel.clock import FrozenClock
from procure.kernel.db import AwareDateTime, Database, alembic_config, make_engine, migrate
from tests.conftest import NOW
from tests.dbutil import scratch_database

KEY = b"migration-test-audit-key-0123456789"
OLD = sa.table("audit_entry", sa.column("at", AwareDateTime()),
               sa.column("actor_id", sa.Integer), sa.column("actor_name", sa.String), sa.column("action", sa.String),
               sa.column("entity", sa.String), sa.column("entity_id", sa.String), sa.column("before", sa.JSON),
               sa.column("after", sa.JSON), sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
               sa.column("sealed_tender_id", sa.Integer))


def _old_rows(conn: sa.Connection, n: int) -> str:
    """What 0001–0008 wrote: SHA-256 over prev, time, actor name, action, entity, id, before, after."""
    prev = GENESIS
    for i in range(1, n + 1):
        row = {"at": NOW - timedelta(days=10 - i), "actor_name": "system", "action": "site.create", "entity": "site",
               "entity_id": str(i), "before": None, "after": {"area_m2": f"{i}000.00"}}
        digest = legacy_hash(prev, **row)
        conn.execute(OLD.insert().values(actor_id=None, prev_hash=prev, hash=digest, sealed_tender_id=None, **row))
        prev = digest
    return prev


@pytest.fixture()
def upgraded(tmp_path):  # type: ignore[no-untyped-def]
    with scratch_database(tmp_path, migrated=False) as url:
        engine = make_engine(url)
        migrate(engine, "0008")
        with engine.begin() as conn:
            last_old = _old_rows(conn, 3)
        migrate(engine)
        database = Database(url, audit_key=KEY)
        yield engine, database, last_old
        database.dispose()
        engine.dispose()


def test_old_rows_are_labelled_and_still_verify(upgraded):
    engine, database, _ = upgraded
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT DISTINCT scheme FROM audit_entry")).scalars().all() == [LEGACY]
    with database.reader() as session:
        assert audit.verify(session).checked == 3


def test_new_rows_are_keyed_and_chain_onto_the_old(upgraded):
    engine, database, last_old = upgraded
    clock = FrozenClock(NOW)
    with database.session() as session:
        first = audit.record(session, clock, SYSTEM, "site.update", "site", 1, None, {"grade": 2})
        audit.record(session, clock, SYSTEM, "site.update", "site", 2, None, {"grade": 3})
        session.commit()
        assert (first.id, first.prev_hash, first.scheme) == (4, last_old, KEYED)
        assert audit.verify(session).intact
    with engine.begin() as conn:  # someone appends a row the old way, correctly hashed
        last = conn.execute(sa.text("SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1")).scalar_one()
        row = {"at": NOW, "actor_name": "system", "action": "payment.approve", "entity": "payment_statement",
               "entity_id": "1", "before": None, "after": {"amount": "999999.00"}}
        conn.execute(AuditEntry.__table__.insert().values(actor_id=None, prev_hash=last, sealed_tender_id=None,
                                                          hash=legacy_hash(last, **row), scheme=LEGACY, **row))
    with database.reader() as session:
        verdict = audit.verify(session)
    assert verdict.first_broken_id == 6 and verdict.reason.startswith("an unkeyed SHA-256 row after keyed rows")


def test_the_downgrade_refuses_to_strand_keyed_rows(upgraded):
    engine, database, _ = upgraded
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0008")  # only old rows: fine, and back again
    migrate(engine)
    with database.session() as session:
        audit.record(session, FrozenClock(NOW), SYSTEM, "a", "e", 1)
        session.commit()
    with pytest.raises(RuntimeError, match="cannot verify"), engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0008")
