"""The write half of the route × role matrix: every POST, PUT, PATCH and DELETE — API and page
forms, with a valid CSRF token — sent by every kind of person. Whoever is outside a route's
audience must be refused (401/403/404) and nothing may answer 5xx; the rightful actors' answers
depend on what they sent (an empty body is mostly a 400) and are only held to "never 5xx".

Runs on a demo district of its own: the rightful actors really act."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlalchemy import select, text

from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.audit.services import SYSTEM
from procure.app import create_app
from procure.kernel.clock import FrozenClock, system_clock
from tests.access.test_matrix import ACTORS, Person, World, _world
from tests.serving.conftest import auth_for, fill

#: Who may call each write route. A permission (as the Permission value), "public", "login", or
#: "committee": a member of that lot's committee (the service checks the seat and declaration).
AUDIENCE: dict[str, str] = {
    "/api/v1/auth/token": "public", "/login": "public", "/logout": "public", "/register": "public",
    "/api/v1/contractors": "public", "/public/report": "public", "/open311/v2/requests.json": "public",
    "/open311/v2/requests.xml": "public",
    "/notifications/read": "login", "/api/v1/auth/logout": "login",
    # Any login reaches these; the service then admits only the tender's opening officials
    # (tests/bidding/test_services.py: a non-official is refused) or staff (opening keys).
    "/api/v1/tenders/{tender_id:int}/opening": "login", "/tenders/{tender_id:int}/hall/shares": "login",
    "/api/v1/me/opening-key": "login", "/account/opening-key": "login",
}
#: Well-formed bodies for the committee's actions, so what answers is the seat check, not the
#: body's validation.
BODIES = {"declaration": {"no_conflict": True}, "compliance": {"bid_id": 1, "compliant": True},
          "abnormal": {"bid_id": 1, "decision": "accept", "reason": "matrix"},
          "scores": {"bid_id": 1, "points": {}}, "sheet": {}}
COMMITTEE = re.compile(r"^/(api/v1/lots/\{lot_id:int\}/(abnormal|compliance|declaration|scores|sheet)"
                       r"|lots/\{lot_id:int\}/evaluate/\w+)$")


def _guard_permissions(app) -> dict[tuple[str, str], set[str]]:  # type: ignore[no-untyped-def]
    """What each write route's guards ask for, read from the app: the test compares it with the
    audience the policy table below intends."""
    found: dict[tuple[str, str], set[str]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, handler in route.route_handler_map.items():
            if method in ("GET", "HEAD", "OPTIONS"):
                continue
            handler = handler[0] if isinstance(handler, tuple) else handler
            perms: set[str] = set()
            for layer in handler.ownership_layers:
                for guard in getattr(layer, "guards", None) or []:
                    for cell in getattr(guard, "__closure__", None) or []:
                        values = cell.cell_contents if isinstance(cell.cell_contents, tuple) else (cell.cell_contents,)
                        perms |= {str(v) for v in values}
            found[(method, route.path)] = perms
    return found


#: The intended audience of every write route by permission (docs/rules.md "Who sees what").
INTENDED: dict[str, str] = {
    "/admin/unit-rates": "unit_rates:manage", "/api/v1/unit-rates": "unit_rates:manage",
    "/admin/users": "users:manage", "/admin/users/{user_id:int}": "users:manage", "/api/v1/users": "users:manage",
    "/api/v1/users/{user_id:int}": "users:manage",
    "/api/v1/awards/{award_id:int}/notice": "tenders:manage", "/awards/{award_id:int}/notice": "tenders:manage",
    "/api/v1/awards/{award_id:int}/objections": "bids:submit", "/awards/{award_id:int}/object": "bids:submit",
    "/api/v1/objections/{objection_id:int}/answer": "tenders:manage",
    "/awards/{award_id:int}/objections/{objection_id:int}/answer": "tenders:manage",
    "/api/v1/bids/{bid_id:int}": "bids:submit", "/bids/{bid_id:int}/withdraw": "bids:submit",
    "/api/v1/lots/{lot_id:int}/bids": "bids:submit", "/tenders/{tender_id:int}/lots/{lot_id:int}/bid": "bids:submit",
    "/api/v1/cases/{case_id:int}/close": "cases:check", "/api/v1/cases/{case_id:int}/reopen": "cases:check",
    "/cases/{case_id:int}/check": "cases:check", "/reports/{report_id:int}/verify": "cases:check",
    "/api/v1/cases/{case_id:int}/respond": "cases:respond", "/cases/{case_id:int}/respond": "cases:respond",
    "/api/v1/cases/{case_id:int}/void": "cases:void", "/cases/{case_id:int}/void": "cases:void",
    "/api/v1/contractors/me/documents": "bids:submit", "/company/documents": "bids:submit",
    "/api/v1/contractors/{contractor_id:int}/approve": "contractors:review",
    "/api/v1/contractors/{contractor_id:int}/reject": "contractors:review",
    "/contractors/{contractor_id:int}/decide": "contractors:review",
    "/api/v1/contracts/{contract_id:int}": "tenders:manage", "/api/v1/contracts/{contract_id:int}/resume": "tenders:manage",
    "/api/v1/contracts/{contract_id:int}/suspend": "tenders:manage",
    "/api/v1/contracts/{contract_id:int}/terminate": "tenders:manage",
    "/api/v1/contracts/{contract_id:int}/variations": "tenders:manage", "/contracts/{contract_id:int}/end": "tenders:manage",
    "/contracts/{contract_id:int}/terms": "tenders:manage", "/contracts/{contract_id:int}/variations": "tenders:manage",
    "/api/v1/contracts/{contract_id:int}/media-exposures": "payments:run",
    "/api/v1/contracts/{contract_id:int}/retention-release": "payments:approve",
    "/api/v1/contracts/{contract_id:int}/sign": "contracts:sign", "/contracts/{contract_id:int}/sign": "contracts:sign",
    "/api/v1/enquiries/{enquiry_id:int}/answer": "tenders:manage",
    "/tenders/{tender_id:int}/enquiries/{enquiry_id:int}/answer": "tenders:manage",
    "/api/v1/inspection-templates": "templates:manage",
    "/api/v1/inspections": "inspections:write", "/api/v1/sampling-plans": "inspections:write",
    "/inspect/plans": "inspections:write", "/inspect/site/{site_id:int}": "inspections:write",
    "/api/v1/lots/{lot_id:int}/award": "tenders:manage", "/lots/{lot_id:int}/award": "tenders:manage",
    "/api/v1/lots/{lot_id:int}/committee": "tenders:manage", "/lots/{lot_id:int}/evaluation/committee": "tenders:manage",
    "/api/v1/lots/{lot_id:int}/committee/replacement": "tenders:manage",
    "/lots/{lot_id:int}/evaluation/replacement": "tenders:manage",
    "/api/v1/lots/{lot_id:int}/evaluation/finalize": "tenders:manage",
    "/lots/{lot_id:int}/evaluation/finalize": "tenders:manage",
    "/api/v1/lots/{lot_id:int}/retender": "tenders:manage",
    "/tenders/{tender_id:int}/lots/{lot_id:int}/retender": "tenders:manage",
    "/api/v1/me/relations": "committee:sit",
    "/api/v1/payment-statements/{statement_id:int}/approve": "payments:approve",
    "/api/v1/payment-statements/{statement_id:int}/pay": "payments:approve",
    "/api/v1/payment-statements/{statement_id:int}/return": "payments:approve",
    "/payments/statements/{statement_id:int}/decide": "payments:approve",
    "/payments/statements/{statement_id:int}/pay": "payments:approve",
    "/api/v1/payment-statements/{statement_id:int}/submit": "payments:run",
    "/payments/statements/{statement_id:int}/submit": "payments:run",
    "/api/v1/payments/runs": "payments:run", "/payments/run": "payments:run",
    "/api/v1/sites": "sites:write", "/api/v1/sites/import": "sites:write", "/api/v1/sites/{site_id:int}": "sites:write",
    "/sites/import": "sites:write", "/sites/new": "sites:write", "/sites/{site_id:int}/edit": "sites:write",
    "/api/v1/tenders": "tenders:manage", "/api/v1/tenders/{tender_id:int}": "tenders:manage",
    "/api/v1/tenders/{tender_id:int}/amendments": "tenders:manage", "/api/v1/tenders/{tender_id:int}/cancel": "tenders:manage",
    "/api/v1/tenders/{tender_id:int}/publish": "tenders:manage", "/tenders/new": "tenders:manage",
    "/tenders/{tender_id:int}/amend": "tenders:manage", "/tenders/{tender_id:int}/cancel": "tenders:manage",
    "/tenders/{tender_id:int}/edit": "tenders:manage", "/tenders/{tender_id:int}/publish": "tenders:manage",
    "/api/v1/tenders/{tender_id:int}/enquiries": "bids:submit", "/tenders/{tender_id:int}/ask": "bids:submit",
}


def _allowed(w: World, p: Person, template: str, lot_id: int | None) -> bool:
    if template in AUDIENCE:
        return AUDIENCE[template] == "public" or p.name is not None
    if COMMITTEE.match(template):
        return lot_id is not None and p.id in w.seated.get(lot_id, set())
    return p.can(INTENDED[template])


def test_write_guards_match_the_intended_audiences(fresh_demo):  # type: ignore[no-untyped-def]
    app = create_app(fresh_demo.settings())
    for (method, path), perms in _guard_permissions(app).items():
        if path in AUDIENCE or COMMITTEE.match(path):
            continue
        assert path in INTENDED, f"{method} {path} has no intended audience in the matrix"
        assert INTENDED[path] in perms, f"{method} {path} is guarded by {perms}, the policy says {INTENDED[path]}"


def test_every_write_route_refuses_whoever_is_outside_its_audience(fresh_demo):  # type: ignore[no-untyped-def]
    now = system_clock() + timedelta(minutes=1)
    app = create_app(fresh_demo.settings(FrozenClock(now)))
    w = _world(fresh_demo)
    with fresh_demo.database.reader() as s:
        def first(table: str, n: int = 2) -> list[str]:
            return [str(v) for v in s.scalars(text(f"SELECT id FROM {table} ORDER BY id LIMIT {n}"))]
        ids = {"tender_id": first("tender", 4), "lot_id": first("lot", 6), "site_id": first("site", 1),
               "user_id": first("user_account", 1), "contractor_id": first("contractor", 1),
               "contract_id": first("contract", 2), "statement_id": first("payment_statement", 2),
               "case_id": first("rectification_case", 2), "award_id": first("award", 2),
               "bid_id": first("bid", 2), "enquiry_id": first("enquiry", 1), "objection_id": first("objection", 1) or ["1"],
               "report_id": first("citizen_report", 1)}
    routes = sorted((m, r.path) for r in app.routes if isinstance(r, HTTPRoute)
                    for m in r.methods if m not in ("GET", "HEAD", "OPTIONS"))
    holes, tried = [], 0
    with TestClient(app, base_url="http://testserver.local") as client:
        for name in ACTORS:
            person = w.people[name]
            headers, cookies = auth_for(fresh_demo.database, name, now)
            client.cookies.clear()
            for k, v in cookies.items():
                client.cookies.set(k, v)
            token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text)
            form = {"_csrf_token": token.group(1) if token else ""}
            for method, template in routes:
                if template in ("/logout", "/login", "/api/v1/auth/token"):
                    continue  # these change who is asking; tests/accounts covers them
                for path in fill(template, ids):
                    lot = re.search(r"/lots/(\d+)", path)
                    allowed = _allowed(w, person, template, int(lot.group(1)) if lot else None)
                    if path.startswith(("/api/", "/open311/")):
                        body = BODIES.get(path.rsplit("/", 1)[-1], {}) if COMMITTEE.match(template) else {}
                        response = client.request(method, path, headers=headers, json=body)
                    else:
                        response = client.request(method, path, data=form, follow_redirects=False)
                    tried += 1
                    assert response.status_code < 500, f"{name} {method} {path}: {response.status_code} {response.text[:200]}"
                    if not allowed and response.status_code not in (401, 403, 404) and not (
                            name is None and response.status_code in (302, 303)
                            and response.headers.get("location", "").startswith("/login")):
                        holes.append(f"{name} {method} {path}: {response.status_code} {response.text[:100]}")
    print(f"write matrix: {tried} cells, {len(holes)} holes")  # pytest -s shows it
    assert tried > 1000
    assert not holes, f"{len(holes)} holes of {tried} cells:\n" + "\n".join(holes[:60])


def test_a_company_login_without_a_company_owns_nothing(fresh_demo):  # type: ignore[no-untyped-def]
    """H7: a contractor-role login with no company (an admin made it, or a role change) matched
    every record that has no company — cases without a contract among them."""
    with fresh_demo.database.session() as s:
        if s.scalar(select(User.id).where(User.username == "nocompany2")) is None:
            accounts.create_user(s, system_clock, SYSTEM, username="nocompany2", password="no-company-login-2",
                                 role="contractor", display_name="无单位账号")
        orphan = s.execute(text("SELECT id FROM rectification_case WHERE contractor_id IS NULL LIMIT 1")).scalar()
    app = create_app(fresh_demo.settings())
    headers, _ = auth_for(fresh_demo.database, "nocompany2", system_clock())
    with TestClient(app, base_url="http://testserver.local") as client:
        listed = client.get("/api/v1/cases", headers=headers)
        assert listed.status_code == 200 and listed.json()["total"] == 0
        if orphan is not None:
            assert client.get(f"/api/v1/cases/{orphan}", headers=headers).status_code == 404
        assert client.get("/api/v1/contracts", headers=headers).json()["total"] == 0
