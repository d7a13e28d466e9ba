from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from procure.sites.models import Site
from procure.accounts.models import Jurisdiction
from procure.sites.rules import BudgetEstimate
from procure.kernel.i18n import N_

def _s(value: object) -> str | None:
    return None if value is None else str(value)


class SiteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A site as the API takes it: measures are numbers (or their text), the handover a date. The
    kind and grade are the bureau's vocabulary, in English or Chinese (road/道路, 1/一级), as in a
    spreadsheet. Ranges and the road's length × width are ``sites.rules.validate_site`` — the rule
    the CSV/XLSX import applies to every row and the page form to its fields, reporting every
    problem at once — so a site meets one set of checks however it arrives."""

    code: str
    name: str
    kind: str
    grade: str | int
    jurisdiction_code: str
    area_m2: Decimal | None = None
    length_m: Decimal | None = None
    width_m: Decimal | None = None
    handover_date: date | None = None
    address: str = ""
    lon: Decimal | None = None
    lat: Decimal | None = None
    geojson: dict[str, Any] | None = None


class SiteChangesIn(msgspec.Struct, forbid_unknown_fields=True):
    """A change to a site (PATCH): only the fields sent change (``UNSET``: not sent); ``null``
    clears an optional measure or the handover date. Checked with the stored values by
    ``sites.rules.validate_site``."""

    code: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    grade: str | int | UnsetType = UNSET
    jurisdiction_code: str | UnsetType = UNSET
    area_m2: Decimal | None | UnsetType = UNSET
    length_m: Decimal | None | UnsetType = UNSET
    width_m: Decimal | None | UnsetType = UNSET
    handover_date: date | None | UnsetType = UNSET
    address: str | UnsetType = UNSET
    lon: Decimal | None | UnsetType = UNSET
    lat: Decimal | None | UnsetType = UNSET
    geojson: dict[str, Any] | None | UnsetType = UNSET


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
    """A unit rate as the API takes it and the rates page's form sends it (``kernel.inputs.convert``)."""
    kind: str  # road … river, or its Chinese name (道路 …): sites.rules.parse_kind
    grade: str | int  # 1–3, or its Chinese name (一级 …), as a site's: sites.rules.parse_grade
    yuan_per_m2_year: Decimal  # ≥ 0, two decimals, below 10⁸: the service's check on the column


class UnitRateOut(msgspec.Struct):
    kind: str
    grade: int
    yuan_per_m2_year: str


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:code"), N_("field:name"), N_("field:kind"), N_("field:grade"), N_("field:jurisdiction_code"),
    N_("field:area_m2"), N_("field:length_m"), N_("field:width_m"), N_("field:handover_date"), N_("field:address"),
    N_("field:lon"), N_("field:lat"), N_("field:geojson"), N_("field:yuan_per_m2_year"),
)
