"""Inspection use cases: templates, monthly sampling plans, field inspections, month scores."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from procure.kernel import bounds
from procure.accounts import policy
from procure.accounts.rules import Permission
from procure.accounts.models import User
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import SYSTEM, Actor
from procure.kernel.clock import month_bounds, month_of, BUREAU_TZ, Clock, local_date
from procure.contracts import services as contracts
from procure.contracts.models import Contract, ContractSite
from procure.contracts.rules import ContractState
from procure.documents import images
from procure.documents import services as documents
from procure.documents.models import Document
from procure.documents.storage import Storage
from procure.kernel.errors import Conflict, InvalidInput, NotFound, ProcureError
from procure.kernel.hooks import Hook, Port
from procure.inspection import rules
from procure.inspection.models import Finding, Inspection, InspectionPhoto, InspectionTemplate, SamplingPlan, TemplateItem
from procure.inspection.photos import normalise
from procure.inspection.schemas import FindingIn
from procure.sites import services as site_services
from procure.sites.models import Site
from procure.contracts.rules import end_date

LIVE = (ContractState.SIGNED, ContractState.ACTIVE, ContractState.SUSPENDED, ContractState.COMPLETED,
        ContractState.TERMINATED)


# --- templates --------------------------------------------------------------------------------


def _categories(raw: Sequence[Mapping[str, Any]]) -> list[rules.Category]:
    return [rules.Category(str(c["code"]), Decimal(str(c["max_points"]))) for c in raw]


def _items(template: InspectionTemplate) -> list[rules.Item]:
    return [rules.Item(i.code, i.category, i.deduction, i.cap) for i in template.items]


def current_template(session: Session, kind: str) -> InspectionTemplate:
    template = session.scalar(select(InspectionTemplate).where(InspectionTemplate.kind == kind,
                                                               InspectionTemplate.current.is_(True)))
    if template is None:
        raise NotFound("No inspection template for {kind} sites yet.", kind=kind)
    return template


#: What the template columns hold (procure/inspection/models.py) and how long a fix may take (a month).
MAX_ITEM_CODE, MAX_TEMPLATE_NAME, MAX_CATEGORY_CODE = 16, 128, 8
MAX_RECTIFICATION_HOURS = 720
SITE_KINDS = ("road", "square", "park", "green_space", "river")


@dataclass(frozen=True)
class _TemplateRow:
    code: str
    category: str
    standard: str
    deduction: Decimal
    cap: Decimal
    photo_required: bool
    rectification_hours: int | None


def _text(raw: Mapping[str, Any], key: str, field: str, limit: int, errors: list[dict[str, Any]]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append({"field": field, "message": "Required."})
        return ""
    if len(value.strip()) > limit:
        errors.append({"field": field, "message": "At most {n} characters.", "params": {"n": limit}})
        return ""
    return value.strip()


def _points(raw: Mapping[str, Any], key: str, field: str, errors: list[dict[str, Any]]) -> Decimal:
    """Points of a template: Fixed(5,2), so 0 ≤ p < 1000 with at most two decimals."""
    try:
        value = bounds.fixed(raw.get(key), places=2, upper=Decimal(1000), field=field)
    except bounds.OutOfBounds as exc:
        errors.append(exc.error)
        return Decimal(0)
    if value is None:
        errors.append({"field": field, "message": "Required."})
        return Decimal(0)
    return value


def _parse_template(data: Mapping[str, Any]) -> tuple[list[dict[str, str]], list[_TemplateRow]]:
    """Every field of every category and item checked, all problems at once (as the columns and
    the scoring need them)."""
    errors: list[dict[str, Any]] = []
    raw_categories, raw_items = data.get("categories"), data.get("items")
    categories: list[dict[str, str]] = []
    if not isinstance(raw_categories, list):
        errors.append({"field": "categories", "message": "A list is required."})
        raw_categories = []
    for n, c in enumerate(raw_categories, start=1):
        where = f"categories[{n}]"
        if not isinstance(c, Mapping):
            errors.append({"field": where, "message": "Required."})
            continue
        code = _text(c, "code", f"{where}.code", MAX_CATEGORY_CODE, errors)
        name = c.get("name", code)
        if not isinstance(name, str) or len(name) > MAX_TEMPLATE_NAME:
            errors.append({"field": f"{where}.name", "message": "At most {n} characters.",
                           "params": {"n": MAX_TEMPLATE_NAME}})
            name = code
        points = _points(c, "max_points", f"{where}.max_points", errors)
        categories.append({"code": code, "name": name, "max_points": format(points.normalize(), "f")})
    rows: list[_TemplateRow] = []
    if not isinstance(raw_items, list):
        errors.append({"field": "items", "message": "A list is required."})
        raw_items = []
    for n, i in enumerate(raw_items, start=1):
        where = f"items[{n}]"
        if not isinstance(i, Mapping):
            errors.append({"field": where, "message": "Required."})
            continue
        code = _text(i, "code", f"{where}.code", MAX_ITEM_CODE, errors)
        category = _text(i, "category", f"{where}.category", MAX_CATEGORY_CODE, errors)
        standard = _text(i, "standard", f"{where}.standard", 4000, errors)
        deduction = _points(i, "deduction", f"{where}.deduction", errors)
        cap = _points(i, "cap", f"{where}.cap", errors)
        hours: int | None = None
        if i.get("rectification_hours") not in (None, ""):
            try:
                given = bounds.fixed(i.get("rectification_hours"), places=0, upper=Decimal(MAX_RECTIFICATION_HOURS),
                                     inclusive=True, field=f"{where}.rectification_hours")
                hours = int(given) if given is not None else None
            except bounds.OutOfBounds as exc:
                errors.append(exc.error)
        rows.append(_TemplateRow(code, category, standard, deduction, cap, bool(i.get("photo_required")), hours))
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or len(name.strip()) > MAX_TEMPLATE_NAME):
        errors.append({"field": "name", "message": "At most {n} characters.", "params": {"n": MAX_TEMPLATE_NAME}})
    if errors:
        raise InvalidInput("The template has missing or non-numeric values.", errors=errors)
    return categories, rows


def save_template(session: Session, clock: Clock, actor: Actor, data: Mapping[str, Any]) -> InspectionTemplate:
    """A new version of a kind's template (inspections keep the version they were scored with)."""
    kind = str(data.get("kind", ""))
    raw_categories, rows = _parse_template(data)
    categories = [rules.Category(c["code"], Decimal(c["max_points"])) for c in raw_categories]
    items = [rules.Item(r.code, r.category, r.deduction, r.cap) for r in rows]
    problems = rules.template_problems(categories, items)
    if kind not in SITE_KINDS:
        problems.insert(0, "Unknown site kind.")
    if problems:
        raise InvalidInput(problems[0], errors=[{"field": "template", "message": p} for p in problems])
    previous = session.scalar(select(InspectionTemplate).where(InspectionTemplate.kind == kind,
                                                               InspectionTemplate.current.is_(True)))
    version = (session.scalar(select(func.max(InspectionTemplate.version)).where(InspectionTemplate.kind == kind)) or 0) + 1
    if previous is not None:
        previous.current = False
        session.flush()
    template = InspectionTemplate(
        kind=kind, version=version, name=str(data.get("name") or kind).strip() or kind, current=True,
        categories=raw_categories, created_at=clock(),
        items=[TemplateItem(position=n, code=r.code, category=r.category, standard=r.standard, deduction=r.deduction,
                            cap=r.cap, photo_required=r.photo_required, rectification_hours=r.rectification_hours)
               for n, r in enumerate(rows, start=1)])
    session.add(template)
    session.flush()
    audit.record(session, clock, actor, "template.version", "inspection_template", template.id, None,
                 {"kind": kind, "version": version, "items": len(template.items)})
    session.commit()
    return template


def load_templates(session: Session, clock: Clock, path: Path) -> int:
    """Fixtures: add version 1 of each kind that has no template yet."""
    data = json.loads(path.read_text(encoding="utf-8"))
    added = 0
    for template in data["templates"]:
        if session.scalar(select(InspectionTemplate.id).where(InspectionTemplate.kind == template["kind"])) is None:
            save_template(session, clock, SYSTEM, template)
            added += 1
    return added


# --- months and contracts ----------------------------------------------------------------------


def contract_for(session: Session, site_id: int, day: date) -> Contract | None:
    """The contract maintaining a site on a day (属地 and 管养分开: who answers for it)."""
    return session.scalar(select(Contract).join(ContractSite).where(
        ContractSite.site_id == site_id, ContractSite.from_date <= day,
        (ContractSite.to_date.is_(None)) | (ContractSite.to_date >= day),
        Contract.state.in_([ContractState.SIGNED, ContractState.ACTIVE, ContractState.SUSPENDED])))


def sites_in_month(contract: Contract, month: str) -> list[ContractSite]:
    first, last = month_bounds(month)

    term_end = end_date(contract.start_date, contract.months)
    return [s for s in contract.sites if s.from_date <= min(last, term_end) and (s.to_date is None or s.to_date >= first)]


def ensure_plans(session: Session, clock: Clock, month: str, actor: Actor = SYSTEM) -> list[SamplingPlan]:
    """Every contract in force that month gets its plan (created once, seed recorded). A write:
    the worker draws the month's plans on its first day; an inspector may draw them sooner."""
    month_bounds(month)
    plans = []
    live = select(Contract).where(Contract.state.in_(LIVE)).options(selectinload(Contract.sites))
    for contract in session.scalars(live).unique():
        if not sites_in_month(contract, month):
            continue
        plans.append(plan_month(session, clock, actor, contract.id, month))
    return plans


def month_plans(session: Session, month: str) -> tuple[list[SamplingPlan], list[Contract]]:
    """The month's drawn plans, and the contracts in force that month whose plan is not drawn yet."""
    month_bounds(month)
    plans = list(session.scalars(select(SamplingPlan).where(SamplingPlan.month == month).order_by(SamplingPlan.contract_id)))
    drawn = {p.contract_id for p in plans}
    live = select(Contract).where(Contract.state.in_(LIVE), Contract.id.not_in(drawn)).order_by(Contract.id).options(
        selectinload(Contract.sites))
    undrawn = [c for c in session.scalars(live).unique() if sites_in_month(c, month)]
    return plans, undrawn


def plan_month(session: Session, clock: Clock, actor: Actor, contract_id: int, month: str,
               seed: int | None = None) -> SamplingPlan:
    month_bounds(month)
    existing = session.scalar(select(SamplingPlan).where(SamplingPlan.contract_id == contract_id,
                                                         SamplingPlan.month == month))
    if existing is not None:
        return existing
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("Contract {id} does not exist.", id=contract_id)
    pool = sorted({s.site_id for s in sites_in_month(contract, month)})
    if not pool:
        raise Conflict("The contract maintains no site in {month}.", month=month)
    seed = seed if seed is not None else secrets.randbits(62)
    plan = SamplingPlan(contract_id=contract.id, month=month, seed=seed, share=contract.sampling_share, pool=pool,
                        site_ids=rules.sample(pool, contract.sampling_share, seed), created_at=clock(),
                        created_by_id=actor.id)
    session.add(plan)
    session.flush()
    audit.record(session, clock, actor, "inspection.plan", "contract", contract.id, None,
                 {"month": month, "seed": seed, "sites": plan.site_ids})
    session.commit()
    return plan


# --- inspections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingInput:
    item_code: str
    count: int
    note: str = ""


@dataclass
class Submitted:
    inspection: Inspection
    warnings: list[str] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    missing_photos: list[str] = field(default_factory=list)


def parse_findings(given: Sequence[FindingIn]) -> list[FindingInput]:
    """The findings as the service records them (the counts' range is ``FindingIn``'s)."""
    return [FindingInput(f.item_code.strip(), f.count, f.note.strip()[:1000]) for f in given]


#: Opens the rectification case (整改) of a finding, in the submitting transaction, and answers its id
#: (cases provides it: cases come after inspections in the dependency order).
open_case: Port[[Session, Clock, Inspection, TemplateItem, Finding, Contract | None], int] = Port("inspection.open_case")
#: Later domains add to an inspection's page (cases: the cases it opened).
inspection_page_panels: Hook[[Session, Inspection], dict[str, Any]] = Hook("inspection.inspection_page_panels")


def submit(session: Session, clock: Clock, storage: Storage, user: CurrentUser, *, site_id: int,
           inspected_at: datetime | None, findings: Sequence[FindingInput],
           photos: Mapping[str, Sequence[tuple[str, BinaryIO]]] | None = None, note: str = "",
           supersedes_id: int | None = None, correction_reason: str = "", require_photos: bool = True,
           kept: Mapping[str, Sequence[int]] | None = None) -> Submitted:
    """Record a field inspection; final once submitted. Opens a case for every finding whose item
    has a rectification limit, for the contractor responsible for the site that day."""
    now = clock()
    inspected_at = inspected_at or now
    if inspected_at.tzinfo is None:
        inspected_at = inspected_at.replace(tzinfo=BUREAU_TZ)
    if inspected_at.year < bounds.MIN_YEAR:  # before comparing: year 1 cannot be moved to UTC
        raise InvalidInput("The year must be between {low} and {high}.", low=bounds.MIN_YEAR, high=bounds.MAX_YEAR,
                           errors=[{"field": "inspected_at", "message": "The year must be between {low} and {high}.",
                                    "params": {"low": bounds.MIN_YEAR, "high": bounds.MAX_YEAR}}])
    if inspected_at > now:
        raise InvalidInput("An inspection cannot be dated in the future.")
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("Site {id} does not exist.", id=site_id)
    template = current_template(session, site.kind)
    items = {i.code: i for i in template.items}
    unknown = [f.item_code for f in findings if f.item_code not in items]
    if unknown:
        raise InvalidInput("Not items of the {kind} template: {codes}.", kind=site.kind, codes=", ".join(unknown),
                           errors=[{"field": code, "message": "Unknown item."} for code in unknown])
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.item_code] = counts.get(f.item_code, 0) + f.count
    photos = photos or {}
    kept_ids = _kept(session, user, kept or {}, set(items))
    needs = [code for code, n in counts.items()
             if n > 0 and items[code].photo_required and not photos.get(code) and not kept_ids.get(code)]
    if needs and require_photos:
        raise InvalidInput("These findings need a photo: {codes}.", codes=", ".join(needs),
                           errors=[{"field": f"photo_{code}", "message": "A photo is required."} for code in needs])
    original = None
    if supersedes_id is not None:
        original = session.get(Inspection, supersedes_id)
        if original is None or original.site_id != site.id:
            raise InvalidInput("A correction supersedes an inspection of the same site.")
        if original.superseded_by_id is not None:
            raise Conflict("That inspection was already corrected.")
        if not correction_reason.strip():
            raise InvalidInput("A correction needs a reason.", errors=[{"field": "reason", "message": "Required."}])
    # Normalise every photo before anything is written: a bad one rejects the whole inspection.
    ready = [(code, name, normalise(handle, name)) for code, entries in photos.items() for name, handle in entries]
    result = rules.score(_categories(template.categories), _items(template), counts)
    day = local_date(inspected_at)
    contract = contract_for(session, site.id, day)
    month = month_of(inspected_at)
    plan = session.scalar(select(SamplingPlan).where(SamplingPlan.contract_id == contract.id,
                                                     SamplingPlan.month == month)) if contract else None
    inspection = Inspection(
        site_id=site.id, contract_id=contract.id if contract else None, template_id=template.id, inspector_id=user.id,
        inspected_at=inspected_at, month=month, planned=bool(plan and site.id in plan.site_ids), score=result.total,
        categories={k: str(v) for k, v in result.categories.items()}, note=note.strip()[:2000],
        supersedes_id=original.id if original else None, correction_reason=correction_reason.strip(), created_at=now,
        findings=[Finding(item_code=f.item_code, count=f.count, note=f.note,
                          deduction=result.deductions.get(f.item_code, Decimal(0))) for f in findings if f.count > 0],
    )
    session.add(inspection)
    session.flush()
    for code, name, content in ready:
        document = documents.store(session, clock, storage, content, name.rsplit(".", 1)[0] + ".jpg",
                                   uploaded_by_id=user.id)
        inspection.photos.append(InspectionPhoto(item_code=code or None, document_id=document.id))
    for code, ids in kept_ids.items():
        inspection.photos.extend(InspectionPhoto(item_code=code or None, document_id=d) for d in ids)
    if original is not None:
        original.superseded_by_id = inspection.id
    submitted = Submitted(inspection, missing_photos=needs)
    if contract is None:
        submitted.warnings.append("No contract maintains this site on that day: the inspection is recorded but "
                                  "feeds no payment.")
    for recorded in inspection.findings:
        item = items[recorded.item_code]
        if item.rectification_hours and original is None:
            submitted.cases.append(open_case(session, clock, inspection, item, recorded, contract))
    audit.record(session, clock, user.actor, "inspection.submit", "inspection", inspection.id, None, {
        "site": site.code, "score": str(result.total), "month": month, "planned": inspection.planned,
        "findings": {f.item_code: f.count for f in inspection.findings}, "supersedes": supersedes_id})
    session.commit()
    return submitted


def get(session: Session, inspection_id: int) -> Inspection:
    found = session.get(Inspection, inspection_id)
    if found is None:
        raise NotFound("Inspection {id} does not exist.", id=inspection_id)
    return found


def keep_photos(session: Session, clock: Clock, storage: Storage, user: CurrentUser,
                photos: Mapping[str, Sequence[tuple[str, BinaryIO]]]) -> dict[str, list[int]]:
    """An inspection was refused: keep the photos that were good (stored, not yet attached), so the
    form comes back with them and the inspector need not take them again. A photo that is itself
    the problem is left out. Commits: they outlive the refused inspection's rollback."""
    kept: dict[str, list[int]] = {}
    for code, entries in photos.items():
        for name, handle in entries:
            try:
                handle.seek(0)
                content = normalise(handle, name)
            except (ProcureError, OSError, ValueError):
                continue
            document = documents.store(session, clock, storage, content, name.rsplit(".", 1)[0] + ".jpg",
                                       uploaded_by_id=user.id)
            kept.setdefault(code, []).append(document.id)
    session.commit()
    return kept


def _kept(session: Session, user: CurrentUser, kept: Mapping[str, Sequence[int]], codes: set[str]) -> dict[str, list[int]]:
    """Photos kept from a refused attempt, checked: this inspector's own uploads, pictures, and not
    yet part of any inspection; anything else is silently dropped (a forged id attaches nothing)."""
    wanted = {d: code for code, ids in kept.items() if code in codes for d in ids}
    if not wanted:
        return {}
    attached = set(session.scalars(select(InspectionPhoto.document_id).where(InspectionPhoto.document_id.in_(wanted))))
    mine = set(session.scalars(select(Document.id).where(Document.id.in_(wanted), Document.uploaded_by_id == user.id,
                                                         Document.sealed_tender_id.is_(None),
                                                         Document.content_type == "image/jpeg")))
    found: dict[str, list[int]] = {}
    for document_id, code in wanted.items():
        if document_id in mine and document_id not in attached:
            found.setdefault(code, []).append(document_id)
    return found


def readable(session: Session, user: CurrentUser, inspection_id: int) -> Inspection:
    """An inspection for staff who read inspections, and for the company whose contract it
    scored (its evidence: the statement and the cases point to it). To anyone else it does not
    exist (no existence oracle)."""
    found = session.get(Inspection, inspection_id)
    if found is not None and user.can(Permission.INSPECTIONS_READ):
        return found
    if found is not None and policy.acts_for_company(user) and found.contract_id is not None:
        contractor_id = session.scalar(select(Contract.contractor_id).where(Contract.id == found.contract_id))
        if policy.owns(user, contractor_id):
            return found
    raise NotFound("Inspection {id} does not exist.", id=inspection_id)


def plan_page(session: Session, user: CurrentUser, month: str) -> dict[str, Any]:
    """The inspector's month: each contract's sampling plan, what is done, what is left; the
    inspector's own street first (属地管理), the others after."""
    plans, undrawn = month_plans(session, month)
    rows: list[dict[str, Any]] = []
    contracts_of = {c.id: c for c in session.scalars(select(Contract).where(
        Contract.id.in_([p.contract_id for p in plans])).options(selectinload(Contract.sites)))}
    for plan in plans:
        contract = contracts_of[plan.contract_id]  # a plan's contract is never deleted (foreign key)
        cm = contract_month(session, contract, month, plan)
        done = {r.site.id for r in cm.sites if r.inspections}
        planned = [r for r in cm.sites if r.site.id in plan.site_ids]
        rows.append({"plan": plan, "contract": contract, "planned": planned, "done": done, "cm": cm})
    if user.jurisdiction_id:
        home = site_services.subtree_ids(session, user.jurisdiction_id)
        rows.sort(key=lambda r: not any(s.site.jurisdiction_id in home for s in r["cm"].sites))
    return {"month": month, "rows": rows, "undrawn": undrawn, "recent": recent(session, user, 10)}


def inspection_page(session: Session, user: CurrentUser, inspection_id: int) -> dict[str, Any]:
    """One inspection as its page shows it: the template's items by code and what later domains add."""
    inspection = readable(session, user, inspection_id)
    context: dict[str, Any] = {"inspection": inspection, "items": {i.code: i for i in inspection.template.items},
                               "cases": []}
    for panel in inspection_page_panels(session, inspection):
        context |= panel
    return context


#: The most photos one printed record carries (a visit rarely has more than a dozen).
PRINTED_PHOTOS = 24


def inspection_print(session: Session, storage: Storage, user: CurrentUser, inspection_id: int) -> dict[str, Any]:
    """The inspection's page data, plus what its printed record carries: who inspected, and its
    photos (small copies, as data: URLs, since the PDF renderer fetches nothing)."""
    context = inspection_page(session, user, inspection_id)
    inspection: Inspection = context["inspection"]
    inspector = session.get(User, inspection.inspector_id)
    photos = []
    for photo in inspection.photos[:PRINTED_PHOTOS]:
        try:
            small = documents.small_copy(storage, photo.document, images.PRINT_EDGE)
        except (ValueError, OSError):
            continue  # a photo that will not decode is listed by count below, not printed
        photos.append({"caption": inspection.standard_of(photo.item_code) if photo.item_code else "",
                       "src": images.data_url(small)})
    return context | {"inspector": inspector.display_name if inspector else "", "printed_photos": photos,
                      "category_names": rules.CATEGORY_TEXT}


# --- month scores ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteMonth:
    site: Site
    area: Decimal
    score: Decimal | None
    inspections: list[Inspection]


@dataclass(frozen=True)
class ContractMonth:
    contract: Contract
    month: str
    score: Decimal | None  # None: not assessed (no inspected site)
    sites: list[SiteMonth]
    plan: SamplingPlan | None


def contract_month_for(session: Session, clock: Clock, user: CurrentUser, contract_id: int,
                       month: str) -> ContractMonth:
    """A contract's month as ``user`` may see it (its page, PDF and API): inspectors and the bureau
    see any contract, a company its own; the spot-check plan only for those the policy lets see it
    (a company must not know which sites are drawn next)."""
    if not (user.can(Permission.INSPECTIONS_READ) or policy.acts_for_company(user)):
        raise NotFound("Contract {id} does not exist.", id=contract_id)
    contract = contracts.get(session, clock, contract_id, user)
    month_bounds(month)  # YYYY-MM, or a 400 naming the month
    cm = contract_month(session, contract, month)
    return cm if policy.may_see_sampling_plan(user) else replace(cm, plan=None)


def contract_month(session: Session, contract: Contract, month: str, plan: SamplingPlan | None = None) -> ContractMonth:
    """DESIGN §4.6: site month score = mean of its inspections; contract score area-weighted over the
    inspected sites; superseded inspections do not count."""
    spans = sites_in_month(contract, month)
    inspections = list(session.scalars(select(Inspection).where(
        Inspection.contract_id == contract.id, Inspection.month == month, Inspection.superseded_by_id.is_(None))
        .order_by(Inspection.inspected_at)).unique())
    by_site: dict[int, list[Inspection]] = {}
    for inspection in inspections:
        by_site.setdefault(inspection.site_id, []).append(inspection)
    rows = []
    for site_id in sorted({s.site_id for s in spans} | set(by_site)):
        span_list = [s for s in spans if s.site_id == site_id]
        area = span_list[-1].area_m2 if span_list else Decimal(0)
        site = span_list[-1].site if span_list else by_site[site_id][0].site
        found = by_site.get(site_id, [])
        rows.append(SiteMonth(site, area, rules.site_month_score(i.score for i in found), found))
    score = rules.contract_month_score((r.area, r.score) for r in rows if r.score is not None)
    if plan is None:  # the caller may hold it already (plan_page)
        plan = session.scalar(select(SamplingPlan).where(SamplingPlan.contract_id == contract.id,
                                                         SamplingPlan.month == month))
    return ContractMonth(contract, month, score, rows, plan)


def month_scores(session: Session, contracts: Sequence[Contract], months: Sequence[str]) -> dict[tuple[int, str], Decimal | None]:
    """Contract month scores of many contracts and months with one query (reports, the public board):
    the same rule as ``contract_month``. Load the contracts with their sites (selectinload)."""
    found: dict[tuple[int, str], dict[int, list[Decimal]]] = {}
    if contracts and months:
        for row in session.execute(select(Inspection.contract_id, Inspection.month, Inspection.site_id, Inspection.score)
                                   .where(Inspection.contract_id.in_([c.id for c in contracts]),
                                          Inspection.month.in_(list(months)), Inspection.superseded_by_id.is_(None))):
            found.setdefault((row.contract_id, row.month), {}).setdefault(row.site_id, []).append(row.score)
    scores: dict[tuple[int, str], Decimal | None] = {}
    for contract in contracts:
        for month in months:
            areas = {span.site_id: span.area_m2 for span in sites_in_month(contract, month)}
            pairs = [(areas.get(site_id, Decimal(0)), rules.site_month_score(values))
                     for site_id, values in found.get((contract.id, month), {}).items()]
            scores[(contract.id, month)] = rules.contract_month_score((a, s) for a, s in pairs if s is not None)
    return scores


def recent(session: Session, user: CurrentUser | None = None, limit: int = 20) -> list[Inspection]:
    stmt = select(Inspection).order_by(Inspection.inspected_at.desc()).limit(limit)
    if user is not None:
        stmt = stmt.where(Inspection.inspector_id == user.id)
    return list(session.scalars(stmt).unique())


@documents.owner_link
def _inspection_photo_owner(session: Session, document_id: int) -> list[int]:
    """An inspection photo is evidence about the company whose contract was inspected."""
    return list(session.scalars(select(Contract.contractor_id).join(Inspection, Inspection.contract_id == Contract.id)
                                .join(InspectionPhoto, InspectionPhoto.inspection_id == Inspection.id)
                                .where(InspectionPhoto.document_id == document_id)))


def form_page(session: Session, clock: Clock, site_id: int) -> dict[str, Any]:
    """The field inspection form of a site: its kind's current template (and the spec the page's
    script scores with), the contract maintaining it today, and "now" for the time field."""
    site = site_services.get_site(session, site_id)
    template = current_template(session, site.kind)
    spec = {"categories": template.categories,
            "items": [{"code": i.code, "category": i.category, "deduction": str(i.deduction), "cap": str(i.cap)}
                      for i in template.items]}
    return {"site": site, "template": template, "contract": contract_for(session, site.id, local_date(clock())),
            "spec": spec, "now_local": clock().astimezone(BUREAU_TZ).strftime("%Y-%m-%dT%H:%M")}
