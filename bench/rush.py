"""The last-minute rush, end to end: 200 bids with a 1 MB PDF each, from 50 contractors, in the
last 10 seconds before a deadline (and a few after it), against 2 app processes on PostgreSQL.

    .venv/bin/python bench/rush.py [--bids 200] [--contractors 50] [--late 20] [--workers 2] [--url postgresql://…]

Every bid fully received before the deadline must be accepted with a valid receipt, every one
sent after it refused with a clear message; none lost, none accepted late, none half-written.
Traffic goes to 127.0.0.1 only; the run ends by itself. Prints figures and the verdict.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

import procure.app  # noqa: E402,F401 — every model registered
from procure.accounts import services as accounts  # noqa: E402
from procure.accounts.models import User  # noqa: E402
from procure.audit.services import SYSTEM  # noqa: E402
from procure.bidding.models import Bid, BidDocument  # noqa: E402
from procure.kernel.clock import FrozenClock, system_clock  # noqa: E402
from procure.contractors.models import Contractor  # noqa: E402
from procure.contractors.rules import compose_uscc  # noqa: E402
from procure.kernel.db import Database, migrate  # noqa: E402
from procure.documents.models import Document  # noqa: E402
from procure.sites.models import Site  # noqa: E402
from procure.accounts.models import Jurisdiction  # noqa: E402
from procure.tendering import services as tenders  # noqa: E402

SECRET = "rush-secret"
PG_BASE = os.environ.get("PROCURE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def pdf_of(n: int, size: int) -> bytes:
    body = random.Random(n).randbytes(size)
    return b"%PDF-1.4\n%" + body + b"\n%%EOF\n"


def setup(url: str, contractors: int, deadline: datetime) -> tuple[int, list[str]]:
    database = Database(url)
    migrate(database.engine)
    before = FrozenClock(deadline - timedelta(days=21))
    with database.session() as s:
        street = Jurisdiction(code="330110002", name="仓前街道", name_en="", level="street")
        s.add(street)
        s.flush()
        site = Site(code="RUSH-1", name="良睦路", kind="road", grade=1, jurisdiction_id=street.id, area_m2=1000,
                    address="", created_at=before(), updated_at=before())
        s.add(site)
        s.commit()
        officer = accounts.create_user(s, before, SYSTEM, username="officer", password="officer-rush-2026",
                                       role="officer")
        from tests.tendering.world import tender_payload

        tender = tenders.create_tender(s, before, accounts.CurrentUser.of(officer).actor, SECRET,
                                       tender_payload([site.id], deadline))
        tenders.publish(s, before, SYSTEM, tender.id)
        tokens = []
        for n in range(contractors):
            company = Contractor(company_name=f"竞速{n}号公司", uscc=compose_uscc("91", "330110", f"{n:08d}"),
                                 state="approved", registered_at=before(), decision_reason="")
            s.add(company)
            s.flush()
            user = User(username=f"racer{n}", password_hash="x", role="contractor", display_name=company.company_name,
                        contractor_id=company.id, created_at=before(), active=True, failed_logins=0, session_version=1)
            s.add(user)
            s.flush()
            tokens.append(accounts.issue_token(s, system_clock, user, "api", 3600))
        s.commit()
        lot_id = tender.lots[0].id
    database.dispose()
    return lot_id, tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=200)
    parser.add_argument("--contractors", type=int, default=50)
    parser.add_argument("--late", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="procure-rush-"))
    name = f"procure_rush_{os.getpid()}"
    url = args.url
    if url is None:
        subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        url = f"{PG_BASE}/{name}"
    deadline = (system_clock() + timedelta(seconds=40)).replace(microsecond=0)
    lot_id, tokens = setup(url, args.contractors, deadline)
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "PROCURE_DATABASE_URL": url, "PROCURE_STORAGE_DIR": str(tmp / "storage"),
           "PROCURE_SECRET_KEY": SECRET, "PROCURE_WORKER_IN_PROCESS": "0"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/procure"), "serve", "--port", str(port), "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "w"), cwd=ROOT)
    print(f"  server log: {tmp / 'server.log'}")
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/tenders", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        files = [pdf_of(n, args.size) for n in range(args.bids + args.late)]
        start = deadline - timedelta(seconds=10)
        moments = [start + timedelta(seconds=10 * n / args.bids) for n in range(args.bids)]
        moments += [deadline + timedelta(seconds=0.05 + 0.1 * n) for n in range(args.late)]
        results: list[tuple[int, int, float, float, str]] = []
        lock = threading.Lock()

        def post(n: int) -> None:
            who = n % args.contractors
            while (left := (moments[n] - datetime.now(timezone.utc)).total_seconds()) > 0:
                time.sleep(min(left, 0.01))
            sent = datetime.now(timezone.utc)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                r = client.post(f"/api/v1/lots/{lot_id}/bids", headers={"Authorization": f"Bearer {tokens[who]}"},
                                data={"price": f"{900000 + n}.00", "bond_form": "guarantee", "bond_reference": f"B{n}"},
                                files=[("documents", (f"bid{n}.pdf", files[n], "application/pdf"))])
            done = datetime.now(timezone.utc)
            with lock:
                results.append((n, r.status_code, (sent - deadline).total_seconds(), (done - deadline).total_seconds(),
                                r.json().get("detail", "") if r.status_code != 201 else r.json().get("receipt_hash", "")))

        with ThreadPoolExecutor(args.bids + args.late) as pool:
            list(pool.map(post, range(args.bids + args.late)))
    finally:
        server.terminate()
        server.wait(timeout=30)

    on_time = [r for r in results if r[0] < args.bids]
    late = [r for r in results if r[0] >= args.bids]
    accepted = [r for r in on_time if r[1] == 201]
    database = Database(url)
    with database.reader() as s:
        bids = s.execute(select(Bid.contractor_id, Bid.version, Bid.received_at, Bid.state, Bid.receipt_hash)
                         .where(Bid.lot_id == lot_id)).all()
        docs = s.scalar(select(func.count()).select_from(BidDocument).join(Bid).where(Bid.lot_id == lot_id)) or 0
        stored = list(s.scalars(select(Document.storage_key)))
    database.dispose()
    blobs = sum(1 for p in (tmp / "storage").rglob("*") if p.is_file() and "pdf-cache" not in p.parts)
    versions = sum(b.version for b in bids)
    print(f"Rush: {args.bids} bids of {args.size / 2**20:.1f} MB from {args.contractors} contractors in the last 10 s, "
          f"{args.late} after the deadline, {args.workers} app processes on {url.split('://')[0]}")
    print(f"  sent before the deadline: {len(on_time)}; accepted 201: {len(accepted)}; "
          f"other answers: {sorted({r[1] for r in on_time if r[1] != 201})}")
    print(f"  sent after the deadline:  {len(late)}; refused 409: {sum(1 for r in late if r[1] == 409)}; "
          f"accepted: {sum(1 for r in late if r[1] == 201)}")
    refused_on_time = sorted((r for r in on_time if r[1] != 201), key=lambda r: r[2])
    if refused_on_time:
        first = refused_on_time[0]
        print(f"  refused though sent before the deadline: {len(refused_on_time)}, sent from {first[2]:+.2f} s; "
              f"the server's reason for the earliest: {first[4]}")
    slowest = max((r[3] - r[2] for r in results), default=0)
    print(f"  slowest answer: {slowest:.2f} s; last 201 answered {max((r[3] for r in accepted), default=0):+.2f} s "
          "from the deadline")
    print(f"  stored: {len(bids)} bids (one per contractor), {versions} versions in all, {docs} current documents, "
          f"{len(stored)} document rows, {blobs} blobs on disk")
    lost = len(accepted) - versions
    late_in = [b for b in bids if b.received_at >= deadline]
    half = [b for b in bids if not b.receipt_hash or b.state != "submitted"]
    print(f"  lost: {lost}; accepted late: {len(late_in) + sum(1 for r in late if r[1] == 201)}; half-written: "
          f"{len(half) + (len(stored) - docs)}")
    ok = lost == 0 and not late_in and not half and all(r[1] == 409 for r in late) and len(stored) == docs
    print("  verdict:", "every on-time bid stored once, every late one refused" if ok else "FAILED")
    if args.url is None:
        subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
