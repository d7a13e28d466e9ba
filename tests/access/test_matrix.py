"""The route × role matrix (issue 11): every GET route — API, page, PDF, download — asked by every
kind of person, with the answer each cell must give, derived from the demo world's facts (who bid
where, which lot was opened, who sits declared on which committee, whose contract is whose).

The audiences written here are the specification (docs/rules.md "Who sees what"); the code under
test decides through accounts.policy and the Permission guards. A cell that answers 200 where it
must refuse is a hole; a cell that refuses its rightful reader is a regression.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from litestar.testing import TestClient
from sqlalchemy import select, text

from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.accounts.rules import ROLE_PERMISSIONS, Role
from procure.app import create_app
from procure.audit.services import SYSTEM
from procure.kernel.clock import FrozenClock, system_clock
from procure.bidding.rules import bidder_tag
from tests.serving.conftest import DEMO_INDEX_KEY, auth_for, fill, get_route_templates

#: 15 actors: the public, both officers, both inspectors, finance, admin, four evaluators in
#: every committee situation, and four company logins (a bidder, a bidder on every lot, a company
#: that never bid, and a company login that belongs to no company).
ACTORS = [None, "officer", "officer2", "inspector", "inspector2", "finance", "admin",
          "evaluator", "evaluator2", "evaluator6", "evaluator7",
          "contractor", "contractor2", "contractor5", "nocompany"]


@dataclass
class Person:
    name: str | None
    id: int = 0
    role: str = ""
    contractor_id: int | None = None

    def can(self, permission: str) -> bool:
        return bool(self.role) and permission in {p.value for p in ROLE_PERMISSIONS[Role(self.role)]}

    @property
    def company(self) -> bool:
        return self.role == Role.CONTRACTOR


@dataclass
class World:
    people: dict[str | None, Person]
    lot_opened: dict[int, bool]
    declared: dict[int, set[int]]          # lot → user ids who sit declared
    seated: dict[int, set[int]]            # lot → user ids who sit (declared or not)
    bids: dict[int, tuple[int, int]]       # bid → (lot, company)
    bid_documents: dict[int, tuple[int, int]]  # document → (bid, lot)
    documents: dict[int, set[int]]         # unsealed document → companies whose evidence it is
    pictures: set[int]                     # those of them that are photos (they have thumbnails)
    uploaded_by: dict[int, int | None]
    contracts: dict[int, int]              # contract → company
    statements: dict[int, int]
    cases: dict[int, int | None]
    inspections: dict[int, int | None]
    finalised: set[int] = field(default_factory=set)
    drafts: set[int] = field(default_factory=set)      # tenders not yet published
    opened: set[int] = field(default_factory=set)      # tenders whose opening record exists
    lot_tender: dict[int, int] = field(default_factory=dict)
    holders: dict[int, set[int]] = field(default_factory=dict)  # tender → its opening officials
    awaiting_opening: set[int] = field(default_factory=set)     # settled after the deadline, not opened


def _world(demo) -> World:  # type: ignore[no-untyped-def]
    with demo.database.session() as s:
        if s.scalar(select(User.id).where(User.username == "nocompany")) is None:
            accounts.create_user(s, system_clock, SYSTEM, username="nocompany", password="no-company-login-1",
                                 role="contractor", display_name="无单位账号")
    with demo.database.reader() as s:
        def rows(sql: str) -> list:  # type: ignore[type-arg]
            return list(s.execute(text(sql)).all())

        people: dict[str | None, Person] = {None: Person(None)}
        for uid, name, role, cid in rows("SELECT id, username, role, contractor_id FROM user_account"):
            people[name] = Person(name, uid, role, cid)
        seated: dict[int, set[int]] = {}
        declared: dict[int, set[int]] = {}
        for lot, uid, at in rows("SELECT c.lot_id, m.user_id, m.declared_at FROM committee_member m "
                                 "JOIN committee c ON c.id = m.committee_id"):
            seated.setdefault(lot, set()).add(uid)
            if at is not None:
                declared.setdefault(lot, set()).add(uid)
        documents: dict[int, set[int]] = {d: set() for (d,) in rows("SELECT id FROM document WHERE sealed_tender_id IS NULL")}
        for d, c in rows("SELECT document_id, contractor_id FROM contractor_document"):
            documents[d].add(c)
        for d, c in rows("SELECT p.document_id, k.contractor_id FROM inspection_photo p JOIN inspection i ON i.id = p.inspection_id "
                         "JOIN contract k ON k.id = i.contract_id"):
            documents[d].add(c)
        for d, c in rows("SELECT p.document_id, r.contractor_id FROM case_event_photo p JOIN case_event e ON e.id = p.case_event_id "
                         "JOIN rectification_case r ON r.id = e.case_id WHERE r.contractor_id IS NOT NULL"):
            documents[d].add(c)
        return World(
            people=people,
            lot_opened={lot: at is not None for lot, at in rows("SELECT id, opened_at FROM lot")},
            declared=declared, seated=seated,
            bids=_bidders(rows),
            bid_documents={d: (b, lot) for d, b, lot in rows(
                "SELECT bd.document_id, b.id, b.lot_id FROM bid_document bd JOIN bid b ON b.id = bd.bid_id WHERE b.state = 'submitted'")},
            documents=documents,
            pictures={d for (d,) in rows("SELECT id FROM document WHERE sealed_tender_id IS NULL "
                                         "AND content_type IN ('image/jpeg', 'image/png')")},
            uploaded_by={d: u for d, u in rows("SELECT id, uploaded_by_id FROM document")},
            contracts={k: c for k, c in rows("SELECT id, contractor_id FROM contract")},
            statements={p: c for p, c in rows("SELECT p.id, k.contractor_id FROM payment_statement p JOIN contract k ON k.id = p.contract_id")},
            cases={k: c for k, c in rows("SELECT id, contractor_id FROM rectification_case")},
            inspections={i: c for i, c in rows("SELECT i.id, k.contractor_id FROM inspection i LEFT JOIN contract k ON k.id = i.contract_id")},
            finalised={lot for (lot,) in rows("SELECT lot_id FROM committee WHERE finalized_at IS NOT NULL")},
            drafts={t for (t,) in rows("SELECT id FROM tender WHERE state = 'draft'")},
            opened={t for (t,) in rows("SELECT id FROM tender WHERE opened_at IS NOT NULL")},
            lot_tender={lot: t for lot, t in rows("SELECT id, tender_id FROM lot")},
            holders=_holders(rows("SELECT tender_id, user_id FROM opening_holder")),
            awaiting_opening={t for (t,) in rows("SELECT id FROM tender WHERE opened_at IS NULL AND settled_at IS NOT NULL "
                                                 "AND state <> 'cancelled'")},
        )


def _holders(pairs) -> dict[int, set[int]]:  # type: ignore[no-untyped-def]
    holders: dict[int, set[int]] = {}
    for tender, user in pairs:
        holders.setdefault(tender, set()).add(user)
    return holders


def _bidders(rows) -> dict[int, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """bid → (lot, company): named once opened; while sealed, found as the app finds a company's own
    bid, by its blind index (bidding.rules.bidder_tag) under the demo's key."""
    companies = [c for (c,) in rows("SELECT id FROM contractor")]
    found = {}
    for bid, lot, company, tag in rows("SELECT id, lot_id, contractor_id, bidder_tag FROM bid WHERE state = 'submitted'"):
        if company is None:
            company = next(c for c in companies if bidder_tag(DEMO_INDEX_KEY.encode(), lot, c) == tag)
        found[bid] = (lot, company)
    return found


# --- the audiences ----------------------------------------------------------------------------

Rule = Callable[[World, Person, dict[str, int]], bool]


def public(_w: World, _p: Person, _a: dict[str, int]) -> bool:
    return True


def login(_w: World, p: Person, _a: dict[str, int]) -> bool:
    return p.name is not None


def perm(permission: str) -> Rule:
    return lambda _w, p, _a: p.can(permission)


def own_or(permission: str, owner: Callable[[World, dict[str, int]], int | None]) -> Rule:
    """A company's record: its own company, or staff holding ``permission`` (accounts.policy)."""
    def rule(w: World, p: Person, a: dict[str, int]) -> bool:
        if p.company:
            return p.contractor_id is not None and owner(w, a) == p.contractor_id
        return p.can(permission)
    return rule


def lot_bids(w: World, p: Person, a: dict[str, int]) -> bool:
    if p.company:
        return p.contractor_id is not None  # its own bids (the answer is checked to hold no other)
    opened = w.lot_opened[a["lot_id"]]
    return opened and (p.can("bids:open") or (p.role == Role.EVALUATOR and p.id in w.declared.get(a["lot_id"], set())))


def bid_document(w: World, p: Person, a: dict[str, int]) -> bool:
    bid, lot = w.bid_documents[a["document_id"]]
    if a["bid_id"] != bid:
        return False
    if p.company and p.contractor_id == w.bids[bid][1]:
        return True
    return not p.company and lot_bids(w, p, {"lot_id": lot})


def own_bid(w: World, p: Person, a: dict[str, int]) -> bool:
    return p.company and p.contractor_id is not None and w.bids[a["bid_id"]][1] == p.contractor_id


def document(w: World, p: Person, a: dict[str, int]) -> bool:
    d = a["document_id"]
    if p.name is None:
        return False
    if w.uploaded_by.get(d) == p.id:
        return True
    if p.company:
        return p.contractor_id is not None and p.contractor_id in w.documents[d]
    return p.can("documents:read")


def committee_page(w: World, p: Person, a: dict[str, int]) -> bool:
    return p.id in w.seated.get(a["lot_id"], set())


def contract_month(w: World, p: Person, a: dict[str, int]) -> bool:
    return own_or("inspections:read", lambda w, a: w.contracts[a["contract_id"]])(w, p, a)


def tender(w: World, p: Person, a: dict[str, int]) -> bool:
    """A published tender is public; a draft exists only for the procurement officers."""
    return a["tender_id"] not in w.drafts or p.can("tenders:manage")


def notice(w: World, _p: Person, a: dict[str, int]) -> bool:
    return a["tender_id"] not in w.drafts  # a draft has no notice yet


def company(_w: World, p: Person, _a: dict[str, int]) -> bool:
    """A company's own pages: a company login that belongs to a company."""
    return p.company and p.contractor_id is not None


def my_result(w: World, p: Person, a: dict[str, int]) -> bool:
    return company(w, p, a) and a["lot_id"] in w.finalised and any(
        lot == a["lot_id"] and c == p.contractor_id for lot, c in w.bids.values())


def opening(w: World, _p: Person, a: dict[str, int]) -> bool:
    return a["tender_id"] in w.opened


def awaiting_my_shares(w: World, p: Person, a: dict[str, int]) -> bool:
    """An opening official's own encrypted shares: theirs, while the tender awaits its opening."""
    return a["tender_id"] in w.awaiting_opening and p.id in w.holders.get(a["tender_id"], set())


def finalised_report(w: World, p: Person, a: dict[str, int]) -> bool:
    return p.can("tenders:manage") and a["lot_id"] in w.finalised


SPEC: dict[str, Rule] = {
    "/": public, "/login": public, "/register": public, "/register/done": public, "/tenders": public, "/tenders/{tender_id:int}": tender,
    "/tenders/{tender_id:int}/notice.pdf": notice, "/tenders/{tender_id:int}/opening": opening,
    "/api/v1/tenders": public, "/api/v1/tenders/{tender_id:int}": tender,
    "/api/v1/tenders/{tender_id:int}/notice.pdf": notice, "/api/v1/tenders/{tender_id:int}/opening": opening,
    "/awards/{award_id:int}": public, "/awards/{award_id:int}/notice.pdf": public,
    "/api/v1/awards/{award_id:int}": public, "/api/v1/awards/{award_id:int}/notice.pdf": public,
    "/public": public, "/public/cases": public, "/public/contracts": public, "/public/payments": public,
    "/public/report": public, "/public/boundary.geojson": public, "/public/track/{code:str}": public, "/public/track/{code:str}/photo": public, "/public/scores": public,
    "/api/v1/public/ocds/releases": public, "/api/v1/public/ocds/records/{ocid:str}": public,
    "/api/v1/public/ocds/bulk": public, "/api/v1/public/ocds/bulk/{bulk_file:str}": public,
    "/api/v1/public/ocds/extensions/{name:str}/{file:path}": public, "/public/open-data": public,
    "/open311/v2/requests.json": public, "/open311/v2/requests.xml": public,
    "/open311/v2/requests/{request_file:str}": public, "/open311/v2/services.json": public,
    "/open311/v2/services.xml": public, "/open311/v2/services/{service_file:str}": public,
    "/api/v1/public/audit-head": public,
    "/tenders/{tender_id:int}/hall": tender, "/api/v1/tenders/{tender_id:int}/hall": tender,
    "/api/v1/lots/{lot_id:int}/sealing": lambda w, p, a: w.lot_tender[a["lot_id"]] not in w.drafts,
    "/api/v1/tenders/{tender_id:int}/opening/shares": awaiting_my_shares,
    "/tenders/{tender_id:int}/hall/my-shares": awaiting_my_shares,
    "/api/v1/me/opening-key": login, "/account/opening-key": login,
    "/api/v1/auth/me": login, "/notifications": login, "/api/v1/notifications": login,
    "/api/v1/jurisdictions": login, "/api/v1/inspection-templates": login,
    "/admin/audit": perm("audit:read"), "/admin/audit/export.csv": perm("audit:read"),
    "/admin/audit/{entry_id:int}": perm("audit:read"), "/admin/unit-rates": perm("budget:read"), "/api/v1/unit-rates": perm("budget:read"),
    "/admin/users": perm("users:manage"), "/admin/users/{user_id:int}": perm("users:manage"),
    "/api/v1/users": perm("users:manage"),
    "/api/v1/contractors": perm("contractors:review"), "/contractors": perm("contractors:review"),
    "/api/v1/contractors/{contractor_id:int}": own_or("contractors:review", lambda w, a: a["contractor_id"]),
    "/company": company,
    "/api/v1/sites": perm("sites:read"), "/api/v1/sites/{site_id:int}": perm("sites:read"),
    "/api/v1/sites/uncovered": perm("sites:read"), "/sites": perm("sites:read"), "/sites/{site_id:int}": perm("sites:read"),
    "/api/v1/sites/budget": perm("budget:read"),
    "/sites/new": perm("sites:write"), "/sites/import": perm("sites:write"), "/sites/{site_id:int}/edit": perm("sites:write"),
    "/reports/budget": perm("budget:read"), "/reports/kaoping": perm("budget:read"),
    "/reports/kaoping.pdf": perm("budget:read"), "/reports/kaoping.xlsx": perm("budget:read"),
    "/tenders/new": perm("tenders:manage"), "/tenders/{tender_id:int}/edit": perm("tenders:manage"),
    "/api/v1/lots/{lot_id:int}/bids": lot_bids,
    "/api/v1/bids/{bid_id:int}/documents/{document_id:int}": bid_document,
    "/bids/{bid_id:int}/documents/{document_id:int}": bid_document,
    "/api/v1/bids/{bid_id:int}/receipt.pdf": own_bid, "/bids/{bid_id:int}/receipt.pdf": own_bid,
    "/api/v1/me/bids": company, "/my/bids": company,
    "/api/v1/lots/{lot_id:int}/my-result": my_result,
    "/documents/{document_id:int}": document, "/documents/{document_id:int}/thumb": document,
    "/evaluations": perm("evaluations:view"),
    "/lots/{lot_id:int}/evaluate": committee_page,
    "/lots/{lot_id:int}/evaluation": perm("tenders:manage"), "/api/v1/lots/{lot_id:int}/evaluation": perm("tenders:manage"),
    "/lots/{lot_id:int}/evaluation/report.pdf": finalised_report,
    "/api/v1/lots/{lot_id:int}/evaluation/report.pdf": finalised_report,
    "/api/v1/contracts": perm("contracts:read"), "/contracts": perm("contracts:read"),
    "/api/v1/contracts/{contract_id:int}": own_or("contracts:read", lambda w, a: w.contracts[a["contract_id"]]),
    "/contracts/{contract_id:int}": own_or("contracts:read", lambda w, a: w.contracts[a["contract_id"]]),
    "/api/v1/contracts/{contract_id:int}/contract.pdf": own_or("contracts:read", lambda w, a: w.contracts[a["contract_id"]]),
    "/contracts/{contract_id:int}/contract.pdf": own_or("contracts:read", lambda w, a: w.contracts[a["contract_id"]]),
    "/api/v1/contracts/{contract_id:int}/scores": contract_month, "/contracts/{contract_id:int}/month": contract_month,
    "/contracts/{contract_id:int}/month.pdf": contract_month,
    "/api/v1/payment-statements": perm("payments:read"), "/payments": perm("payments:read"),
    "/api/v1/payment-statements/{statement_id:int}": own_or("payments:read", lambda w, a: w.statements[a["statement_id"]]),
    "/payments/statements/{statement_id:int}": own_or("payments:read", lambda w, a: w.statements[a["statement_id"]]),
    "/api/v1/payment-statements/{statement_id:int}/certificate.pdf":
        own_or("payments:read", lambda w, a: w.statements[a["statement_id"]]),
    "/payments/statements/{statement_id:int}/certificate.pdf":
        own_or("payments:read", lambda w, a: w.statements[a["statement_id"]]),
    "/api/v1/payments/ledger.csv": perm("payments:approve"), "/api/v1/payments/ledger.xlsx": perm("payments:approve"),
    "/payments/ledger.csv": perm("payments:approve"), "/payments/ledger.xlsx": perm("payments:approve"),
    "/api/v1/cases": perm("cases:read"), "/cases": perm("cases:read"),
    "/api/v1/cases/{case_id:int}": own_or("cases:read", lambda w, a: w.cases[a["case_id"]]),
    "/cases/{case_id:int}": own_or("cases:read", lambda w, a: w.cases[a["case_id"]]),
    "/api/v1/cases/rates": perm("case_rates:read"), "/cases/rates": perm("case_rates:read"),
    "/api/v1/inspections/{inspection_id:int}": own_or("inspections:read", lambda w, a: w.inspections[a["inspection_id"]]),
    "/inspections/{inspection_id:int}": own_or("inspections:read", lambda w, a: w.inspections[a["inspection_id"]]),
    "/inspections/{inspection_id:int}/report.pdf":
        own_or("inspections:read", lambda w, a: w.inspections[a["inspection_id"]]),
    "/api/v1/sampling-plans": perm("inspections:read"),
    "/inspect": perm("inspections:write"), "/inspect/site/{site_id:int}": perm("inspections:write"),
}


def _sampled_documents(w: World, *, pictures_only: bool) -> list[int]:
    """Every document that is not a photo, and three photos of each set of owners (the demo has
    hundreds of photos; their rule is the same for each of an owner's)."""
    chosen: list[int] = []
    per_owners: dict[frozenset[int], int] = {}
    for d in sorted(w.documents):
        if d not in w.pictures:
            if not pictures_only:
                chosen.append(d)
            continue
        owners = frozenset(w.documents[d])
        if per_owners.get(owners, 0) < 3:
            per_owners[owners] = per_owners.get(owners, 0) + 1
            chosen.append(d)
    return chosen


def _ids(w: World, demo) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with demo.database.reader() as s:
        def first(table: str, n: int = 3) -> list[str]:
            return [str(v) for v in s.scalars(text(f"SELECT id FROM {table} ORDER BY id LIMIT {n}"))]
        from procure.publishing.ocds import ocid
        lots = s.execute(text("SELECT tender_id, id FROM lot ORDER BY id")).all()
        return {
            "tender_id": first("tender", 10), "lot_id": [str(lot) for _, lot in lots], "site_id": first("site", 1),
            "user_id": first("user_account", 1), "contractor_id": first("contractor", 3),
            "contract_id": [str(k) for k in w.contracts], "statement_id": [str(k) for k in list(w.statements)[:4]],
            "case_id": [str(k) for k in list(w.cases)[:6]], "inspection_id": [str(k) for k in list(w.inspections)[:3]],
            "award_id": first("award", 2), "entry_id": first("audit_entry", 2),
            "code": [str(c) for c in s.scalars(text("SELECT tracking_code FROM citizen_report WHERE photo_id IS NOT NULL "
                                                     "ORDER BY id LIMIT 1"))], "report_id": first("citizen_report", 1), "request_file": [f"{i}.{f}" for i in first("citizen_report", 1) for f in ("json", "xml")],
            "service_file": ["street_light.xml", "facility_damage.json"],
            "ocid": [ocid("yhcg01", t, lot) for t, lot in lots[:2]],
            "bulk_file": ["2026.json"], "name": ["bids"], "file": ["extension.json", "codelists/bidStatus.csv"],
        }


def _cells(w: World, demo, templates: list[str]) -> list[tuple[str, str, dict[str, int]]]:  # type: ignore[no-untyped-def]
    """(template, path, the path's ids) for every way the matrix fills a template."""
    ids = _ids(w, demo)
    cells = []
    for template in templates:
        if template.endswith("/bids/{bid_id:int}/documents/{document_id:int}"):
            for d, (b, _lot) in w.bid_documents.items():
                cells.append((template, template.replace("{bid_id:int}", str(b)).replace("{document_id:int}", str(d)),
                              {"bid_id": b, "document_id": d}))
            continue
        if template.endswith("/bids/{bid_id:int}/receipt.pdf"):
            for b in w.bids:
                cells.append((template, template.replace("{bid_id:int}", str(b)), {"bid_id": b}))
            continue
        if template in ("/documents/{document_id:int}", "/documents/{document_id:int}/thumb"):
            for d in _sampled_documents(w, pictures_only=template.endswith("/thumb")):
                cells.append((template, template.replace("{document_id:int}", str(d)), {"document_id": d}))
            continue
        for path in fill(template, ids):
            names = re.findall(r"{(\w+)(?::\w+)?}", template)
            match = re.match("^" + re.sub(r"{\w+(?::\w+)?}", "([^/]+)", template) + "$", path)
            values = {n: int(v) if v.isdigit() else 0 for n, v in zip(names, match.groups())} if match else {}
            cells.append((template, path + QUERY.get(template, ""), values))
    return cells


#: Query parameters a route requires (a request without them is a 400 before anyone is asked).
QUERY = {"/api/v1/contracts/{contract_id:int}/scores": "?month=2026-10",
         "/contracts/{contract_id:int}/month.pdf": "?month=2026-10", "/api/v1/cases/rates": "?month=2026-10",
         "/api/v1/sampling-plans": "?month=2026-10", "/api/v1/inspection-templates": "?kind=road",
         "/api/v1/payments/ledger.csv": "?month=2026-10", "/api/v1/payments/ledger.xlsx": "?month=2026-10",
         "/payments/ledger.csv": "?month=2026-10", "/payments/ledger.xlsx": "?month=2026-10"}


def _allowed_statuses(path: str) -> set[int]:
    return {200, 302, 303} if path in ("/", "/login", "/register") else {200}


def _denied_statuses(person: Person, path: str) -> set[int]:
    api = path.startswith("/api/")
    if person.name is None:
        # 401 (or the login page) to log in first; 404 where the thing is hidden from everyone.
        return {401, 404} if api else {401, 302, 303, 404}
    if path.endswith(("/opening/shares", "/hall/my-shares")):
        return {403, 404, 409}  # an official, at a moment with nothing to open: a clear 409
    return {403, 404}


def test_every_get_route_answers_each_person_as_the_policy_says(demo):  # type: ignore[no-untyped-def]
    now = system_clock() + timedelta(minutes=1)
    app = create_app(demo.settings(FrozenClock(now)))
    w = _world(demo)
    templates = get_route_templates(app)
    missing = [t for t in templates if t not in SPEC]
    assert not missing, f"routes without an audience in the matrix: {missing}"
    cells = _cells(w, demo, templates)
    holes, refused, tried = [], [], 0
    with TestClient(app, base_url="http://testserver.local") as client:
        for name in ACTORS:
            person = w.people[name]
            headers, cookies = auth_for(demo.database, name, now)
            client.cookies.clear()
            for k, v in cookies.items():
                client.cookies.set(k, v)
            for template, path, values in cells:
                response = client.get(path, headers=headers if path.startswith("/api/") else {}, follow_redirects=False)
                tried += 1
                assert response.status_code < 500, f"{name} GET {path}: {response.status_code} {response.text[:200]}"
                allowed = SPEC[template](w, person, values)
                if allowed and response.status_code not in _allowed_statuses(path):
                    refused.append(f"{name} GET {path}: {response.status_code} (should be allowed) {response.text[:200].splitlines()[0] if response.text else ''}")
                if not allowed and response.status_code not in _denied_statuses(person, path):
                    holes.append(f"{name} GET {path}: {response.status_code} (should be refused)")
                if allowed and template == "/api/v1/lots/{lot_id:int}/bids" and person.company:
                    others = [b for b in response.json() if w.bids[b["id"]][1] != person.contractor_id]
                    if others:
                        holes.append(f"{name} GET {path}: sees other companies' bids {others}")
    print(f"GET matrix: {tried} cells, {len(holes)} holes, {len(refused)} rightful readers refused")  # pytest -s shows it
    assert tried > 2000
    assert not holes, f"{len(holes)} holes of {tried} cells:\n" + "\n".join(holes[:60])
    assert not refused, f"{len(refused)} rightful readers refused of {tried} cells:\n" + "\n".join(refused[:60])
