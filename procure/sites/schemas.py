from __future__ import annotations

from typing import Any

import msgspec

from procure.sites.models import Site
from procure.accounts.models import Jurisdiction
from procure.sites.rules import BudgetEstimate

Number = str | int | float | None


def _s(value: object) -> str | None:
    return None if value is None else str(value)


class SiteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A site as the API takes it. Its values are checked by ``sites.rules.validate_site`` — the
    rule the CSV/XLSX import applies to every row and the page form to its fields — so a site meets
    one set of checks however it arrives; numbers may come as text, as in a spreadsheet."""

    code: str
    name: str
    kind: str
    grade: str | int
    jurisdiction_code: str
    area_m2: Number = None
    length_m: Number = None
    width_m: Number = None
    handover_date: str | None = None
    address: str = ""
    lon: Number = None
    lat: Number = None
    geojson: dict[str, Any] | None = None


class SiteOut(msgspec.Struct):
    id: int
    code: str
    name: str
    kind: str
    grade: int
    jurisdiction_code: str
    jurisdiction_name: str
    area_m2: str
    length_m: str | None
    width_m: str | None
    handover_date: str | None
    address: str
    lon: str | None
    lat: str | None
    geojson: dict[str, Any] | None

    @classmethod
    def of(cls, site: Site) -> "SiteOut":
        return cls(site.id, site.code, site.name, site.kind, site.grade, site.jurisdiction.code,
                   site.jurisdiction.name, str(site.area_m2), _s(site.length_m), _s(site.width_m),
                   _s(site.handover_date), site.address, _s(site.lon), _s(site.lat), site.geojson)


class SitePage(msgspec.Struct):
    items: list[SiteOut]
    total: int
    page: int
    per_page: int


class ImportOut(msgspec.Struct):
    created: int
    codes: list[str]


class JurisdictionOut(msgspec.Struct):
    id: int
    code: str
    name: str
    name_en: str
    level: str
    parent_id: int | None

    @classmethod
    def of(cls, j: Jurisdiction) -> "JurisdictionOut":
        return cls(j.id, j.code, j.name, j.name_en, j.level, j.parent_id)


class EstimateLineOut(msgspec.Struct):
    kind: str
    grade: int
    sites: int
    area_m2: str
    rate: str | None
    amount: str | None


class BudgetOut(msgspec.Struct):
    total: str
    sites: int
    area_m2: str
    lines: list[EstimateLineOut]
    missing_rates: list[str]

    @classmethod
    def of(cls, estimate: BudgetEstimate) -> "BudgetOut":
        return cls(str(estimate.total), estimate.sites, str(estimate.area_m2),
                   [EstimateLineOut(l.kind, l.grade, l.sites, str(l.area_m2), _s(l.rate), _s(l.amount))
                    for l in estimate.lines],
                   [f"{kind}/{grade}" for kind, grade in estimate.missing_rates])


class UnitRateIn(msgspec.Struct):
    kind: str
    grade: str | int
    yuan_per_m2_year: str | int | float


class UnitRateOut(msgspec.Struct):
    kind: str
    grade: int
    yuan_per_m2_year: str
