"""Site registry use cases. Each public function is one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, CompoundSelect, Select, select, union_all
from sqlalchemy.orm import Session

from procure.audit import services as audit
from procure.audit.services import Actor
from procure.kernel import bounds, inputs
from procure.kernel.clock import Clock, local_date
from procure.kernel import maps
from procure.kernel.errors import Conflict, InvalidInput, NotFound
from procure.kernel.pagination import Page, PageRequest, count_of
from procure.sites import importing
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser, jurisdiction_by_code, list_jurisdictions
from procure.sites.models import Site, UnitRate
from procure.sites.schemas import SiteChangesIn, UnitRateIn
from procure.accounts.models import Jurisdiction
from procure.sites.rules import BudgetEstimate, FieldErrors, SiteFields, budget_estimate, parse_grade, parse_kind, validate_site

# --- jurisdictions --------------------------------------------------------------------------


def subtree_ids(session: Session, root_id: int) -> set[int]:
    """The jurisdiction and everything under it (district → streets → communities)."""
    children: dict[int | None, list[int]] = {}
    for jid, parent in session.execute(select(Jurisdiction.id, Jurisdiction.parent_id)):
        children.setdefault(parent, []).append(jid)
    found, stack = set(), [root_id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteFilter:
    kind: str | None = None
    jurisdiction: str | None = None  # a code; includes everything below it
    grade: int | None = None
    handed_over: bool | None = None  # True: handover date on or before today; False: not yet
    q: str | None = None  # code or name contains


def filtered_query(session: Session, flt: SiteFilter, today: date) -> Select[Site]:
    stmt = select(Site)
    if flt.kind:
        stmt = stmt.where(Site.kind == flt.kind)
    if flt.grade:
        stmt = stmt.where(Site.grade == flt.grade)
    if flt.jurisdiction:
        root = jurisdiction_by_code(session, flt.jurisdiction)
        stmt = stmt.where(Site.jurisdiction_id.in_(subtree_ids(session, root.id)))
    if flt.handed_over is True:
        stmt = stmt.where(Site.handover_date.is_not(None), Site.handover_date <= today)
    elif flt.handed_over is False:
        stmt = stmt.where((Site.handover_date.is_(None)) | (Site.handover_date > today))
    if flt.q:
        like = f"%{flt.q.strip()}%"
        stmt = stmt.where(Site.code.ilike(like) | Site.name.ilike(like) | Site.address.ilike(like))
    return stmt


def list_sites(session: Session, clock: Clock, flt: SiteFilter, paging: PageRequest,
               home_jurisdiction_id: int | None = None) -> Page[Site]:
    """A page of sites; a user's own jurisdiction comes first (属地管理)."""
    stmt = filtered_query(session, flt, local_date(clock()))
    total = count_of(session, stmt)

    def part(where: ColumnElement[bool] | None, offset: int, limit: int) -> list[Site]:
        chosen = stmt if where is None else stmt.where(where)
        return list(session.scalars(chosen.order_by(Site.code).offset(offset).limit(limit)).unique())

    if home_jurisdiction_id is None:
        return Page(part(None, paging.offset, paging.per_page), total, paging)
    # Home first, each part in code order, as two walks of the code index: ordering every row by
    # "at home or not" would sort the whole registry for each page.
    home = Site.jurisdiction_id.in_(subtree_ids(session, home_jurisdiction_id))
    at_home = count_of(session, stmt.where(home))
    if at_home == total:
        return Page(part(None, paging.offset, paging.per_page), total, paging)
    items = part(home, paging.offset, paging.per_page) if paging.offset < at_home else []
    if len(items) < paging.per_page:
        items += part(~home, max(0, paging.offset - at_home), paging.per_page - len(items))
    return Page(items, total, paging)



def get_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("Site {id} does not exist.", id=site_id)
    return site


def unit_rates(session: Session) -> dict[tuple[str, int], Decimal]:
    return {(r.kind, r.grade): r.yuan_per_m2_year for r in session.scalars(select(UnitRate))}


def estimate_budget(session: Session, clock: Clock, flt: SiteFilter) -> BudgetEstimate:
    stmt = filtered_query(session, flt, local_date(clock())).with_only_columns(Site.kind, Site.grade, Site.area_m2)
    return budget_estimate(session.execute(stmt).all(), unit_rates(session))


# --- writes ---------------------------------------------------------------------------------


def _jurisdiction_ids(session: Session) -> dict[str, int]:
    # Sites hang on streets, towns and zones (and communities); not on the district itself.
    return dict(session.execute(select(Jurisdiction.code, Jurisdiction.id)).all())


def _invalid(errors: FieldErrors) -> InvalidInput:
    # Each problem is its own entry, translated where shown: a summary sewn into the message would
    # carry English messages and raw column names onto a Chinese page.
    return InvalidInput("The site has errors.",
                        errors=[{"field": column, "message": message} for column, message in errors.errors.items()])


def _apply(site: Site, fields: SiteFields, jurisdiction_id: int) -> None:
    site.code, site.name, site.kind, site.grade = fields.code, fields.name, fields.kind.value, fields.grade
    site.jurisdiction_id = jurisdiction_id
    site.area_m2, site.length_m, site.width_m = fields.area_m2, fields.length_m, fields.width_m
    site.handover_date, site.address, site.lon, site.lat = fields.handover_date, fields.address, fields.lon, fields.lat


def create_site(session: Session, clock: Clock, actor: Actor, raw: dict[str, Any]) -> Site:
    codes = _jurisdiction_ids(session)
    fields = validate_site(raw, codes)
    if isinstance(fields, FieldErrors):
        raise _invalid(fields)
    if session.scalar(select(Site.id).where(Site.code == fields.code)) is not None:
        raise Conflict("A site with code {code} already exists.", code=fields.code)
    now = clock()
    site = Site(created_at=now, updated_at=now, geojson=raw.get("geojson"))
    _apply(site, fields, codes[fields.jurisdiction_code])
    session.add(site)
    session.flush()
    session.refresh(site)
    audit.record(session, clock, actor, "site.create", "site", site.id, None, site.audit_view())
    session.commit()
    return site


#: A site's fields as a form or a spreadsheet row gives them (its outline comes only through the API).
SITE_FIELDS = tuple(f for f in SiteChangesIn.__struct_fields__ if f != "geojson")


def update_site(session: Session, clock: Clock, actor: Actor, site_id: int, changes: dict[str, Any]) -> Site:
    site = get_site(session, site_id)
    before = site.audit_view()
    unknown = set(changes) - set(SITE_FIELDS) - {"geojson"}
    if unknown:
        raise InvalidInput("Unknown fields: {fields}.", fields=", ".join(sorted(unknown)))
    current = {key: before[key if key != "jurisdiction_code" else "jurisdiction"] for key in SITE_FIELDS}
    # A road whose length or width changes gets its area recomputed unless one is given.
    if ("length_m" in changes or "width_m" in changes) and "area_m2" not in changes:
        current["area_m2"] = None
    merged = current | {key: value for key, value in changes.items() if key != "geojson"}
    codes = _jurisdiction_ids(session)
    fields = validate_site(merged, codes)
    if isinstance(fields, FieldErrors):
        raise _invalid(fields)
    if fields.code != site.code and session.scalar(select(Site.id).where(Site.code == fields.code)) is not None:
        raise Conflict("A site with code {code} already exists.", code=fields.code)
    _apply(site, fields, codes[fields.jurisdiction_code])
    if "geojson" in changes:
        site.geojson = changes["geojson"]
    site.updated_at = clock()
    session.flush()
    session.refresh(site)
    after = site.audit_view()
    if after != before:
        audit.record(session, clock, actor, "site.update", "site", site.id, before, after)
    session.commit()
    return site


@dataclass(frozen=True)
class ImportResult:
    created: int
    codes: list[str]


def import_sites(session: Session, clock: Clock, actor: Actor, content: bytes, filename: str = "",
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """All rows or none: any bad row rejects the whole file with every error listed."""
    rows = importing.read_rows(content, filename)
    codes = _jurisdiction_ids(session)
    existing = set(session.scalars(select(Site.code)))
    errors: list[dict[str, Any]] = []
    valid: list[SiteFields] = []
    first_seen: dict[str, int] = {}
    for row in rows:
        result = validate_site(row.values, codes)
        if isinstance(result, FieldErrors):
            errors += [{"row": row.number, "column": c, "message": m} for c, m in result.errors.items()]
            continue
        if result.code in existing:
            errors.append({"row": row.number, "column": "code", "message": "A site with this code already exists."})
        elif result.code in first_seen:
            errors.append({"row": row.number, "column": "code", "message": "Duplicate of row {row} in this file.",
                           "params": {"row": first_seen[result.code]}})
        else:
            first_seen[result.code] = row.number
            valid.append(result)
    if errors:
        raise InvalidInput("{count} problems in {rows} rows; nothing was imported.", count=len(errors),
                           rows=len({e["row"] for e in errors}), errors=errors)
    now = clock()
    for index, fields in enumerate(valid):
        site = Site(created_at=now, updated_at=now)
        _apply(site, fields, codes[fields.jurisdiction_code])
        session.add(site)
        session.flush()
        audit.record(session, clock, actor, "site.import", "site", site.id, None,
                     site.audit_view() | {"jurisdiction": fields.jurisdiction_code})
        if progress is not None:
            progress(index + 1, len(valid))
    session.commit()
    return ImportResult(len(valid), [f.code for f in valid])


# --- unit rates -----------------------------------------------------------------------------


def list_unit_rates(session: Session) -> list[UnitRate]:
    return list(session.scalars(select(UnitRate).order_by(UnitRate.kind, UnitRate.grade)))


RATE_LIMIT = Decimal("100000000")  # NUMERIC(10,2)


def set_unit_rate(session: Session, clock: Clock, actor: Actor, given: UnitRateIn | Mapping[str, Any]) -> UnitRate:
    """The yearly rate of a (kind, grade), used by the budget estimate; a mapping (the rates page's
    form) is converted to ``UnitRateIn`` first, with the same errors."""
    data = inputs.typed(UnitRateIn, given)
    site_kind, site_grade = parse_kind(data.kind), parse_grade(data.grade)
    errors: list[dict[str, Any]] = []
    if site_kind is None:
        errors.append({"field": "kind", "message": "Unknown site kind."})
    if site_grade is None:
        errors.append({"field": "grade", "message": "Unknown grade; use 1, 2 or 3."})
    rate = bounds.fixed_into(data.yuan_per_m2_year, "yuan_per_m2_year", errors, upper=RATE_LIMIT)
    if errors:
        raise InvalidInput("The unit rate has errors.", errors=errors)
    assert site_kind is not None and site_grade is not None and rate is not None
    row = session.scalar(select(UnitRate).where(UnitRate.kind == site_kind.value, UnitRate.grade == site_grade))
    before = None if row is None else {"yuan_per_m2_year": str(row.yuan_per_m2_year)}
    if row is None:
        row = UnitRate(kind=site_kind.value, grade=site_grade)
        session.add(row)
    row.yuan_per_m2_year = rate
    row.updated_at = clock()
    session.flush()
    audit.record(session, clock, actor, "unit_rate.set", "unit_rate", f"{row.kind}/{row.grade}", before,
                 {"yuan_per_m2_year": str(row.yuan_per_m2_year)})
    session.commit()
    return row


def sites_by_ids(session: Session, ids: Iterable[int]) -> list[Site]:
    return list(session.scalars(select(Site).where(Site.id.in_(list(ids)))).unique())


# --- where a site is bound (a site is in at most one live procurement or contract) ---------------


@dataclass(frozen=True)
class Commitment:
    """A site is bound: in a lot of a live tender, or under a contract in force."""

    site_id: int
    kind: str        # "tender" | "contract"
    holder_id: int   # the tender's or the contract's id
    label: str       # its reference / number, as the bureau names it


#: A source is a query of (site_id, kind, holder_id, label) rows of the sites bound ``today``.
#: Tendering and contracts each add theirs when imported, so sites depends on neither.
CommitmentQuery: TypeAlias = "Select[int, str, int, str]"
CommitmentSource = Callable[[date], CommitmentQuery]
COMMITMENT_SOURCES: list[CommitmentSource] = []


def commitment_source(fn: CommitmentSource) -> CommitmentSource:
    COMMITMENT_SOURCES.append(fn)
    return fn


def bound_site_ids(today: date) -> CompoundSelect[int]:
    """Every bound site's id, as one query (for lists that must leave them out)."""
    return union_all(*(select(source(today).subquery().c.site_id) for source in COMMITMENT_SOURCES))


def commitments(session: Session, site_ids: Iterable[int], today: date) -> dict[int, list[Commitment]]:
    """Where each of these sites is bound today (sites that are free are absent)."""
    ids = list(set(site_ids))
    found: dict[int, list[Commitment]] = {}
    if not ids or not COMMITMENT_SOURCES:
        return found
    for source in COMMITMENT_SOURCES:
        stmt = source(today)
        for site_id, kind, holder_id, label in session.execute(stmt.where(stmt.selected_columns[0].in_(ids))):
            found.setdefault(site_id, []).append(Commitment(site_id, kind, holder_id, label))
    return found


# --- read models ---------------------------------------------------------------------------------


def sites_page(session: Session, clock: Clock, user: CurrentUser, flt: SiteFilter, paging: PageRequest) -> dict[str, Any]:
    """The site registry page: a page of sites (the user's own street first), the streets to filter
    by and, for whoever may read budgets, the filter's unit-rate estimate."""
    return {"result": list_sites(session, clock, flt, paging, user.jurisdiction_id),
            "budget": estimate_budget(session, clock, flt) if user.can(Permission.BUDGET_READ) else None,
            "jurisdictions": list_jurisdictions(session)}


def site_page(session: Session, site_id: int) -> dict[str, Any]:
    """One site with its audit history and its place on a map."""
    site = get_site(session, site_id)
    return {"site": site, "history": audit.entries_for(session, "site", site_id),
            "map_points": maps.features([maps.MapPoint(site.lon, site.lat, site.name)] if site.lon is not None else [])}


def site_form_page(session: Session, site_id: int) -> dict[str, Any]:
    """A site's edit form, filled with its stored values, and the streets to choose from."""
    site = get_site(session, site_id)
    form = site.audit_view() | {"jurisdiction_code": site.jurisdiction.code}
    return {"site": site, "form": {k: ("" if v is None else v) for k, v in form.items()},
            "jurisdictions": list_jurisdictions(session)}
