"""Reports for the bureau: the 考评 table, contractor trends and scorecards, budget against spend."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from procure.bidding import services as bidding
from procure.kernel import bounds
from procure.cases import rules as case_rules
from procure.cases.models import Case
from procure.kernel.clock import day_start, Clock, local_date
from procure.contractors.models import Contractor
from procure.contracts.models import Contract, ContractSite
from procure.contracts.rules import end_date
from procure.kernel.errors import InvalidInput
from procure.inspection import rules as inspection_rules
from procure.inspection.models import Finding, Inspection
from procure.inspection.services import month_scores, sites_in_month
from procure.kernel.clock import month_bounds, month_of, month_span
from procure.payments.models import PaymentStatement
from procure.reports import rules
from procure.sites.models import Site
from procure.accounts.models import Jurisdiction, User
from procure.sites.rules import budget_estimate
from procure.kernel.money import round2
from procure.sites.services import unit_rates



def months_back(month: str, n: int) -> list[str]:
    year, mon = (int(p) for p in month.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return list(reversed(out))


def _window(month: str) -> list[str]:
    """The 12 months to ``month`` (checked by the caller), oldest first; months are 2000-01 or later
    (month_bounds), so in 2000 the window is shorter."""
    return [m for m in months_back(month, 12) if m >= f"{bounds.MIN_YEAR:04d}-01"]


def _streets(session: Session) -> list[Jurisdiction]:
    return list(session.scalars(select(Jurisdiction).where(Jurisdiction.level.in_(["street", "town", "zone"]))
                                .order_by(Jurisdiction.code)))


def _street_of(session: Session) -> dict[int, int]:
    """Every jurisdiction → the street/town/zone it belongs to (communities roll up)."""
    rows = {j.id: j for j in session.scalars(select(Jurisdiction))}
    out = {}
    for j in rows.values():
        current = j
        while current.level == "community" and current.parent_id in rows:
            current = rows[current.parent_id]
        out[j.id] = current.id
    return out


@dataclass
class KaopingRow:
    jurisdiction: Jurisdiction
    sites: int = 0
    inspected: int = 0
    mean_score: Decimal | None = None
    failing_sites: int = 0
    cases: case_rules.Rates = field(default_factory=lambda: case_rules.rates([]))


def kaoping(session: Session, clock: Clock, month: str) -> list[KaopingRow]:
    """考评 per street/town/zone for a month: sites, sites inspected, mean score, failing sites, case rates."""
    first, last = month_bounds(month)
    street_of = _street_of(session)
    rows = {j.id: KaopingRow(j) for j in _streets(session)}
    site_street: dict[int, int | None] = {}  # None: a site outside every street
    for site_id, jurisdiction_id, handover in session.execute(select(Site.id, Site.jurisdiction_id, Site.handover_date)).all():
        street = street_of.get(jurisdiction_id)
        site_street[site_id] = street
        if street in rows and handover is not None and handover <= last:
            rows[street].sites += 1
    per_site: dict[int, list[Decimal]] = defaultdict(list)
    for site_id, score in session.execute(select(Inspection.site_id, Inspection.score).where(
            Inspection.month == month, Inspection.superseded_by_id.is_(None))).all():
        per_site[site_id].append(score)
    by_street: dict[int, list[Decimal]] = defaultdict(list)
    for site_id, scores in per_site.items():
        site_score = inspection_rules.site_month_score(scores)
        street = site_street.get(site_id)
        if site_score is not None and street in rows:
            by_street[street].append(site_score)
    due: dict[int | None, list[case_rules.CaseFacts]] = defaultdict(list)
    for case in session.scalars(select(Case).where(Case.deadline >= day_start(first),
                                                   Case.deadline < day_start(last + timedelta(days=1)))).unique():
        due[site_street.get(case.site_id, 0)].append(
            case_rules.CaseFacts(case.deadline, case.state, case.first_responded_at, case.reopened))
    for street_id, row in rows.items():
        scores = by_street.get(street_id, [])
        row.inspected, row.mean_score, row.failing_sites = len(scores), rules.mean(scores), rules.failing(scores)
        row.cases = case_rules.rates(due.get(street_id, []))
    return list(rows.values())


@dataclass
class ContractorRow:
    contractor: Contractor
    trend: list[tuple[str, Decimal | None]]
    failing_months: int
    penalties: Decimal
    paid: Decimal
    card: rules.Scorecard


def contractor_report(session: Session, clock: Clock, month: str, contractor_id: int | None = None) -> list[ContractorRow]:
    """Per contractor over the 12 months to ``month``: score trend, failing months, penalties, paid, scorecard."""
    _, last = month_bounds(month)  # checked first: months_back trusts its month
    window = _window(month)
    first, _ = month_bounds(window[0])
    stmt = select(Contract).where(Contract.state != "draft").options(selectinload(Contract.sites))
    if contractor_id is not None:
        stmt = stmt.where(Contract.contractor_id == contractor_id)
    by_company: dict[int, list[Contract]] = defaultdict(list)
    for contract in session.scalars(stmt).unique():
        by_company[contract.contractor_id].append(contract)
    statements: dict[int, list[PaymentStatement]] = defaultdict(list)
    for s in session.scalars(select(PaymentStatement).where(PaymentStatement.month.in_(window),
                                                            PaymentStatement.kind == "monthly")).unique():
        statements[s.contract.contractor_id].append(s)
    scored = month_scores(session, [c for cs in by_company.values() for c in cs], window)
    rows = []
    for company_id, contracts in sorted(by_company.items()):
        trend = []
        for m in window:
            pairs = []
            for contract in contracts:
                spans = sites_in_month(contract, m)
                if not spans:
                    continue
                score = scored[(contract.id, m)]
                if score is not None:
                    pairs.append((sum((s.area_m2 for s in spans), Decimal(0)), score))
            trend.append((m, inspection_rules.contract_month_score(pairs)))
        scores = [s for _, s in trend if s is not None]
        cases = [case_rules.CaseFacts(c.deadline, c.state, c.first_responded_at, c.reopened)
                 for c in session.scalars(select(Case).where(Case.contractor_id == company_id,
                                                             Case.deadline >= day_start(first),
                                                             Case.deadline < day_start(last + timedelta(days=1)))).unique()]
        rates = case_rules.rates(cases)
        own = statements.get(company_id, [])
        penalties = sum((s.penalties for s in own), Decimal("0.00"))
        base = sum((s.base for s in own), Decimal("0.00"))
        paid = sum((s.net or Decimal(0) for s in own if s.state == "paid"), Decimal("0.00"))
        card = rules.scorecard(scores, rates.on_time_rate, rates.rework_rate, penalties, base)
        rows.append(ContractorRow(contracts[0].contractor, trend, rules.failing(scores), penalties, paid, card))
    return rows


@bidding.company_standing.provide
def standing(session: Session, clock: Clock, contractor_id: int) -> rules.Scorecard | None:
    month = local_date(clock()).strftime("%Y-%m")
    found = contractor_report(session, clock, month, contractor_id)
    return found[0].card if found else None


@dataclass
class BudgetRow:
    jurisdiction: Jurisdiction
    kind: str
    area: Decimal
    estimate: Decimal
    contracted: Decimal
    paid: Decimal
    next_year: Decimal


def budget_vs_spend(session: Session, clock: Clock, year: int) -> list[BudgetRow]:
    """Per street and kind: the unit-rate estimate of the sites handed over by the year's start, the
    contracted yearly value and the amount paid in the year (both spread over sites by area), and
    next year's estimate including the sites handed over this year (经费随建成区面积增长)."""
    if not bounds.MIN_YEAR <= year <= bounds.MAX_YEAR:
        raise InvalidInput("The year must be between {low} and {high}.", low=bounds.MIN_YEAR, high=bounds.MAX_YEAR,
                           errors=[{"field": "year", "message": "The year must be between {low} and {high}.",
                                    "params": {"low": bounds.MIN_YEAR, "high": bounds.MAX_YEAR}}])
    rates = unit_rates(session)
    street_of = _street_of(session)
    streets = {j.id: j for j in _streets(session)}
    start, end = date(year, 1, 1), date(year, 12, 31)
    sites = list(session.execute(select(Site.id, Site.kind, Site.grade, Site.area_m2, Site.handover_date,
                                        Site.jurisdiction_id)).all())
    # Each site's (street, kind); a site outside every street is in no row.
    key: dict[int, tuple[int, str]] = {}
    for s in sites:
        street = street_of.get(s.jurisdiction_id)
        if street in streets:
            key[s.id] = (street, s.kind)
    groups: dict[tuple[int, str], dict[str, Any]] = {}

    def bucket(k: tuple[int, str]) -> dict[str, Any]:
        return groups.setdefault(k, {"now": [], "next": [], "contracted": Decimal(0), "paid": Decimal(0)})

    for s in sites:
        k = key.get(s.id)
        if k is None or s.handover_date is None:
            continue
        if s.handover_date < start:
            bucket(k)["now"].append((s.kind, s.grade, s.area_m2))
        if s.handover_date <= end:
            bucket(k)["next"].append((s.kind, s.grade, s.area_m2))
    spans: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for cs in session.scalars(select(ContractSite)).all():
        spans[cs.contract_id][cs.site_id] = cs.area_m2
    for contract in session.scalars(select(Contract).where(Contract.state.in_(["signed", "active", "suspended"]))).unique():
        if contract.start_date > end or end_date(contract.start_date, contract.months) < start:
            continue
        for site_id, part in rules.allocate(contract.monthly_fee * 12, spans[contract.id]).items():
            if (k := key.get(site_id)) is not None:
                bucket(k)["contracted"] += part
    for statement in session.scalars(select(PaymentStatement).where(PaymentStatement.state == "paid",
                                                                    PaymentStatement.month.like(f"{year}-%"))).unique():
        for site_id, part in rules.allocate(statement.payable or Decimal(0), spans[statement.contract_id]).items():
            if (k := key.get(site_id)) is not None:
                bucket(k)["paid"] += part
    rows = []
    for (street_id, kind), g in sorted(groups.items(), key=lambda kv: (streets[kv[0][0]].code, kv[0][1])):
        rows.append(BudgetRow(streets[street_id], kind, sum((a for _, _, a in g["now"]), Decimal("0.00")),
                              budget_estimate(g["now"], rates).total, round2(g["contracted"]), round2(g["paid"]),
                              budget_estimate(g["next"], rates).total))
    return rows


def budget_totals(rows: list[BudgetRow]) -> dict[str, Decimal]:
    return {k: sum((getattr(r, k) for r in rows), Decimal("0.00"))
            for k in ("area", "estimate", "contracted", "paid", "next_year")}


def kaoping_page(session: Session, clock: Clock, month: str) -> dict[str, Any]:
    """The month's 考评 table and each contractor's scorecard with its trend."""
    return {"month": month, "rows": kaoping(session, clock, month),
            "contractors": contractor_report(session, clock, month), "evaluation": evaluation(session, month)}


def budget_page(session: Session, clock: Clock, year: int) -> dict[str, Any]:
    """Budget against spend per street and kind, with the totals."""
    rows = budget_vs_spend(session, clock, year)
    return {"rows": rows, "totals": budget_totals(rows)}


# --- 数字城管 evaluation (GB/T 30428.4): areas, contractors, inspectors, with 12-month trends ------


@dataclass(frozen=True)
class Evaluated:
    """One subject's indicators for the month and its composite value over the 12 months to it."""

    subject: Any                     # a Jurisdiction (None: the whole district), a Contractor or a User
    counts: Any                      # rules.CaseCounts or rules.InspectorCounts
    composite: Decimal | None
    band: str | None
    trend: list[tuple[str, Decimal | None]]


@dataclass(frozen=True)
class Evaluation:
    month: str
    district: Evaluated
    areas: list[Evaluated]
    contractors: list[Evaluated]
    inspectors: list[Evaluated]
    #: streets, towns and zones with no case at all in the 12 months (listed by name, not as empty rows).
    quiet_areas: list[Jurisdiction]
    #: every inspector together: what the public portal shows instead of named staff.
    all_inspectors: Evaluated


def _evaluated(subject: Any, per_month: dict[str, Any], month: str, score: Any) -> Evaluated:
    counts = per_month[month]
    value = score(counts)
    return Evaluated(subject, counts, value, rules.band(value), [(m, score(c)) for m, c in per_month.items()])


def evaluation(session: Session, month: str) -> Evaluation:
    """The month's 数字城管 indicators per street/town/zone, for the district, per contractor and per
    inspector, each with its composite, band and the composite over the 12 months to ``month``.

    One query for the cases (with who reported each) and two for the inspections of the whole
    window; the counting is the pure ``rules.count_cases``."""
    month_bounds(month)  # checked first: months_back trusts its month
    window = _window(month)
    spans = {m: month_span(m) for m in window}
    start, end = spans[window[0]][0], spans[window[-1]][1]
    street_of = _street_of(session)
    site_street = {site_id: street_of.get(jurisdiction_id)
                   for site_id, jurisdiction_id in session.execute(select(Site.id, Site.jurisdiction_id)).all()}
    # With each case, the inspector whose finding opened it (None for citizens' and liaisons' cases).
    rows = session.execute(select(Case.source, Case.state, Case.opened_at, Case.deadline, Case.first_responded_at,
                                  Case.closed_at, Case.reopened, Case.site_id, Case.contractor_id,
                                  Inspection.inspector_id.label("reporter_id"))
                           .outerjoin(Inspection, Inspection.id == Case.inspection_id)
                           .where(((Case.opened_at >= start) & (Case.opened_at < end))
                                  | ((Case.deadline >= start) & (Case.deadline < end)))).all()
    lines = [(rules.CaseLine(r.source, r.state, r.opened_at, r.deadline, r.first_responded_at, r.closed_at, r.reopened),
              r) for r in rows]

    def counted(selected: list[rules.CaseLine]) -> dict[str, rules.CaseCounts]:
        return {m: rules.count_cases(selected, *spans[m]) for m in window}

    streets = _streets(session)
    by_street: dict[int | None, list[rules.CaseLine]] = defaultdict(list)
    by_company: dict[int, list[rules.CaseLine]] = defaultdict(list)
    for line, r in lines:
        by_street[site_street.get(r.site_id)].append(line)
        if r.contractor_id is not None:
            by_company[r.contractor_id].append(line)
    district = _evaluated(None, counted([line for line, _ in lines]), month, rules.area_composite)
    areas = [_evaluated(j, counted(by_street[j.id]), month, rules.area_composite) for j in streets if by_street.get(j.id)]
    quiet_areas = [j for j in streets if not by_street.get(j.id)]
    companies = {c.id: c for c in session.scalars(select(Contractor).where(Contractor.id.in_(list(by_company))))}
    contractors = sorted((_evaluated(companies[cid], counted(found), month, rules.contractor_composite)
                          for cid, found in by_company.items()),
                         key=lambda e: (e.composite is None, -(e.composite or 0), e.subject.company_name))

    # Inspectors: who opened which case, and which sites each passed as clean in which month.
    inspected = session.execute(select(Inspection.id, Inspection.inspector_id, Inspection.site_id, Inspection.month)
                                .where(Inspection.month.in_(window), Inspection.superseded_by_id.is_(None))).all()
    with_findings = set(session.scalars(select(Finding.inspection_id).distinct()
                                        .join(Inspection, Inspection.id == Finding.inspection_id)
                                        .where(Finding.count > 0, Inspection.month.in_(window),
                                               Inspection.superseded_by_id.is_(None))).all())
    clean: dict[tuple[int, str], set[int]] = defaultdict(set)   # (site, month) → inspectors who passed it clean
    for i in inspected:
        if i.id not in with_findings:
            clean[(i.site_id, i.month)].add(i.inspector_id)
    tallies: dict[int, dict[str, list[int]]] = defaultdict(lambda: {m: [0, 0, 0] for m in window})
    for i in inspected:
        tallies[i.inspector_id]  # an inspector who inspected is evaluated even with nothing to count
    for line, r in lines:
        m = month_of(line.opened_at)  # the bureau's local month
        if m not in spans:
            continue
        if line.source == case_rules.CaseSource.INSPECTION and r.reporter_id is not None:
            tally = tallies[r.reporter_id][m]
            tally[0] += 1
            tally[1] += line.state != case_rules.CaseState.VOID
        elif line.source == case_rules.CaseSource.CITIZEN and line.state != case_rules.CaseState.VOID:
            for inspector_id in clean.get((r.site_id, m), ()):
                tallies[inspector_id][m][2] += 1
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(tallies))))}
    as_counts = lambda t: {m: rules.InspectorCounts(*t[m]) for m in window}  # noqa: E731
    inspectors = sorted((_evaluated(people[uid], as_counts(t), month, rules.inspector_composite)
                         for uid, t in tallies.items() if uid in people),
                        key=lambda e: (e.composite is None, -(e.composite or 0), e.subject.display_name))
    together = {m: [sum(t[m][k] for t in tallies.values()) for k in range(3)] for m in window}
    all_inspectors = _evaluated(None, as_counts(together), month, rules.inspector_composite)
    return Evaluation(month, district, areas, contractors, inspectors, quiet_areas, all_inspectors)
