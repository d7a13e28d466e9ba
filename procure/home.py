"""What each role sees first after logging in: its own work, as plain data for ``home.html``.

Part of the composition root: a home gathers work from many domains, so it lives above them all."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Redirect
from sqlalchemy.orm import Session

from procure.accounts.web import MaybeMe
from procure.kernel.web import DB, AppClock, page

from procure.accounts.rules import Role
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.kernel.clock import Clock
from procure.kernel.pagination import PageRequest
from procure.sites import services as sites
from procure.sites.services import SiteFilter
from procure.contractors import services as contractors
from procure.contracts import services as contracts
from procure.contracts.services import ContractFilter
from procure.evaluation import services as evaluation
from procure.tendering import services as tenders
from procure.tendering.rules import LotState, TenderState
from procure.tendering.services import TenderFilter


def home_context(session: Session, clock: Clock, user: CurrentUser) -> dict[str, Any]:
    context: dict[str, Any] = {"role": user.role}
    scope = SiteFilter(jurisdiction=user.jurisdiction_code)
    if user.role in (Role.OFFICER, Role.INSPECTOR, Role.FINANCE, Role.ADMIN):
        context["site_count"] = sites.list_sites(session, clock, scope, PageRequest(1, 1)).total
    if user.role == Role.OFFICER:
        # Newly built sites are what the next tender picks up (管养分开: handed over → tendered).
        context["pending_handover"] = sites.list_sites(
            session, clock, SiteFilter(jurisdiction=user.jurisdiction_code, handed_over=False), PageRequest(1, 10))
        context["recent_sites"] = sites.list_sites(
            session, clock, SiteFilter(jurisdiction=user.jurisdiction_code, handed_over=True),
            PageRequest(1, 10), home_jurisdiction_id=user.jurisdiction_id)
        context["budget"] = sites.estimate_budget(session, clock, scope)
    if user.role == Role.OFFICER:
        everything = tenders.list_tenders(session, clock, TenderFilter(), PageRequest(1, 200), include_drafts=True).items
        context["tender_work"] = [t for t in everything if t.state == TenderState.DRAFT
                                  or (t.state == TenderState.CLOSED and t.opened_at is None)
                                  or any(l.state == LotState.UNSUCCESSFUL for l in t.lots)][:10]
        context["pending_companies"] = contractors.list_contractors(session, PageRequest(1, 1), "pending").total
    if user.role == Role.CONTRACTOR and user.contractor_id is not None:
        context["company"] = contractors.of_user(session, user)
        context["open_tenders"] = tenders.list_tenders(session, clock, TenderFilter(state=TenderState.PUBLISHED),
                                                       PageRequest(1, 10), include_drafts=False).items
    if user.role == Role.EVALUATOR:
        context["committees"] = evaluation.my_committees(session, user)
    if user.role in (Role.OFFICER, Role.CONTRACTOR, Role.FINANCE):
        page = contracts.register(session, clock, ContractFilter(), PageRequest(1, 8), user)
        context["contracts"] = page.items
        context["contract_total"] = page.total
    if user.role == Role.FINANCE:
        context["budget"] = sites.estimate_budget(session, clock, scope)
    if user.role == Role.INSPECTOR:
        context["my_sites"] = sites.list_sites(session, clock, scope, PageRequest(1, 15),
                                               home_jurisdiction_id=user.jurisdiction_id)
    if user.role == Role.ADMIN:
        context["audit_rows"] = audit.count(session)
        context["recent_audit"] = audit.list_entries(session, PageRequest(1, 10)).items
    return context


class HomePage(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB, clock: AppClock, user: MaybeMe) -> Response:
        if user is None:
            return Redirect("/login")
        return page(request, "home.html", **home_context(db, clock, user))
