"""Loads ``fixtures/`` into the configured database. Idempotent: what exists is left alone.

Each later domain adds its part here, so a newcomer's first look shows the system alive.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure import PROJECT_ROOT, domains  # noqa: F401  (every hand-off wired)
from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.accounts.services import CurrentUser
from procure.awards import services as awards
from procure.bidding import clients as bid_clients
from procure.bidding import sealing
from procure.bidding import services as bidding
from procure.contractors.models import Contractor
from procure.contractors.rules import ContractorState
from procure.contracts import services as contracts
from procure.audit import services as audit
from procure.audit.services import SYSTEM
from procure.kernel.clock import BUREAU_TZ, Clock, FrozenClock
from procure.documents.pdf import PdfRenderer
from procure.documents.storage import LocalStorage
from procure.evaluation import services as evaluation
from procure.kernel.settings import Settings
from procure.contracts.models import Contract
from procure.sites.models import Site, UnitRate
from procure.accounts.models import Jurisdiction
from procure.sites.rules import FieldErrors, validate_site
from procure.tendering import services as tenders
from procure.tendering.models import Lot, Tender
from procure.cases import services as cases
from procure.cases.models import ApiKey
from procure.inspection import services as inspection
from procure.inspection.models import Inspection
from procure.inspection.services import FindingInput
from procure.payments import services as payments
from procure.payments.models import PaymentStatement

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
    contracts.tick(session, clock)  # signed contracts whose start date has come are active
    _inspections(session, settings, fixtures, report, progress)
    _settlements(session, settings, report)
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

    existing = set(session.scalars(select(Tender.title)))
    scenarios = [s for s in _scenarios() if s["title"] not in existing]
    keys = _opening_keys(session, settings) if scenarios else {}
    for index, scenario in enumerate(scenarios, start=1):
        _play(session, settings, scenario, keys)
        report.add("tenders")
        if progress:
            progress("tenders", index, len(scenarios))


#: The demo's opening officials (开标人): their key files are written to var/demo-opening-keys/
#: with the passphrase "<username>-demo-key", so a newcomer can present shares in the opening hall.
#: A real official makes their key in their own browser (开标密钥) and keeps the file themselves.
DEMO_HOLDERS = ("officer", "officer2", "finance")


def demo_key_passphrase(username: str) -> str:
    return f"{username}-demo-key"


def _opening_keys(session: Session, settings: Settings) -> dict[str, Any]:
    """Each demo official's private key: from their demo key file when it matches the key
    registered, else a new key, registered and written to the file."""
    folder = settings.storage_dir.parent / "demo-opening-keys"
    folder.mkdir(parents=True, exist_ok=True)
    users = {u.username: CurrentUser.of(u) for u in session.scalars(select(User).where(User.username.in_(DEMO_HOLDERS)))}
    keys: dict[str, Any] = {}
    for username, user in users.items():
        path = folder / f"{username}.json"
        current = bidding.current_opening_key(session, user)
        if path.exists() and current is not None:
            data = json.loads(path.read_text())
            if data.get("public_key") == current.public_key:
                keys[username] = sealing.open_key_file(data, demo_key_passphrase(username))
                continue
        private = sealing.new_opening_key()
        data = sealing.key_file(private, demo_key_passphrase(username), holder=username)
        bidding.register_opening_key(session, settings.clock, user, data["public_key"])
        path.write_text(json.dumps(data, indent=2))
        keys[username] = private
    return keys


def _scenarios() -> list[dict]:
    return [
        {"title": "余杭区2025年度新建道路及绿地养护服务采购", "days_ago": 200, "deadline_days": 25, "open": True,
         "lots": [("闲林片区公园绿地", "330110003", None, 5), ("良渚片区绿地", "330110006", "green_space", 5)],
         "bids": {1: [("contractor", "0.92"), ("contractor2", "0.95"), ("contractor3", "0.90")],
                  2: [("contractor2", "0.93"), ("contractor3", "0.96"), ("contractor4", "0.89")]},
         "committee": ["evaluator2", "evaluator3", "evaluator4", "evaluator5", "evaluator6"],
         "declared": ["evaluator2", "evaluator3", "evaluator4", "evaluator5", "evaluator6"],
         "scored": ["evaluator2", "evaluator3", "evaluator4", "evaluator5", "evaluator6"],
         "finalize": True, "award": True, "sign": True},
        {"title": "余杭区2026年度新建道路保洁养护服务采购", "days_ago": 45, "deadline_days": 25, "open": True,
         "lots": [("余杭街道新建道路", "330110001", "road", 6), ("五常街道新建道路", "330110004", "road", 5)],
         "bids": {1: [("contractor", "0.93"), ("contractor2", "0.97"), ("contractor3", "0.88"), ("contractor4", "0.95")],
                  2: [("contractor2", "0.96"), ("contractor4", "0.91")]},
         # The demo evaluator still has to declare and score: their own work on their home page.
         "committee": ["evaluator", "evaluator2", "evaluator3", "evaluator4", "evaluator5"],
         "declared": ["evaluator2", "evaluator3", "evaluator4", "evaluator5"],
         "scored": ["evaluator2", "evaluator3"]},
        {"title": "仓前街道新建公园绿地养护服务采购", "days_ago": 5, "deadline_days": 21,
         "lots": [("仓前片区公园绿地", "330110002", None, 6)],
         "bids": {1: [("contractor2", "0.94"), ("contractor3", "0.9")]},
         "questions": [("养护范围是否包含公园内公共厕所的保洁？", "包含。公共厕所保洁按《城市公共厕所保洁标准》执行。"),
                       ("夜间保洁作业是否单独计量？", None)],
         "amend": ("补充夜间保洁时段要求", "新建区域养护服务，实行管养分开，按月考核、按考核结果支付。夜间保洁时段为 22:00–次日 6:00。")},
        {"title": "良渚街道河道保洁养护服务采购", "days_ago": 0, "deadline_days": 25, "draft": True,
         "lots": [("良渚片区河道", "330110006", "river", 4)], "bids": {}},
    ]


def _play(session: Session, settings: Settings, scenario: dict[str, Any], keys: dict[str, Any]) -> None:
    """Run one tender's story through the real services, each step at its own (past) time."""

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
    tender = tenders.create_tender(session, start, officer.actor, raw)
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
            bid_clients.submit_sealed(session, bid_clock, storage, settings.bid_index_mac_key(), bidder, lot,
                                      price=str(price), bond_form="guarantee",
                                      bond_reference=f"BH{lot.id:03d}{bidder.id:03d}",
                                      documents=[bid_clients.plain_document("投标文件.pdf", content)])
    for question, answer in scenario.get("questions", []):
        asker = session.scalars(select(Contractor).where(Contractor.state == "approved")).first()
        assert asker is not None  # the companies were approved before any tender
        enquiry = tenders.ask(session, bid_clock, SYSTEM, tender.id, asker.id, question)
        if answer:
            tenders.answer(session, bid_clock, officer.actor, enquiry.id, answer)
    if scenario.get("amend"):
        reason, description = scenario["amend"]
        tenders.amend(session, bid_clock, officer.actor, tender.id, reason, {"description": description})
    if not scenario.get("open"):
        return
    deadline = tender.bid_deadline
    assert deadline is not None
    step = FrozenClock(deadline + timedelta(days=1))
    opening_clock = step if scenario.get("committee") else settings.clock
    for holder in tender.holders[:tender.opening_threshold]:
        official = CurrentUser.of(session.get_one(User, holder.user_id))
        bid_clients.present_with_key(session, opening_clock, storage, settings.bid_index_mac_key(), official, tender.id,
                                     keys[official.username])
    if scenario.get("committee"):
        for lot in tender.lots if scenario.get("award") else tender.lots[:1]:
            if lot.state == "active":
                _evaluate(session, step, officer, lot, users, scenario)


def _evaluate(session: Session, step: Clock, officer: CurrentUser, lot: Lot, users: dict[str, User],
              scenario: dict[str, Any]) -> None:
    """Committee, declarations, reviews and sheets for a lot; then, if asked, the award and contract."""
    members = [CurrentUser.of(users[name]) for name in scenario["committee"]]
    evaluation.form_committee(session, step, officer.actor, lot.id, members=[m.id for m in members])
    for member in members:
        if member.username in scenario["declared"]:
            evaluation.declare(session, step, member, lot.id, True)
    declared = [m for m in members if m.username in scenario["declared"]]
    bids = evaluation.bids_of(session, lot)
    # Each declared member records their own view of every bid (87号令 第61条: the majority decides);
    # on a full committee the last one finds the dearest bid wanting, a dissent the report keeps.
    dearest = max(bids, key=lambda b: b.price or 0)
    for index, member in enumerate(declared):
        for bid in bids:
            dissent = len(declared) == len(members) >= 5 and index == len(declared) - 1 and bid.id == dearest.id
            evaluation.record_compliance(session, step, member, lot.id, bid.id, not dissent,
                                         "养护人员配置表未列明持证上岗人员" if dissent else "")
    if not declared or evaluation.progress(session, step, lot.id).unreviewed:
        return  # a member has yet to declare and review: no result, nothing to score yet
    reviewer = declared[0]
    for bid_id in sorted(evaluation.flagged(session, lot)):
        evaluation.record_abnormal(session, step, reviewer, lot.id, bid_id, "accepted", "报价说明及成本测算合理")
    for m_index, member in enumerate(m for m in members if m.username in scenario["scored"]):
        for b_index, bid in enumerate(bids):
            # Plausible, varied points: stronger companies a little higher, each member a little different.
            t1 = 24 + (b_index * 7 + m_index * 3) % 6
            t2 = 14 + (b_index * 5 + m_index * 2) % 5
            b1 = 12 + (b_index * 3 + m_index) % 7
            evaluation.record_scores(session, step, member, lot.id, bid.id,
                                     {"T1": str(t1), "T2": str(t2), "B1": str(b1)})
        evaluation.submit_sheet(session, step, member, lot.id)
    if not scenario.get("finalize"):
        return
    evaluation.finalize(session, step, officer.actor, lot.id, seed=20260101)
    if not scenario.get("award"):
        return
    award = awards.propose(session, step, officer.actor, lot.id)
    notice_clock = FrozenClock(award.publicity_ends_at + timedelta(days=1))
    awards.issue_notice(session, notice_clock, officer.actor, award.id)
    contract = session.scalars(select(Contract).where(Contract.lot_id == lot.id)).one()
    if scenario.get("sign"):
        sign_clock = FrozenClock(notice_clock() + timedelta(days=5))
        winner_login = session.scalars(select(User).where(User.contractor_id == contract.contractor_id)).first()
        assert winner_login is not None  # every demo company has a login
        winner = CurrentUser.of(winner_login)
        contracts.sign(session, sign_clock, winner, contract.id)
        contracts.sign(session, sign_clock, officer, contract.id)


DEMO_OPEN311_KEY = "demo-open311-key"


def _inspections(session: Session, settings: Settings, fixtures: Path, report: DemoReport,
                 progress: Progress | None) -> None:
    """Months of field work on the active contracts: sampling plans, inspections twice a month,
    the cases they opened (most fixed on time, some late, some sent back), citizen reports."""


    clock = settings.clock
    added = inspection.load_templates(session, clock, fixtures / "inspection_templates.json")
    if added:
        report.add("inspection templates", added)
    if session.scalar(select(ApiKey.id).limit(1)) is None:
        cases.create_api_key(session, clock, "公众监督门户", DEMO_OPEN311_KEY)
    if session.scalar(select(Inspection.id).limit(1)) is not None:
        return
    users = {u.username: u for u in session.scalars(select(User))}
    inspector = CurrentUser.of(users["inspector2"])
    storage = LocalStorage(settings.storage_dir)
    now = clock()
    today = now.astimezone(BUREAU_TZ).date()
    live = [c for c in session.scalars(select(Contract).where(Contract.state == "active")).unique()]
    months = []
    for contract in live:
        day = contract.start_date
        while day <= today:
            months.append((contract, f"{day.year:04d}-{day.month:02d}"))
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    rng = random.Random(20260701)
    for index, (contract, month) in enumerate(months, start=1):
        plan_clock = FrozenClock(datetime.fromisoformat(f"{month}-01T08:00:00+08:00"))
        plan = inspection.plan_month(session, plan_clock, SYSTEM, contract.id, month, seed=rng.randrange(1, 2**31))
        extra = [s for s in plan.pool if s not in plan.site_ids][:1]
        for visit_day, sites in ((6, plan.site_ids), (20, plan.site_ids + extra)):
            at = datetime.fromisoformat(f"{month}-{visit_day:02d}T09:30:00+08:00")
            if at > now:
                continue
            for site_id in sites:
                site = session.get_one(Site, site_id)
                template = inspection.current_template(session, site.kind)
                findings = [FindingInput(item.code, rng.choice((1, 1, 2, 3)), "")
                            for item in rng.sample(list(template.items), k=rng.choice((0, 1, 2, 2, 3, 4)))]
                if contract.id % 2 == 0 and month.endswith(("09", "10")):  # one contractor has a bad autumn
                    findings += [FindingInput(item.code, 5, "多处") for item in template.items[:12]
                                 if item.code not in {f.item_code for f in findings}]
                # Recent visits photograph their first two findings (the "before" the cases show).
                recent = (today - at.date()).days < 75
                photos = {f.item_code: [("现场.jpg", io.BytesIO(_site_photo(rng, before=True)))] for f in findings[:2]} \
                    if recent else None
                done = inspection.submit(session, FrozenClock(at), storage, inspector, site_id=site_id, inspected_at=at,
                                         findings=findings, photos=photos, require_photos=False)
                report.add("inspections")
                _answer_cases(session, storage, users, contract, done.cases, at, now, rng)
        if progress:
            progress("inspections", index, len(months))
    _citizen_reports(session, settings, users, live, now)


def _answer_cases(session: Session, storage: LocalStorage, users: dict[str, User], contract: Contract, case_ids: list[int],
                  found_at: datetime, now: datetime, rng: random.Random) -> None:
    """How contractors really answer: mostly on time, sometimes late, now and then sent back."""

    company_user = CurrentUser.of(next(u for u in users.values() if u.contractor_id == contract.contractor_id))
    checker = CurrentUser.of(users["inspector2"])
    for n, case_id in enumerate(case_ids):
        case = cases.get(session, case_id)
        limit = case.deadline - case.opened_at
        roll = rng.random()
        answered = found_at + (limit * 0.6 if roll < 0.75 else limit * 1.4)
        if answered > now or roll > 0.95:
            continue  # still open
        # The first answers carry an after-photo, so the evidence pages have something to show.
        photos = [("整改后.jpg", io.BytesIO(_site_photo(rng)))] if n < 3 else []
        cases.respond(session, FrozenClock(answered), storage, company_user, case_id, "已按标准完成整改", photos)
        checked = answered + timedelta(hours=6)
        if checked > now:
            continue
        if rng.random() < 0.1:
            cases.reopen(session, FrozenClock(checked), checker, case_id, "整改不到位，返工")
            again = checked + timedelta(hours=4)
            if again <= now:
                cases.respond(session, FrozenClock(again), storage, company_user, case_id, "返工完成")
                cases.close(session, FrozenClock(again + timedelta(hours=2)), checker, case_id, "复查合格")
        else:
            cases.close(session, FrozenClock(checked), checker, case_id, "复查合格")


def _site_photo(rng: random.Random, before: bool = False) -> bytes:
    """A small real JPEG (a green-edged pavement as flat colours; litter on it before the fix):
    the demo's evidence."""
    from PIL import Image, ImageDraw  # Pillow only when the demo draws its photos

    image = Image.new("RGB", (320, 240), (150, 150, 150))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 190, 320, 240), fill=(70, 140, 60))
    draw.line((0, 120 + rng.randint(-20, 20), 320, 120), fill=(240, 240, 240), width=4)
    if before:
        for _ in range(6):
            x, y = rng.randint(10, 300), rng.randint(130, 185)
            draw.ellipse((x, y, x + 14, y + 9), fill=(rng.randint(180, 250), rng.randint(60, 200), 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _citizen_reports(session: Session, settings: Settings, users: dict[str, User], live: list[Contract], now: datetime) -> None:

    if not live:
        return
    sites = [cs.site for cs in live[0].sites if cs.site.lat is not None][:3]
    checker = CurrentUser.of(users["inspector2"])
    texts = [("litter", "公园入口处有人倾倒装修垃圾，已堆放两天", {}),
             ("street_light", "晚上园路有三盏路灯不亮，行人看不清", {"attribute[lights_out]": "3"}),
             ("facility_damage", "健身器材扶手断裂，存在安全隐患", {"attribute[facility]": "other", "attribute[hazard]": "yes"})]
    storage = LocalStorage(settings.storage_dir)
    rng = random.Random(20261206)
    for (code, text, answers), site, hours_ago in zip(texts, sites, (30, 10, 2)):
        at = FrozenClock(now - timedelta(hours=hours_ago))
        # Citizens on the portal attach a photo (the first and last here); a GeoReport app may not.
        photo = ("IMG_0001.jpg", io.BytesIO(_site_photo(rng, before=True))) if hours_ago != 10 else None
        filed = cases.file_report(session, at, {"service_code": code, "lat": str(site.lat), "long": str(site.lon),
                                                "description": text, **answers}, api_client="公众监督门户",
                                  photo=photo, storage=storage)
        if hours_ago == 30:
            cases.verify_report(session, FrozenClock(now - timedelta(hours=28)), checker, filed.id, accept=True, note="")
        elif hours_ago == 10:
            cases.verify_report(session, FrozenClock(now - timedelta(hours=9)), checker, filed.id, accept=False,
                                note="经现场核实，该处路灯已由供电部门修复")


def _settlements(session: Session, settings: Settings, report: DemoReport) -> None:
    """Past months settled: July–September paid, October with finance, November a draft."""

    if session.scalar(select(PaymentStatement.id).limit(1)) is not None:
        return
    users = {u.username: CurrentUser.of(u) for u in session.scalars(select(User))}
    officer, finance = users["officer"], users["finance"]
    now = settings.clock()
    today = now.astimezone(BUREAU_TZ).date()
    start = min((c.start_date for c in session.scalars(select(Contract).where(Contract.state == "active"))), default=None)
    if start is None:
        return
    month_day = date(start.year, start.month, 1)
    while month_day <= today:
        month = month_day.strftime("%Y-%m")
        next_month = date(month_day.year + (month_day.month == 12), month_day.month % 12 + 1, 1)
        run_at = FrozenClock(min(now, datetime(next_month.year, next_month.month, 3, 9, tzinfo=BUREAU_TZ)))
        result = payments.run_month(session, run_at, officer.actor, month)
        report.add("payment statements", result.created)
        if next_month <= today:
            for statement in result.statements:
                if not statement.assessed:
                    continue
                payments.submit(session, run_at, officer, statement.id)
                if next_month.month != today.month or next_month.year != today.year:
                    approve_at = FrozenClock(run_at() + timedelta(days=4))
                    payments.approve(session, approve_at, finance, statement.id)
                    paid_at = FrozenClock(approve_at() + timedelta(days=12))
                    if paid_at() <= now:
                        payments.pay(session, paid_at, finance, statement.id, paid_at().astimezone(BUREAU_TZ).date(),
                                     f"GK{month.replace('-', '')}{statement.contract_id:04d}")
        month_day = next_month
