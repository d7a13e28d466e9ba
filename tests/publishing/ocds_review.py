"""Reviewing OCDS data the way publishers are judged: libcoveocds (the Open Contracting Partnership's
data review library, the engine of its CoVE validator), run as its command line with every additional
check, against the standard's repository at tag 1__1__5 kept in this folder (it cannot be downloaded
here). Extensions are fetched from the URLs the package declares, so the package must come from a
live server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

STANDARD_ZIP = Path(__file__).resolve().parent / "ocds_standard" / "standard-1__1__5.zip"


def review(package: dict[str, Any], folder: Path, name: str = "package") -> dict[str, Any]:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "libcoveocds", "--standard-zip", str(STANDARD_ZIP),
                           "--additional-checks", "all", str(path)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def findings(result: dict[str, Any]) -> list[str]:
    """Every error and warning of a review, in words: schema errors (formats included), extensions
    that did not load, fields no declared schema defines, deprecated fields, codelist values outside
    their codelists, and what the additional checks flag."""
    out = [f"error {e['type']} at {e.get('path')}: {str(e.get('value'))[:80]}" for e in result["validation_errors"]]
    extensions = result.get("extensions") or {}
    out += [f"extension {url} did not load: {why}" for url, why in (extensions.get("invalid_extension") or {}).items()]
    out += [f"field {f['path']}/{f['field']} is in no declared schema" for f in result.get("additional_fields") or []]
    out += [f"deprecated {f}" for f in result.get("deprecated_fields") or []]
    for kind in ("additional_closed_codelist_values", "additional_open_codelist_values"):
        out += [f"{kind}: {path} {v.get('values')}" for path, v in (result.get(kind) or {}).items()]
    out += [f"check {name}: {rows}"[:300] for name, rows in (result.get("additional_checks") or {}).items() if rows]
    return out


SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"


def record_package_errors(package: dict[str, Any]) -> list[str]:
    """A record package against the standard's record package schema from the same zip, with the
    release schema extended by the package's extensions and formats checked.

    Why not libcoveocds here: for a record package, libcoveocds 0.17 dereferences
    versioned-release-validation-schema.json from standard.open-contracting.org instead of from
    ``--standard-zip``, which cannot be reached here. The compiled release itself is reviewed by
    libcoveocds as a release package (``compiled_as_release_package``)."""
    import zipfile

    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    from procure.publishing import ocds

    with zipfile.ZipFile(STANDARD_ZIP) as archive:
        def schema(name: str) -> Any:
            return json.loads(archive.read(f"standard-1__1__5/schema/{name}"))

        record_schema, versioned = schema("record-package-schema.json"), schema("versioned-release-validation-schema.json")
    registry = Registry().with_resources([
        (SCHEMA_BASE + "release-schema.json", Resource.from_contents(ocds.extended_release_schema(), DRAFT4)),
        (SCHEMA_BASE + "versioned-release-validation-schema.json", Resource.from_contents(versioned, DRAFT4))])
    validator = Draft4Validator(record_schema, registry=registry, format_checker=FormatChecker())
    return [f"{list(e.path)}: {e.message}"[:300] for e in validator.iter_errors(package)]


def compiled_as_release_package(record_package: dict[str, Any]) -> dict[str, Any]:
    """The record package's compiled releases as a release package with the same metadata."""
    head = {k: v for k, v in record_package.items() if k != "records"}
    return head | {"releases": [r["compiledRelease"] for r in record_package["records"]]}
