"""Reads only read (招标投标 at scale): no GET — API, page, PDF, OCDS — writes anything or takes
SQLite's write lock, as any role, at any moment the clock has moved things along. States the
clock moves (a tender closed at its deadline, lots judged 流标, contracts in force) are derived on
read; the worker persists them later (tests/serving/test_worker.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import event, text

from procure.app import create_app
from procure.kernel.clock import FrozenClock, system_clock
from procure.publishing.ocds import ocid
from tests.serving.conftest import auth_for, fill, get_route_templates

ROLES = [None, "officer", "contractor", "contractor2", "evaluator", "inspector", "finance", "admin"]
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE", "CREATE", "DROP", "ALTER")


def _ids(demo) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with demo.database.reader() as s:
        def first(table: str, n: int = 1) -> list[str]:
            return [str(v) for v in s.scalars(text(f"SELECT id FROM {table} ORDER BY id LIMIT {n}"))]

        lots = s.execute(text("SELECT tender_id, id FROM lot ORDER BY id")).all()
        return {
            "tender_id": first("tender", 20), "lot_id": [str(lot_id) for _, lot_id in lots],
            "site_id": first("site"), "user_id": first("user_account"), "contractor_id": first("contractor", 2),
            "contract_id": first("contract", 5), "inspection_id": first("inspection"), "case_id": first("rectification_case"),
            "statement_id": first("payment_statement"), "award_id": first("award", 5), "bid_id": first("bid", 2),
            "document_id": first("document", 2), "request_file": [f"{i}.{f}" for i in first("citizen_report") for f in ("json", "xml")],
            "service_file": ["street_light.xml", "street_light.json"],
            "report_id": first("citizen_report"),
            "ocid": [ocid("yhcg01", t, lot) for t, lot in lots],
        }


@pytest.mark.parametrize("days_later", [0, 40, 400])
def test_no_get_writes_at_any_moment(demo, days_later):  # type: ignore[no-untyped-def]
    now = system_clock() + timedelta(days=days_later)
    app = create_app(demo.settings(FrozenClock(now)))
    ids = _ids(demo)
    statements: list[str] = []

    def watch(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    paths = [p for template in get_route_templates(app) for p in fill(template, ids)]
    assert len(paths) > 120, "the walk must cover the app"
    answered = {}
    with TestClient(app, base_url="http://testserver.local") as client:
        engine = app.state.database.engine
        event.listen(engine, "before_cursor_execute", watch)
        try:
            for role in ROLES:
                headers, cookies = auth_for(demo.database, role, now)
                client.cookies.clear()
                for name, value in cookies.items():
                    client.cookies.set(name, value)
                for path in paths:
                    statements.clear()
                    response = client.get(path, headers=headers, follow_redirects=False)
                    assert response.status_code < 500, f"{role} GET {path}: {response.status_code} {response.text[:300]}"
                    writes = [s for s in statements if s.lstrip().upper().startswith(WRITES)]
                    assert not writes, f"{role} GET {path} wrote: {writes[:3]}"
                    answered[response.status_code] = answered.get(response.status_code, 0) + 1
        finally:
            event.remove(engine, "before_cursor_execute", watch)
    assert answered.get(200, 0) > len(paths), answered  # most of the walk really read something


def test_a_read_session_refuses_to_write(demo):  # type: ignore[no-untyped-def]
    from procure.kernel.db import WriteInReadSession
    from procure.tendering.models import Tender

    with demo.database.reader() as s:
        tender = s.get(Tender, 1)
        assert tender is not None
        tender.title = "changed"
        with pytest.raises(WriteInReadSession):
            s.flush()
