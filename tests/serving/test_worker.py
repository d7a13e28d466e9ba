"""The worker persists what the clock moved exactly once, however many run at once: two
workers (two processes' worth of engines) race over the same tenders and contracts."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from procure import worker as jobs
from procure.accounts import services as accounts
from procure.audit.models import AuditEntry
from procure.audit.services import SYSTEM
from procure.kernel.clock import FrozenClock, system_clock
from procure.kernel.db import Database
from procure.kernel.settings import Settings
from procure.sites.models import Site
from procure.accounts.models import Jurisdiction
from procure.tendering import services as tenders
from procure.tendering.models import Lot, Tender
from tests.dbutil import scratch_database
from tests.tendering.world import give_opening_keys, tender_payload

TENDERS = 12


@pytest.fixture()
def due(tmp_path):  # type: ignore[no-untyped-def]
    """A database with TENDERS published tenders whose deadline and settling time have passed."""
    with scratch_database(tmp_path) as url:
        database = Database(url)
        deadline = (system_clock() - timedelta(hours=1)).replace(microsecond=0)
        before = FrozenClock(deadline - timedelta(days=21))
        with database.session() as s:
            street = Jurisdiction(code="330110002", name="仓前街道", name_en="", level="street")
            s.add(street)
            s.flush()
            officer = accounts.create_user(s, before, SYSTEM, username="officer", password="officer-demo", role="officer")
            witness = accounts.create_user(s, before, SYSTEM, username="witness", password="witness-demo-pw", role="finance")
            give_opening_keys(s, before, [officer, witness])
            for n in range(TENDERS):
                site = Site(code=f"R-{n}", name=f"良睦路{n}段", kind="road", grade=1, jurisdiction_id=street.id,
                            area_m2=1000, address="", created_at=before(), updated_at=before())
                s.add(site)
                s.flush()
                tender = tenders.create_tender(s, before, accounts.CurrentUser.of(officer).actor, tender_payload([site.id], deadline))
                tenders.publish(s, before, SYSTEM, tender.id)
        yield url, database
        database.dispose()


def _check_moved_once(database: Database) -> None:
    with database.reader() as s:
        assert set(s.scalars(select(Tender.state))) == {"closed"}
        assert set(s.scalars(select(Lot.state))) == {"unsuccessful"}  # no bids: 流标
        for action in ("tender.close", "tender.settle"):
            per_tender = s.execute(select(AuditEntry.entity_id, func.count()).where(AuditEntry.action == action)
                                   .group_by(AuditEntry.entity_id)).all()
            assert len(per_tender) == TENDERS and {n for _, n in per_tender} == {1}, (action, per_tender)
    from procure.audit import services as audit

    with database.reader() as s:
        assert audit.verify(s).intact  # the chain stayed whole while two writers appended to it


def test_two_workers_at_once_move_each_tender_once(due, tmp_path):  # type: ignore[no-untyped-def]
    url, database = due
    settings = Settings(database_url=url, storage_dir=tmp_path / "storage", secret_key="k", clock=system_clock)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        own = Database(url)  # as a second process would: its own engine and pool
        try:
            barrier.wait()
            jobs.clock_job(settings, own)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    _check_moved_once(database)


def test_two_procrastinate_workers_at_once(due, tmp_path):  # type: ignore[no-untyped-def]
    url, database = due
    if url.startswith("sqlite"):
        pytest.skip("procrastinate is the PostgreSQL worker; SQLite runs the jobs in-process (test above)")
    settings = Settings(database_url=url, storage_dir=tmp_path / "storage", secret_key="k", clock=system_clock)
    jobs.apply_procrastinate_schema(settings)

    async def both() -> None:
        engines = [Database(url) for _ in range(2)]  # as two processes would have
        apps = [jobs.procrastinate_app(settings, engine) for engine in engines]
        for app in apps:
            await app.open_async()
        try:
            # Two deferrals of the clock job (as two schedulers' ticks would), taken by two workers.
            for n, app in enumerate(apps):
                await app.configure_task("procure.clock", queueing_lock=f"race-{n}").defer_async(timestamp=n)
            await asyncio.wait_for(asyncio.gather(*(
                app.run_worker_async(queues=["procure"], wait=False, concurrency=1, install_signal_handlers=False)
                for app in apps)), timeout=120)
        finally:
            for app in apps:
                await app.close_async()
            for engine in engines:
                engine.dispose()

    # In a thread of its own: the browser tests keep an event loop running in the main thread.
    worker = threading.Thread(target=lambda: asyncio.run(both()))
    worker.start()
    worker.join(timeout=180)
    _check_moved_once(database)
    import psycopg

    with psycopg.connect(jobs.libpq_url(url)) as conn:
        statuses = [r[0] for r in conn.execute("SELECT status FROM procrastinate_jobs WHERE task_name = 'procure.clock'")]
    # Ours, and any the workers' periodic deferrer added for the current minute: all done, none failed.
    assert len(statuses) >= 2 and set(statuses) == {"succeeded"}, statuses

