"""Benchmark: run a month's payment statements for a district of N active contracts.

    .venv/bin/python bench/payments_month.py [--contracts 1000] [--sites 20] [--url sqlite:////tmp/bench.sqlite3]

Builds the district with bulk inserts (each contract: 20 sites, 2 inspections per site in the
month), then times `payments.services.run_month` and counts the SQL statements it sends. Runs a
tenth of the size first, so the two statement counts show whether the count grows with the number
of contracts (it must not: no N+1). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procure import domains  # noqa: E402,F401  (every hand-off wired)
from procure.audit.services import SYSTEM  # noqa: E402
from procure.kernel.clock import BUREAU_TZ, FrozenClock  # noqa: E402
from procure.contractors.models import Contractor  # noqa: E402
from procure.contracts.models import Contract, ContractSite  # noqa: E402
from procure.contracts.rules import DEFAULT_PAYMENT_TABLE, DEFAULT_PENALTY_RULES  # noqa: E402
from procure.kernel.db import Database, migrate  # noqa: E402
from procure.inspection import services as inspection  # noqa: E402
from procure.inspection.models import Inspection  # noqa: E402
from procure.payments import services as payments  # noqa: E402
from procure.sites.models import Site
from procure.accounts.models import Jurisdiction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inspection_templates.json"
NOW = FrozenClock(datetime(2026, 11, 26, 10, 0, tzinfo=BUREAU_TZ))
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def build(database: Database, contracts: int, sites_per: int, offset: int) -> None:
    rng = random.Random(offset)
    with database.session() as s:
        if s.get(Jurisdiction, 1) is None:
            s.add(Jurisdiction(id=1, code="BENCH", name="基准街道", name_en="", level="street"))
            s.commit()
        inspection.load_templates(s, NOW, FIXTURES)
        template = inspection.current_template(s, "road")
        conn = s.connection()
        base = offset * 1_000_000
        conn.execute(insert(Contractor), [
            {"id": base + c, "company_name": f"基准公司{base + c}", "uscc": f"B{base + c:017d}", "uscc_check_failed": False,
             "sme": False, "contact_name": "", "contact_phone": "", "contact_email": "", "address": "", "state": "approved",
             "registered_at": T0, "decision_reason": ""} for c in range(contracts)])
        conn.execute(insert(Contract), [
            {"id": base + c, "number": f"BENCH-{base + c}", "title": "基准合同", "contractor_id": base + c, "state": "active",
             "amount": Decimal("1200000.00"), "start_date": date(2026, 1, 1), "months": 12,
             "monthly_fee": Decimal("100000.00"), "performance_bond": Decimal(0), "retention_rate": Decimal("0.03"),
             "sampling_share": Decimal("0.30"), "defects_liability_months": 12, "payment_table": DEFAULT_PAYMENT_TABLE,
             "penalty_rules": DEFAULT_PENALTY_RULES, "end_reason": "", "created_at": T0, "updated_at": T0}
            for c in range(contracts)])
        conn.execute(insert(Site), [
            {"id": base + n, "code": f"BS-{base + n}", "name": f"基准道路{base + n}", "kind": "road", "grade": 2,
             "jurisdiction_id": 1, "area_m2": Decimal(rng.randrange(1000, 50000)), "address": "", "created_at": T0,
             "updated_at": T0} for n in range(contracts * sites_per)])
        conn.execute(insert(ContractSite), [
            {"contract_id": base + n // sites_per, "site_id": base + n, "area_m2": Decimal(10000), "from_date": date(2026, 1, 1)}
            for n in range(contracts * sites_per)])
        rows = []
        for n in range(contracts * sites_per):
            for day in (8, 22):
                rows.append({"site_id": base + n, "contract_id": base + n // sites_per, "template_id": template.id,
                             "inspector_id": 1, "inspected_at": datetime(2026, 10, day, 9, tzinfo=BUREAU_TZ),
                             "month": "2026-10", "planned": True, "score": Decimal(rng.randrange(6000, 10000)) / 100,
                             "categories": {}, "note": "", "correction_reason": "", "created_at": T0})
        conn.execute(insert(Inspection), rows)
        s.commit()


def run(database: Database) -> tuple[float, int, int]:
    counter = {"n": 0}

    def count(*_args: object) -> None:
        counter["n"] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.session() as s:
            started = time.perf_counter()
            result = payments.run_month(s, NOW, SYSTEM, "2026-10")
            elapsed = time.perf_counter() - started
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return elapsed, counter["n"], len(result.statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--url", default="sqlite:////tmp/procure-bench.sqlite3")
    args = parser.parse_args()
    if args.url.startswith("sqlite:///"):
        Path(args.url.split("///", 1)[1]).unlink(missing_ok=True)
    for small in (True, False):
        database = Database(args.url)
        if small:
            migrate(database.engine)
            with database.session() as s:
                from procure.accounts.models import User

                s.add(User(id=1, username="bench", password_hash="x", role="inspector", display_name="bench",
                           active=True, failed_logins=0, session_version=1, created_at=T0))
                s.commit()
        n = max(1, args.contracts // 10) if small else args.contracts
        with database.session() as s:
            s.query(Contract).update({"state": "completed"})  # the small district steps aside
            s.commit()
        started = time.perf_counter()
        build(database, n, args.sites, offset=1 if small else 2)
        built = time.perf_counter() - started
        elapsed, statements, made = run(database)
        print(f"{n:>5} contracts × {args.sites} sites × 2 inspections: built in {built:.1f} s; "
              f"month run {elapsed:.2f} s, {statements} SQL statements, {made} payment statements "
              f"({database.engine.dialect.name})")
        database.dispose()


if __name__ == "__main__":
    main()
