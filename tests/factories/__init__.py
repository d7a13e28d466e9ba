"""factory-boy factories, one module per domain, on one base that flushes (never commits)."""

from sqlalchemy.orm import Session

from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.base import ALL_FACTORIES, BaseFactory
from tests.factories.contractors import ContractorFactory, make_uscc
from tests.factories.contracts import ContractFactory, ContractSiteFactory
from tests.factories.sites import JurisdictionFactory, SiteFactory, UnitRateFactory


def bind(session: Session) -> None:
    for factory in ALL_FACTORIES:
        factory._meta.sqlalchemy_session = session


__all__ = ["PASSWORD", "BaseFactory", "ContractFactory", "ContractSiteFactory", "ContractorFactory", "make_uscc", "JurisdictionFactory", "SiteFactory", "UnitRateFactory", "UserFactory", "bind"]
