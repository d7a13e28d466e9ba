"""Sites under an active contract, templates from the fixtures, an inspector and the contractor."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from procure.accounts.services import CurrentUser
from procure.documents.storage import LocalStorage
from procure.inspection import services
from tests.factories import ContractFactory, ContractSiteFactory, JurisdictionFactory, SiteFactory, UserFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "inspection_templates.json"


@dataclass
class Field:
    contract: Any
    sites: list
    inspector: CurrentUser
    contractor: CurrentUser
    officer: CurrentUser
    storage: LocalStorage


def build(session, clock, tmp_path, n_sites: int = 4) -> Field:  # type: ignore[no-untyped-def]
    services.load_templates(session, clock, TEMPLATES)
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    contract = ContractFactory()
    sites = [SiteFactory(jurisdiction=street, kind="road", area_m2=Decimal(10000 * (i + 1)), lat=Decimal("30.29"),
                         lon=Decimal(f"119.98{i}")) for i in range(n_sites)]
    for site in sites:
        ContractSiteFactory(contract_id=contract.id, site=site)
    inspector = UserFactory(role="inspector", jurisdiction=street)
    company_user = UserFactory(role="contractor", contractor_id=contract.contractor.id)
    officer = UserFactory(role="officer")
    session.commit()
    return Field(contract, sites, CurrentUser.of(inspector), CurrentUser.of(company_user), CurrentUser.of(officer),
                 LocalStorage(tmp_path / "storage"))
