"""Loads ``fixtures/`` into the configured database. Idempotent: what exists is left alone.

Each later domain adds its part here, so a newcomer's first look shows the system alive.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure import PROJECT_ROOT
from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.audit import services as audit
from procure.audit.services import SYSTEM
from procure.clock import Clock
from procure.sites.models import Jurisdiction, Site, UnitRate
from procure.sites.rules import FieldErrors, validate_site

FIXTURES = PROJECT_ROOT / "fixtures"

Progress = Callable[[str, int, int], None]


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


def _rows(name: str, fixtures: Path) -> list[dict[str, str]]:
    with (fixtures / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_demo(session: Session, clock: Clock, fixtures: Path = FIXTURES, progress: Progress | None = None) -> DemoReport:
    report = DemoReport()
    _jurisdictions(session, clock, fixtures, report)
    _unit_rates(session, clock, fixtures, report)
    _users(session, clock, fixtures, report, progress)
    _sites(session, clock, fixtures, report, progress)
    return report


def _jurisdictions(session: Session, clock: Clock, fixtures: Path, report: DemoReport) -> None:
    known = dict(session.execute(select(Jurisdiction.code, Jurisdiction.id)).all())
    for row in _rows("jurisdictions.csv", fixtures):  # parents come before children in the file
        if row["code"] in known:
            continue
        j = Jurisdiction(code=row["code"], name=row["name"], name_en=row["name_en"], level=row["level"],
                         parent_id=known.get(row["parent_code"]) if row["parent_code"] else None)
        session.add(j)
        session.flush()
        known[j.code] = j.id
        audit.record(session, clock, SYSTEM, "jurisdiction.create", "jurisdiction", j.id, None,
                     {"code": j.code, "name": j.name, "level": j.level})
        report.add("jurisdictions")
    session.commit()


def _unit_rates(session: Session, clock: Clock, fixtures: Path, report: DemoReport) -> None:
    known = set(session.execute(select(UnitRate.kind, UnitRate.grade)).all())
    for row in _rows("unit_rates.csv", fixtures):
        key = (row["kind"], int(row["grade"]))
        if key in known:
            continue
        session.add(UnitRate(kind=key[0], grade=key[1], yuan_per_m2_year=Decimal(row["yuan_per_m2_year"]),
                             updated_at=clock()))
        audit.record(session, clock, SYSTEM, "unit_rate.set", "unit_rate", f"{key[0]}/{key[1]}", None,
                     {"yuan_per_m2_year": row["yuan_per_m2_year"]})
        report.add("unit rates")
    session.commit()


def _users(session: Session, clock: Clock, fixtures: Path, report: DemoReport, progress: Progress | None) -> None:
    rows = _rows("users.csv", fixtures)
    known = set(session.scalars(select(User.username)))
    for index, row in enumerate(rows, start=1):
        if row["username"] not in known:
            accounts.create_user(session, clock, SYSTEM, username=row["username"], password=row["password"],
                                 role=row["role"], display_name=row["display_name"],
                                 jurisdiction_code=row["jurisdiction_code"] or None)
            report.add("users")
        if progress:
            progress("users", index, len(rows))


def _sites(session: Session, clock: Clock, fixtures: Path, report: DemoReport, progress: Progress | None) -> None:
    rows = _rows("sites.csv", fixtures)
    codes = dict(session.execute(select(Jurisdiction.code, Jurisdiction.id)).all())
    known = set(session.scalars(select(Site.code)))
    now = clock()
    for index, row in enumerate(rows, start=1):
        if row["code"] not in known:
            fields = validate_site(row, codes)
            if isinstance(fields, FieldErrors):
                raise ValueError(f"fixtures/sites.csv {row['code']}: {fields.errors}")
            site = Site(code=fields.code, name=fields.name, kind=fields.kind.value, grade=fields.grade,
                        jurisdiction_id=codes[fields.jurisdiction_code], area_m2=fields.area_m2,
                        length_m=fields.length_m, width_m=fields.width_m, handover_date=fields.handover_date,
                        address=fields.address, lon=fields.lon, lat=fields.lat, created_at=now, updated_at=now)
            session.add(site)
            session.flush()
            audit.record(session, clock, SYSTEM, "site.create", "site", site.id, None,
                         site.audit_view() | {"jurisdiction": fields.jurisdiction_code})
            report.add("sites")
        if progress:
            progress("sites", index, len(rows))
    session.commit()
