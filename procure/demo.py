"""Loads ``fixtures/`` into the configured database. Idempotent: what exists is left alone.

Each later domain adds its part here, so a newcomer's first look shows the system alive.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure import PROJECT_ROOT
from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.audit import services as audit
from procure.audit.services import SYSTEM
from procure.clock import Clock
from procure.settings import Settings
from procure.sites.models import Jurisdiction, Site, UnitRate
from procure.sites.rules import FieldErrors, validate_site

FIXTURES = PROJECT_ROOT / "fixtures"

Progress = Callable[[str, int, int], None]


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


def _rows(name: str, fixtures: Path) -> list[dict[str, str]]:
    with (fixtures / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_demo(session: Session, settings: Settings, fixtures: Path = FIXTURES, progress: Progress | None = None) -> DemoReport:
    clock = settings.clock
    report = DemoReport()
    _jurisdictions(session, clock, fixtures, report)
    _unit_rates(session, clock, fixtures, report)
    _users(session, clock, fixtures, report, progress)
    _sites(session, clock, fixtures, report, progress)
    _contractors(session, clock, fixtures, report)
    _tenders(session, settings, report, progress)
    return report


def _jurisdictions(session: Session, clock: Clock, fixtures: Path, report: DemoReport) -> None:
    known = dict(session.execute(select(Jurisdiction.code, Jurisdiction.id)).all())
    for row in _rows("jurisdictions.csv", fixtures):  # parents come before children in the file
        if row["code"] in known:
            continue
        j = Jurisdiction(code=row["code"], name=row["name"], name_en=row["name_en"], level=row["level"],
                         parent_id=known.get(row["parent_code"]) if row["parent_code"] else None)
        session.add(j)
        session.flush()
        known[j.code] = j.id
        audit.record(session, clock, SYSTEM, "jurisdiction.create", "jurisdiction", j.id, None,
                     {"code": j.code, "name": j.name, "level": j.level})
        report.add("jurisdictions")
    session.commit()


def _unit_rates(session: Session, clock: Clock, fixtures: Path, report: DemoReport) -> None:
    known = set(session.execute(select(UnitRate.kind, UnitRate.grade)).all())
    for row in _rows("unit_rates.csv", fixtures):
        key = (row["kind"], int(row["grade"]))
        if key in known:
            continue
        session.add(UnitRate(kind=key[0], grade=key[1], yuan_per_m2_year=Decimal(row["yuan_per_m2_year"]),
                             updated_at=clock()))
        audit.record(session, clock, SYSTEM, "unit_rate.set", "unit_rate", f"{key[0]}/{key[1]}", None,
                     {"yuan_per_m2_year": row["yuan_per_m2_year"]})
        report.add("unit rates")
    session.commit()


def _users(session: Session, clock: Clock, fixtures: Path, report: DemoReport, progress: Progress | None) -> None:
    rows = _rows("users.csv", fixtures)
    known = set(session.scalars(select(User.username)))
    for index, row in enumerate(rows, start=1):
        if row["username"] not in known:
            accounts.create_user(session, clock, SYSTEM, username=row["username"], password=row["password"],
                                 role=row["role"], display_name=row["display_name"],
                                 jurisdiction_code=row["jurisdiction_code"] or None)
            report.add("users")
        if progress:
            progress("users", index, len(rows))


def _sites(session: Session, clock: Clock, fixtures: Path, report: DemoReport, progress: Progress | None) -> None:
    rows = _rows("sites.csv", fixtures)
    codes = dict(session.execute(select(Jurisdiction.code, Jurisdiction.id)).all())
    known = set(session.scalars(select(Site.code)))
    now = clock()
    for index, row in enumerate(rows, start=1):
        if row["code"] not in known:
            fields = validate_site(row, codes)
            if isinstance(fields, FieldErrors):
                raise ValueError(f"fixtures/sites.csv {row['code']}: {fields.errors}")
            site = Site(code=fields.code, name=fields.name, kind=fields.kind.value, grade=fields.grade,
                        jurisdiction_id=codes[fields.jurisdiction_code], area_m2=fields.area_m2,
                        length_m=fields.length_m, width_m=fields.width_m, handover_date=fields.handover_date,
                        address=fields.address, lon=fields.lon, lat=fields.lat, created_at=now, updated_at=now)
            session.add(site)
            session.flush()
            audit.record(session, clock, SYSTEM, "site.create", "site", site.id, None,
                         site.audit_view() | {"jurisdiction": fields.jurisdiction_code})
            report.add("sites")
        if progress:
            progress("sites", index, len(rows))
    session.commit()


def _contractors(session: Session, clock: Clock, fixtures: Path, report: DemoReport) -> None:
    """The demo companies: contractor logins get their company; most are approved."""
    from procure.contractors.models import Contractor
    from procure.contractors.rules import ContractorState

    known = set(session.scalars(select(Contractor.uscc)))
    users = {u.username: u for u in session.scalars(select(User))}
    for row in _rows("contractors.csv", fixtures):
        if row["uscc"] in known:
            continue
        now = clock()
        company = Contractor(company_name=row["company_name"], uscc=row["uscc"], uscc_check_failed=False,
                             sme=row["sme"] == "1", contact_name=row["contact_name"], contact_phone=row["contact_phone"],
                             contact_email="", address="杭州市余杭区", state=row["state"], registered_at=now,
                             decided_at=now if row["state"] == ContractorState.APPROVED else None, decision_reason="")
        session.add(company)
        session.flush()
        users[row["username"]].contractor_id = company.id
        audit.record(session, clock, SYSTEM, "contractor.register", "contractor", company.id, None, company.audit_view())
        report.add("companies")
    session.commit()


def _tenders(session: Session, settings: Settings, report: DemoReport, progress: Progress | None) -> None:
    """Tenders in every state a newcomer should see: opened (with a 流标 lot), open for bids, draft."""
    from procure.tendering.models import Tender

    existing = set(session.scalars(select(Tender.title)))
    scenarios = [s for s in _scenarios() if s["title"] not in existing]
    for index, scenario in enumerate(scenarios, start=1):
        _play(session, settings, scenario)
        report.add("tenders")
        if progress:
            progress("tenders", index, len(scenarios))


def _scenarios() -> list[dict]:
    return [
        {"title": "余杭区2026年度新建道路保洁养护服务采购", "days_ago": 45, "deadline_days": 25, "open": True,
         "lots": [("余杭街道新建道路", "330110001", "road", 6), ("五常街道新建道路", "330110004", "road", 5)],
         "bids": {1: [("contractor", "0.93"), ("contractor2", "0.97"), ("contractor3", "0.88"), ("contractor4", "0.95")],
                  2: [("contractor2", "0.96"), ("contractor4", "0.91")]}},
        {"title": "仓前街道新建公园绿地养护服务采购", "days_ago": 5, "deadline_days": 21,
         "lots": [("仓前片区公园绿地", "330110002", None, 6)],
         "bids": {1: [("contractor2", "0.94"), ("contractor3", "0.9")]},
         "questions": [("养护范围是否包含公园内公共厕所的保洁？", "包含。公共厕所保洁按《城市公共厕所保洁标准》执行。"),
                       ("夜间保洁作业是否单独计量？", None)]},
        {"title": "良渚街道河道保洁养护服务采购", "days_ago": 0, "deadline_days": 25, "draft": True,
         "lots": [("良渚片区河道", "330110006", "river", 4)], "bids": {}},
    ]


def _play(session: Session, settings: Settings, scenario: dict) -> None:
    """Run one tender's story through the real services, each step at its own (past) time."""
    import io
    from datetime import timedelta

    from procure.accounts.services import CurrentUser
    from procure.bidding import services as bidding
    from procure.clock import FrozenClock
    from procure.documents.pdf import PdfRenderer
    from procure.documents.storage import LocalStorage
    from procure.tendering import services as tenders

    now = settings.clock()
    start = FrozenClock(now - timedelta(days=scenario["days_ago"]))
    officer = CurrentUser.of(session.scalars(select(User).where(User.username == "officer")).one())
    lots = []
    for title, jurisdiction, kind, count in scenario["lots"]:
        candidates = [s for s in tenders.candidate_sites(session, start, jurisdiction) if kind is None or s.kind == kind]
        picked = candidates[:count]
        estimate = tenders.lot_estimates_for_sites(session, picked, 12)
        ceiling = (estimate // 10000 + 1) * 10000
        lots.append({"title": title, "site_ids": [s.id for s in picked], "ceiling_price": str(ceiling),
                     "term_months": 12, "bid_bond": str(int(ceiling * 2 // 100))})
    raw = {"title": scenario["title"], "description": "新建区域养护服务，实行管养分开，按月考核、按考核结果支付。",
           "method": "comprehensive", "price_points": "30", "sme_deduction": "0.10", "abnormal_threshold": "0.20",
           "criteria": [{"code": "T1", "name": "养护方案与质量保证措施", "max_points": "30"},
                        {"code": "T2", "name": "人员、机械设备配置", "max_points": "20"},
                        {"code": "B1", "name": "类似项目业绩与信誉", "max_points": "20"}],
           "lots": lots, "bid_deadline": (start() + timedelta(days=scenario["deadline_days"])).isoformat()}
    tender = tenders.create_tender(session, start, officer.actor, settings.secret_key, raw)
    if scenario.get("draft"):
        return
    tenders.publish(session, start, officer.actor, tender.id)
    storage = LocalStorage(settings.storage_dir)
    renderer = PdfRenderer(settings.templates_dir)
    users = {u.username: u for u in session.scalars(select(User))}
    bid_clock = FrozenClock(start() + timedelta(days=2))
    for number, offers in scenario["bids"].items():
        lot = tender.lots[number - 1]
        for username, share in offers:
            bid_clock.advance(hours=3)
            bidder = CurrentUser.of(users[username])
            content = renderer.render("pdf/demo_bid.html", {"tender": tender, "lot": lot,
                                                            "company": users[username].display_name})
            price = (lot.ceiling_price * Decimal(share)).quantize(Decimal("0.01"))
            bidding.submit(session, bid_clock, storage, settings.secret_key, bidder, lot.id, price=str(price),
                           bond_form="guarantee", bond_reference=f"BH{lot.id:03d}{bidder.id:03d}",
                           uploads=[bidding.Upload("投标文件.pdf", io.BytesIO(content))])
    from procure.contractors.models import Contractor

    for question, answer in scenario.get("questions", []):
        asker = session.scalars(select(Contractor).where(Contractor.state == "approved")).first()
        enquiry = tenders.ask(session, bid_clock, SYSTEM, tender.id, asker.id, question)
        if answer:
            tenders.answer(session, bid_clock, officer.actor, enquiry.id, answer)
    if scenario.get("open"):
        bidding.open_bids(session, settings.clock, settings.secret_key, officer, tender.id)
