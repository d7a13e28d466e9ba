"""OCDS 1.1 releases and records (https://standard.open-contracting.org/1.1/).

One contracting process — one ``ocid`` — per lot: ``ocds-<prefix>-<tender id>-<lot id>``. Releases
are built from what happened, dated when it happened: the tender, each amendment, the bids once
opened, the award, the contract, and one implementation release per month with the month's
assessment (a milestone, and the score and penalties as metrics observations) and payment (a
transaction). Nothing sealed is ever in a release: bids appear only after the opening.

Every URI is absolute, under the publisher's public base URL (``Settings.public_base_url``). The
extensions used (bids, organisation scale, metrics) are declared in every package and served from
``ocds_extensions/`` (its README says where each copy comes from).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procure.contractors.rules import compose_uscc
from procure.kernel.clock import BUREAU_TZ
from procure.sites.rules import GRADE_NAMES_ZH, KIND_NAMES_ZH, SiteKind

if TYPE_CHECKING:
    from procure.contractors.models import Contractor
    from procure.sites.models import Site

SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
EXTENSIONS_DIR = Path(__file__).resolve().parent / "ocds_extensions"
#: The extensions every package declares, by their folder under EXTENSIONS_DIR: the bids extension
#: (bid statistics and details after the opening), organisation scale (parties.details.scale: SMEs,
#: 中小企业促进法) and metrics (the monthly score and penalties as observations).
EXTENSIONS = ("bids", "partyScale", "metrics")
#: Where the API serves those extensions, under the public base URL.
EXTENSIONS_PATH = "/api/v1/public/ocds/extensions"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
BUREAU_NAME = "杭州市余杭区城市管理局"
#: The bureau's own unified social credit code (a 机关 code: registration "11").
BUREAU_USCC = compose_uscc("11", "330110", "00250155")
BUREAU_ID = f"CN-USCC-{BUREAU_USCC}"

LOT_STATUS = {"active": "active", "unsuccessful": "unsuccessful", "awarded": "complete", "contracted": "complete",
              "cancelled": "cancelled"}


def ocid(prefix: str, tender_id: int, lot_id: int) -> str:
    return f"ocds-{prefix}-{tender_id}-{lot_id}"


def money(amount: Decimal | None) -> dict[str, Any] | None:
    # OCDS amounts are JSON numbers; two-decimal yuan values survive float exactly in repr.
    return None if amount is None else {"amount": float(amount), "currency": "CNY"}


def iso(moment: datetime | None) -> str | None:
    """A date-time in the bureau's offset (+08:00), whatever the database handed back: one offset
    everywhere keeps ``date`` values comparable as text, so ``since`` and the order are exact."""
    return None if moment is None else moment.astimezone(BUREAU_TZ).isoformat()


def absolute(base_url: str, path: str) -> str:
    """An absolute URI under the public base URL (the schema's ``format: uri`` wants absolute ones)."""
    return base_url.rstrip("/") + path


def extension_urls(base_url: str) -> list[str]:
    return [absolute(base_url, f"{EXTENSIONS_PATH}/{name}/extension.json") for name in EXTENSIONS]


def extension_file(name: str, path: str) -> Path | None:
    """A file of a declared extension (extension.json, release-schema.json, codelists/*.csv), or None:
    nothing outside those folders is ever served."""
    if name not in EXTENSIONS:
        return None
    folder = EXTENSIONS_DIR / name
    allowed = {"extension.json", "release-schema.json", "LICENSE"} | {
        f"codelists/{p.name}" for p in (folder / "codelists").glob("*.csv")}
    return folder / path if path in allowed else None


def party_id(company: Contractor) -> str:
    return f"CN-USCC-{company.uscc}"


def bureau_party(roles: Iterable[str]) -> dict[str, Any]:
    return {"id": BUREAU_ID, "name": BUREAU_NAME, "roles": sorted(set(roles)),
            "identifier": {"scheme": "CN-USCC", "id": BUREAU_USCC, "legalName": BUREAU_NAME},
            "address": {"locality": "杭州市余杭区", "countryName": "中国"}}


def company_party(company: Contractor, roles: Iterable[str]) -> dict[str, Any]:
    # No phone numbers or personal contacts: public data carries the company, not its people.
    return {"id": party_id(company), "name": company.company_name, "roles": sorted(set(roles)),
            "identifier": {"scheme": "CN-USCC", "id": company.uscc, "legalName": company.company_name},
            "details": {"scale": "sme" if company.sme else "large"}}


#: Each site kind's service in the UN Central Product Classification, Ver. 2.1 (scheme "CPC" of the
#: itemClassificationScheme codelist): cleaning a road, square or river bank is a sanitation service;
#: parks and green spaces are landscape care.
CPC = {SiteKind.ROAD: ("94510", "Sweeping and snow removal services"),
       SiteKind.SQUARE: ("94510", "Sweeping and snow removal services"),
       SiteKind.RIVER: ("94590", "Other sanitation services"),
       SiteKind.PARK: ("85970", "Landscape care and maintenance services"),
       SiteKind.GREEN_SPACE: ("85970", "Landscape care and maintenance services")}


def items(sites: Iterable[Site]) -> list[dict[str, Any]]:
    """One item per site, described in words (name, kind, grade) and classified by its service."""
    out = []
    for site in sites:
        kind = SiteKind(site.kind)
        code, words = CPC[kind]
        out.append({"id": site.code, "description": f"{site.name}（{KIND_NAMES_ZH[kind]}，{GRADE_NAMES_ZH.get(site.grade, site.grade)}养护，"
                                                    f"{site.area_m2} 平方米）",
                    "classification": {"scheme": "CPC", "id": code, "description": words},
                    "quantity": float(site.area_m2), "unit": {"name": "平方米", "scheme": "UNCEFACT", "id": "MTK"}})
    return out


def release(ocid_: str, rid: str, date: datetime, tags: list[str], **sections: Any) -> dict[str, Any]:
    body = {"ocid": ocid_, "id": rid, "date": iso(date), "tag": tags, "initiationType": "tender", "language": "zh",
            "buyer": {"id": BUREAU_ID, "name": BUREAU_NAME}}
    body.update({k: v for k, v in sections.items() if v is not None})
    return pruned(body)


def pruned(value: Any) -> Any:  # Any: JSON values
    """Without empty strings, lists, objects or nulls: OCDS wants a field left out, not empty (the
    data review's empty_field check), e.g. a tender published with no description."""
    if isinstance(value, dict):
        kept = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", None, [], {})}
    if isinstance(value, list):
        kept_items = [pruned(v) for v in value]
        return [v for v in kept_items if v not in ("", None, [], {})]
    return value


def _package_head(uri: str, published: datetime, base_url: str) -> dict[str, Any]:
    return {"uri": uri, "version": "1.1", "extensions": extension_urls(base_url), "publishedDate": iso(published),
            "publisher": {"name": BUREAU_NAME, "scheme": "CN-USCC", "uid": BUREAU_USCC},
            "publicationPolicy": absolute(base_url, "/public/open-data"),
            "license": "https://creativecommons.org/licenses/by/4.0/"}


def package(releases: list[dict[str, Any]], uri: str, published: datetime, base_url: str) -> dict[str, Any]:
    return _package_head(uri, published, base_url) | {"releases": releases}


def record_package(records: list[dict[str, Any]], uri: str, published: datetime, base_url: str) -> dict[str, Any]:
    return _package_head(uri, published, base_url) | {"records": records}


# --- compiling a record (the OCDS merge) ------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:  # Any: JSON values
    """JSON Merge Patch (RFC 7386), the way OCDS extensions patch the release schema."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


@functools.cache
def extended_release_schema() -> dict[str, Any]:
    """The OCDS 1.1.5 release schema with the declared extensions' patches applied, in order."""
    schema = json.loads((SCHEMA_DIR / "ocds-release-schema.json").read_text(encoding="utf-8"))
    for name in EXTENSIONS:
        patch = json.loads((EXTENSIONS_DIR / name / "release-schema.json").read_text(encoding="utf-8"))
        schema = merge_patch(schema, patch)
    return schema


@functools.cache
def _merger() -> Any:  # an ocdsmerge.Merger (ocdsmerge ships no types)
    import ocdsmerge  # the Open Contracting Partnership's reference implementation of the merge routine

    return ocdsmerge.Merger(schema=extended_release_schema())


def compile_record(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release by the standard's merge routine (ocdsmerge, with the merge rules read
    from the extended schema): releases in date order, objects merged field by field, arrays of
    objects merged by ``id``, everything else replaced by the newer release's."""
    return _merger().create_compiled_release(releases)


def validator(kind: str = "package") -> Any:  # a jsonschema Draft4Validator (jsonschema ships no types)
    """A jsonschema validator for the official OCDS 1.1 schemas kept in this package, extended by the
    declared extensions (the full review, with formats and codelists, is libcoveocds' in the tests)."""
    from jsonschema import Draft4Validator  # jsonschema only where a package is validated
    from referencing import Registry, Resource  # (with jsonschema)
    from referencing.jsonschema import DRAFT4  # (with jsonschema)

    release = extended_release_schema()
    pkg = json.loads((SCHEMA_DIR / "ocds-release-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(pkg if kind == "package" else release, registry=registry)
