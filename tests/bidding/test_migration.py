"""Migration 0013: opened bids keep what they had; a bid sealed the old way and still waiting for
its opening stops the upgrade with a clear message (it cannot be re-sealed without being opened)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from procure.kernel.db import make_engine, migrate
from tests.dbutil import scratch_database

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _insert(conn: sa.Connection, table: str, **values: Any) -> int:
    """A row with every NOT NULL column given something of its type (the test names what matters)."""
    meta = sa.MetaData()
    t = sa.Table(table, meta, autoload_with=conn)
    row: dict[str, Any] = {}
    for column in t.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type
        if isinstance(kind, sa.Integer):
            row[column.name] = 1
        elif isinstance(kind, sa.Numeric):
            row[column.name] = "1"
        elif isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.JSON):
            row[column.name] = {}
        elif isinstance(kind, (sa.DateTime, sa.Date)) or "date" in type(kind).__name__.lower() or column.name.endswith("_at"):
            row[column.name] = NOW
        else:
            row[column.name] = "x"
    row |= values
    return conn.execute(t.insert().values(**row).returning(t.c.id)).scalar_one()


def _legacy_bid(conn: sa.Connection, *, opened: bool) -> int:
    tender = _insert(conn, "tender", reference="LEGACY-1", state="evaluating" if opened else "closed",
                     sealing_key="wrapped", bid_deadline=NOW, created_at=NOW, updated_at=NOW)
    lot = _insert(conn, "lot", tender_id=tender, number=1, state="active", opened_at=NOW if opened else None)
    company = _insert(conn, "contractor", uscc="91330110MA00000001", state="approved", registered_at=NOW)
    return _insert(conn, "bid", lot_id=lot, contractor_id=company, state="submitted", version=1,
                   sealed="legacy-ciphertext", received_at=NOW, receipt_hash="0" * 64,
                   price="900000.00" if opened else None)


def test_opened_bids_keep_their_company_and_price(tmp_path):
    with scratch_database(tmp_path, migrated=False) as url:
        engine = make_engine(url)
        migrate(engine, "0012")
        with engine.begin() as conn:
            bid = _legacy_bid(conn, opened=True)
        migrate(engine)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT contractor_id, price, bidder_tag, envelope FROM bid WHERE id = :id"),
                               {"id": bid}).one()
        assert row.contractor_id is not None and Decimal(row.price) == Decimal("900000.00")
        assert row.bidder_tag == f"opened-{bid}" and row.envelope is None
        engine.dispose()


def test_a_bid_still_sealed_the_old_way_stops_the_upgrade(tmp_path):
    with scratch_database(tmp_path, migrated=False) as url:
        engine = make_engine(url)
        migrate(engine, "0012")
        with engine.begin() as conn:
            _legacy_bid(conn, opened=False)
        with pytest.raises(RuntimeError, match="previous version"):
            migrate(engine)
        engine.dispose()
