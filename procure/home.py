"""What each role sees first after logging in: its own work, as plain data for ``home.html``.

Part of the composition root: a home gathers work from many domains, so it lives above them all."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Redirect
from sqlalchemy.orm import Session

from procure.accounts.web import MaybeMe
from procure.kernel.web import DB, AppClock, AppSettings, page

from procure.accounts.rules import Role
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.bidding import services as bidding
from procure.cases import services as cases
from procure.cases.rules import CaseState
from procure.cases.services import CaseFilter
from procure.contracts.rules import ContractState
from procure.inspection import services as inspection
from procure.kernel.clock import Clock, last_complete_month, local_date, month_of
from procure.payments import services as payments
from procure.payments.services import StatementFilter, StatementState
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


def _inspector_day(session: Session, clock: Clock, user: CurrentUser) -> dict[str, Any]:
    """The inspector's day: this month's planned sites not yet inspected (their own street first),
    what they inspected today, the fixes to check and the citizen reports to verify."""
    month = month_of(clock())
    plans = inspection.plan_page(session, user, month)
    left = [(row["contract"], r) for row in plans["rows"] for r in row["planned"] if r.site.id not in row["done"]]
    planned = sum(len(row["planned"]) for row in plans["rows"])
    today = local_date(clock())
    done_today = [i for i in inspection.recent(session, user, 50) if local_date(i.inspected_at) == today]
    to_check = cases.list_cases(session, clock, user, CaseFilter(state=CaseState.RESPONDED), PageRequest(1, 10))
    return {"month": month, "left": left[:12], "left_total": len(left), "planned_total": planned,
            "undrawn": plans["undrawn"], "done_today": done_today, "to_check": to_check,
            "reports": cases.pending_reports(session)[:10]}


def _contractor_day(session: Session, clock: Clock, user: CurrentUser, index_key: bytes) -> dict[str, Any]:
    """The company's day: its open cases by deadline (with their clocks), open tenders, its bids,
    its latest statements."""
    now = clock()
    open_cases = cases.list_cases(session, clock, user, CaseFilter(state=CaseState.OPEN), PageRequest(1, 10))
    statements = payments.list_statements(session, clock, user, StatementFilter())[:6]
    return {"cases_due": open_cases, "case_timers": {c.id: cases.timer(c, now) for c in open_cases.items},
            "case_overdue": {c.id for c in open_cases.items if cases.overdue(c, now)},
            "my_bids": bidding.my_bids(session, clock, index_key, user)[:6], "statements": statements}


def home_context(session: Session, clock: Clock, user: CurrentUser, index_key: bytes = b"") -> dict[str, Any]:
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
        context["enquiries"] = tenders.unanswered_enquiries(session)
        context["short_committees"] = evaluation.lots_needing_members(session, clock)
        today = local_date(clock())
        drafts = contracts.register(session, clock, ContractFilter(state=ContractState.DRAFT), PageRequest(1, 50), user).items
        context["late_to_sign"] = [c for c in drafts if contracts.signing_late(c, today)]
        context["uncovered"] = contracts.uncovered_sites(session, clock, user.jurisdiction_code)
        everything = tenders.list_tenders(session, clock, TenderFilter(), PageRequest(1, 200), include_drafts=True).items
        context["tender_work"] = [t for t in everything if t.state == TenderState.DRAFT
                                  or (t.state == TenderState.CLOSED and t.opened_at is None)
                                  or any(l.state == LotState.UNSUCCESSFUL for l in t.lots)][:10]
        context["pending_companies"] = contractors.list_contractors(session, PageRequest(1, 1), "pending").total
    if user.role == Role.CONTRACTOR and user.contractor_id is not None:
        context["company"] = contractors.of_user(session, user)
        context["open_tenders"] = tenders.list_tenders(session, clock, TenderFilter(state=TenderState.PUBLISHED),
                                                       PageRequest(1, 10), include_drafts=False).items
    if user.role in (Role.OFFICER, Role.CONTRACTOR, Role.FINANCE):
        page = contracts.register(session, clock, ContractFilter(), PageRequest(1, 8), user)
        context["contracts"] = page.items
        context["contract_total"] = page.total
    if user.role == Role.FINANCE:
        context["awaiting"] = payments.list_statements(session, clock, user, StatementFilter(state=StatementState.SUBMITTED))
        approved = payments.list_statements(session, clock, user, StatementFilter(state=StatementState.APPROVED))
        today = local_date(clock())
        context["overdue_payments"] = [s for s in approved if payments.is_overdue(s, today)]
        context["to_pay"] = [s for s in approved if not payments.is_overdue(s, today)]
        context["last_month"] = last_complete_month(clock())
    if user.role == Role.INSPECTOR:
        context |= _inspector_day(session, clock, user)
    if user.role == Role.CONTRACTOR and user.contractor_id is not None:
        context |= _contractor_day(session, clock, user, index_key)
    if user.role == Role.EVALUATOR:
        context["my_work"] = evaluation.my_work(session, user)
    if user.role == Role.ADMIN:
        context["audit_rows"] = audit.count(session)
        context["recent_audit"] = audit.list_entries(session, PageRequest(1, 10)).items
    return context


class HomePage(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB, clock: AppClock, settings: AppSettings, user: MaybeMe) -> Response:
        if user is None:
            return Redirect("/login")
        return page(request, "home.html", **home_context(db, clock, user, settings.bid_index_mac_key()))
