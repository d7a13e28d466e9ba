"""OCDS 1.1 releases and records (https://standard.open-contracting.org/1.1/).

One contracting process — one ``ocid`` — per lot: ``ocds-<prefix>-<tender id>-<lot id>``. Releases
are built from what happened, dated when it happened: the tender, each amendment, the bids once
opened, the award, the contract, and one implementation release per month with the month's
assessment (a milestone) and payment (a transaction). Nothing sealed is ever in a release: bids
appear only after the opening.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procure.contractors.rules import compose_uscc

if TYPE_CHECKING:
    from procure.contractors.models import Contractor
    from procure.sites.models import Site

SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
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
    return None if moment is None else moment.isoformat()


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


def items(sites: Iterable[Site]) -> list[dict[str, Any]]:
    return [{"id": site.code, "description": f"{site.name}（{site.kind}，{site.grade}级）",
             "quantity": float(site.area_m2), "unit": {"name": "平方米", "scheme": "UNCEFACT", "id": "MTK"}}
            for site in sites]


def release(ocid_: str, rid: str, date: datetime, tags: list[str], **sections: Any) -> dict[str, Any]:
    body = {"ocid": ocid_, "id": rid, "date": iso(date), "tag": tags, "initiationType": "tender", "language": "zh",
            "buyer": {"id": BUREAU_ID, "name": BUREAU_NAME}}
    body.update({k: v for k, v in sections.items() if v is not None})
    return body


def package(releases: list[dict[str, Any]], uri: str, published: datetime) -> dict[str, Any]:
    return {"uri": uri, "version": "1.1", "publishedDate": iso(published), "releases": releases,
            "publisher": {"name": BUREAU_NAME, "scheme": "CN-USCC", "uid": BUREAU_USCC},
            "publicationPolicy": "https://example.invalid/procure/publication-policy",
            "license": "https://creativecommons.org/licenses/by/4.0/"}


# --- compiling a record (the OCDS merge) ------------------------------------------------------


def merge(target: Any, source: Any) -> Any:  # Any JSON values
    """OCDS merging: objects merge field by field, arrays of objects with ids merge by id, other
    values (and other arrays) are replaced by the newer release's."""
    if isinstance(target, dict) and isinstance(source, dict):
        out = dict(target)
        for key, value in source.items():
            out[key] = merge(out[key], value) if key in out else value
        return out
    if isinstance(target, list) and isinstance(source, list) and source and all(isinstance(x, dict) and "id" in x
                                                                                 for x in source + target):
        merged = {x["id"]: x for x in target}
        order = [x["id"] for x in target]
        for item in source:
            if item["id"] in merged:
                merged[item["id"]] = merge(merged[item["id"]], item)
            else:
                merged[item["id"]] = item
                order.append(item["id"])
        return [merged[i] for i in order]
    return source


def compile_record(releases: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(releases, key=lambda r: (r["date"], r["id"]))
    compiled: dict[str, Any] = {}
    for r in ordered:
        compiled = merge(compiled, {k: v for k, v in r.items() if k not in ("id", "tag", "date")})
    compiled.update({"id": f"{ordered[-1]['ocid']}-compiled", "date": ordered[-1]["date"], "tag": ["compiled"]})
    return compiled


def validator(kind: str = "package") -> Any:  # a jsonschema Draft4Validator (jsonschema ships no types)
    """A jsonschema validator for the official OCDS 1.1 schemas kept in this package."""
    from jsonschema import Draft4Validator  # jsonschema only where a package is validated
    from referencing import Registry, Resource  # (with jsonschema)
    from referencing.jsonschema import DRAFT4  # (with jsonschema)

    release = json.loads((SCHEMA_DIR / "ocds-release-schema.json").read_text(encoding="utf-8"))
    pkg = json.loads((SCHEMA_DIR / "ocds-release-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(pkg if kind == "package" else release, registry=registry)
