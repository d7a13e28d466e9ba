"""The worker: what the clock moves, persisted; and the bureau's scheduled jobs.

Readers never write (DESIGN §4.1, §5): a tender past its deadline *looks* closed to everyone at
that second because the state is derived on read. The worker then writes the transition down —
with its audit row — so that the stored facts catch up, and runs the jobs that fall due on a day:

=====================  ==========================  ===============================================
job                    when (Beijing time)         what
=====================  ==========================  ===============================================
``clock``              every minute                tenders closed and settled (流标), contracts
                                                   in force / completed (``tendering.tick``,
                                                   ``contracts.tick``)
``sampling-plans``     daily 00:05                 this month's inspection sampling plans drawn
``payment-run``        the 1st, 09:00              last month's draft payment statements computed
``ocds-export``        daily 02:00                 OCDS release packages written to
                                                   ``<storage>/ocds`` for bulk download
``audit-head``         daily 00:15                 the audit chain's public head written once to
                                                   ``<storage>/audit-heads/YYYY-MM-DD.json``
``reminders``          every 15 minutes            cases and tenders due within 24 h, told once
                                                   (``cases.remind_due``, ``tendering.remind_closing``)
``mail``               every minute                notifications mailed when PROCURE_SMTP_URL is
                                                   set (``accounts.mail``)
=====================  ==========================  ===============================================

Every job is idempotent and safe to run in several processes at once: transitions are
conditional UPDATEs that only one writer wins (its audit row with it), plans and statements are
unique per contract and month, the export writes files atomically. So nothing breaks if two
workers, or a worker and an app process, run the same job.

Two ways to run them:

- **PostgreSQL (production):** ``procure worker`` runs a `procrastinate <https://procrastinate.readthedocs.io>`_
  worker. Its periodic tasks are deferred once per cron tick across all workers (a unique row per
  task and timestamp in ``procrastinate_periodic_defers``) and a job is taken by one worker only.
  A failed job is not retried: it is recorded as ``failed`` in ``procrastinate_jobs`` and the job
  simply runs again at its next tick (every job catches up on everything due). See docs/architecture.md for why procrastinate.
- **SQLite (embedded default):** ``procure serve`` runs the same jobs in a background thread of the
  app process (``InProcessScheduler``); ``procure worker`` runs that loop in the foreground.
"""

from __future__ import annotations

import time
import tempfile
import shutil
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from procure import domains  # noqa: F401  (every hand-off wired before a job)
from procure.audit.services import SYSTEM
from procure.kernel.clock import BUREAU_TZ, local_date, month_of
from procure.kernel.db import Database
from procure.kernel.errors import ProcureError
from procure.kernel.settings import Settings
from procure.contracts import services as contracts
from procure.tendering import services as tenders
from procure.inspection import services as inspection
from procure.payments import services as payments
from procure.publishing import services as publishing
from procure.audit import services as audit
from procure.accounts import mail
from procure.cases import services as cases

if TYPE_CHECKING:
    import procrastinate  # imported where used: only PostgreSQL deployments need it

log = logging.getLogger("procure.worker")


# --- the jobs ---------------------------------------------------------------------------------


def clock_job(settings: Settings, database: Database) -> dict[str, int]:
    """Persist the states the clock has moved: tenders first (a lot's 流标 frees its sites), then contracts."""

    with database.session() as session:
        moved_tenders = tenders.tick(session, settings.clock)
    with database.session() as session:
        moved_contracts = contracts.tick(session, settings.clock)
    return {"tenders": moved_tenders, "contracts": moved_contracts}


def sampling_plans_job(settings: Settings, database: Database) -> dict[str, int]:
    """Draw this month's sampling plan for every contract in force (once; the seed is recorded)."""

    with database.session() as session:
        plans = inspection.ensure_plans(session, settings.clock, month_of(settings.clock()), SYSTEM)
    return {"plans": len(plans)}


def payment_run_job(settings: Settings, database: Database) -> dict[str, int]:
    """Compute last month's draft statements (DESIGN §4.7). Submitted ones are never touched."""

    first_of_month = local_date(settings.clock()).replace(day=1)
    last_month = month_of(datetime.combine(first_of_month - timedelta(days=1), datetime.min.time(), BUREAU_TZ))
    with database.session() as session:
        try:
            result = payments.run_month(session, settings.clock, SYSTEM, last_month)
        except ProcureError as exc:  # e.g. no contract was in force: nothing to pay, nothing wrong
            log.info("payment run %s: %s", last_month, exc.message.format(**exc.params))
            return {"statements": 0}
    return {"statements": len(result.statements)}


def ocds_export_job(settings: Settings, database: Database) -> dict[str, int]:
    """Write the OCDS packages (per ocid, per year, whole) to ``storage/ocds`` for mirrors and backups,
    replacing yesterday's atomically. The API serves the same per year live (``/api/v1/public/ocds/bulk``);
    without a public base URL there is no address to write into them, so nothing is written."""
    if not settings.public_base_url:
        log.info("ocds export skipped: set PROCURE_PUBLIC_BASE_URL (open data carries absolute addresses)")
        return {"releases": 0}
    target = settings.storage_dir / "ocds"
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".ocds-", dir=settings.storage_dir)
    with database.reader() as session:
        count = publishing.export(session, settings.clock, settings.ocds_prefix, staging, settings.public_base_url)
    old = settings.storage_dir / f".ocds-old-{threading.get_ident()}"
    if target.exists():
        target.rename(old)
    shutil.move(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    return {"releases": count}


def audit_head_job(settings: Settings, database: Database) -> dict[str, int]:
    """Write today's public head of the audit chain, once; mirrors keep it (docs/deployment.md)."""

    directory = settings.storage_dir / "audit-heads"
    today = local_date(settings.clock())
    if (directory / f"{today.isoformat()}.json").exists():
        return {"heads": 0}
    with database.reader() as session:
        head = audit.public_head(session)
    return {"heads": int(audit.write_head_file(directory, today, head))}


def reminders_job(settings: Settings, database: Database) -> dict[str, int]:
    """Remind, once each, of what falls due within 24 hours: open cases (to their company) and
    tenders closing for bids (to every company)."""
    with database.session() as session:
        case_notices = cases.remind_due(session, settings.clock)
    with database.session() as session:
        tender_notices = tenders.remind_closing(session, settings.clock)
    return {"cases": case_notices, "tenders": tender_notices}


def mail_job(settings: Settings, database: Database) -> dict[str, int]:
    """Mail the notifications not mailed yet, when SMTP is configured (accounts.mail)."""
    if not settings.smtp_url:
        return {"mailed": 0}
    with database.session() as session:
        return {"mailed": mail.send_pending(session, settings.clock, settings)}


@dataclass(frozen=True)
class Job:
    name: str
    #: procrastinate's cron (minute hour day month weekday), in UTC — Beijing time is UTC+8.
    cron: str
    run: Callable[[Settings, Database], dict[str, int]]
    #: For the in-process loop: how often to run it at most (it runs at start, then this often).
    every: timedelta


JOBS: tuple[Job, ...] = (
    Job("clock", "* * * * *", clock_job, timedelta(seconds=30)),
    Job("sampling-plans", "5 16 * * *", sampling_plans_job, timedelta(hours=6)),   # 00:05 Beijing
    Job("payment-run", "0 1 1 * *", payment_run_job, timedelta(days=1)),           # the 1st, 09:00 Beijing
    Job("ocds-export", "0 18 * * *", ocds_export_job, timedelta(days=1)),          # 02:00 Beijing
    Job("audit-head", "15 16 * * *", audit_head_job, timedelta(hours=1)),          # 00:15 Beijing; once a day
    Job("reminders", "*/15 * * * *", reminders_job, timedelta(minutes=15)),
    Job("mail", "* * * * *", mail_job, timedelta(minutes=1)),
)


def run_job(job: Job, settings: Settings, database: Database) -> dict[str, int]:
    result = job.run(settings, database)
    log.info("job %s: %s", job.name, result)
    return result


# --- in-process (the embedded default) -------------------------------------------------------------


class InProcessScheduler:
    """Runs ``JOBS`` in a daemon thread: each at start, then every ``job.every``. For SQLite, where
    there is no PostgreSQL for procrastinate; several app processes may each run one (idempotent)."""

    def __init__(self, settings: Settings, database: Database, *, poll_seconds: float = 5.0) -> None:
        self.settings, self.database, self.poll_seconds = settings, database, poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: dict[str, float] = {}

    def run_due(self, monotonic_now: float) -> list[str]:
        ran = []
        for job in JOBS:
            last = self._last.get(job.name)
            if last is not None and monotonic_now - last < job.every.total_seconds():
                continue
            self._last[job.name] = monotonic_now
            try:
                run_job(job, self.settings, self.database)
            except Exception:  # one failing job must not stop the clock for the others
                log.exception("job %s failed; it runs again at its next turn", job.name)
            ran.append(job.name)
        return ran

    def loop(self) -> None:

        while not self._stop.is_set():
            self.run_due(time.monotonic())
            self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.loop, name="procure-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


# --- procrastinate (PostgreSQL) ----------------------------------------------------------------------


def procrastinate_app(settings: Settings, database: Database) -> procrastinate.App:
    """A procrastinate App whose periodic tasks are ``JOBS``. Its tables live in the same database
    (``procure migrate`` applies procrastinate's schema on PostgreSQL)."""
    import procrastinate  # procrastinate only on PostgreSQL; SQLite runs the in-process loop

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(settings.database_url)))
    for job in JOBS:
        def task(timestamp: int, job: Job = job) -> None:
            run_job(job, settings, database)

        task.__name__ = job.name.replace("-", "_")
        registered = app.task(name=f"procure.{job.name}", queue="procure", queueing_lock=job.name,
                              pass_context=False)(task)
        app.periodic(cron=job.cron, periodic_id=job.name)(registered)
    return app


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def apply_procrastinate_schema(settings: Settings) -> bool:
    """Create procrastinate's tables once (``procure migrate`` on PostgreSQL). True if created."""
    import psycopg  # the PostgreSQL driver only where PostgreSQL is used

    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if exists and exists[0]:
            return False
    app = procrastinate_app(settings, Database(settings.database_url))
    with app.open():
        app.schema_manager.apply_schema()
    return True
