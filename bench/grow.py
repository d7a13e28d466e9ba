"""Grow the demo district to a bureau-sized database for bench/serve.py: 10,000 sites and 10,000
tenders (with a lot each, spread over every state), by bulk inserts into a migrated demo database.

    .venv/bin/python bench/grow.py URL [--sites 10000] [--tenders 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import procure.app  # noqa: E402,F401 — every model registered
from procure.kernel.clock import system_clock  # noqa: E402
from procure.kernel.db import Database  # noqa: E402
from procure.sites.models import Site
from procure.accounts.models import Jurisdiction
from procure.tendering.models import Lot, Tender  # noqa: E402

STATES = ["published"] * 3 + ["closed", "evaluating", "awarded", "complete", "cancelled", "draft"]
KINDS = ["road", "square", "park", "green_space"]


def grow(url: str, sites: int, tenders: int) -> dict[str, int]:
    database = Database(url)
    rng = random.Random(7)
    now = system_clock()
    with database.session() as s:
        streets = list(s.scalars(select(Jurisdiction.id).where(Jurisdiction.level == "street")))
        have_sites = s.scalar(select(func.count()).select_from(Site)) or 0
        first_site = s.scalar(select(func.count()).select_from(Site).where(Site.code.like("BENCH-%"))) or 0
        rows = [{"code": f"BENCH-{first_site + n:06d}", "name": f"基准道路{n}号", "kind": rng.choice(KINDS), "grade": rng.randint(1, 3),
                 "jurisdiction_id": rng.choice(streets), "area_m2": Decimal(rng.randint(500, 50000)),
                 "handover_date": (now - timedelta(days=rng.randint(0, 900))).date(), "address": "余杭区",
                 "created_at": now, "updated_at": now} for n in range(max(0, sites - have_sites))]
        for i in range(0, len(rows), 2000):
            s.execute(insert(Site), rows[i:i + 2000])
        have_tenders = s.scalar(select(func.count()).select_from(Tender)) or 0
        added = max(0, tenders - have_tenders)
        first_tender = s.scalar(select(func.count()).select_from(Tender).where(Tender.reference.like("BENCH-%"))) or 0
        trows = []
        for n in range(first_tender, first_tender + added):
            state = STATES[n % len(STATES)]
            created = now - timedelta(days=rng.randint(1, 700), seconds=n)
            deadline = now + timedelta(days=rng.randint(1, 30)) if state == "published" else created + timedelta(days=25)
            trows.append({"reference": f"BENCH-{n:06d}", "title": f"余杭区道路及绿地养护服务采购（基准 {n}）",
                          "description": "", "method": "comprehensive", "price_points": Decimal("30"),
                          "sme_deduction": Decimal("0.10"), "abnormal_threshold": Decimal("0.20"), "state": state,
                          "bid_deadline": None if state == "draft" else deadline,
                          "published_at": None if state == "draft" else created,
                          "closed_at": None if state in ("draft", "published") else deadline,
                          "settled_at": None if state in ("draft", "published", "cancelled") else deadline + timedelta(minutes=1),
                          "version": 0, "opening_threshold": 2, "standing_rule": "off", "cancel_reason": "",
                          "created_at": created, "updated_at": created})
        for i in range(0, len(trows), 2000):
            s.execute(insert(Tender), trows[i:i + 2000])
        ids = list(s.scalars(select(Tender.id).where(Tender.reference.like("BENCH-%")).order_by(Tender.id)))
        lots = [{"tender_id": tid, "number": 1, "title": "标段一", "ceiling_price": Decimal("1000000.00"), "term_months": 12,
                 "bid_bond": Decimal("20000.00"), "state": "active"} for tid in ids[-added:]] if added else []
        for i in range(0, len(lots), 2000):
            s.execute(insert(Lot), lots[i:i + 2000])
        s.commit()
        counts = {"sites": s.scalar(select(func.count()).select_from(Site)) or 0,
                  "tenders": s.scalar(select(func.count()).select_from(Tender)) or 0}
    database.dispose()
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--tenders", type=int, default=10_000)
    args = parser.parse_args()
    print(grow(args.url, args.sites, args.tenders))
