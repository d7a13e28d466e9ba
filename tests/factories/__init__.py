"""factory-boy factories, one module per domain, on one base that flushes (never commits)."""

from sqlalchemy.orm import Session

from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.base import ALL_FACTORIES, NOW, SECRET_KEY, BaseFactory
from tests.factories.bidding import BidFactory
from tests.factories.cases import CaseFactory
from tests.factories.contractors import ContractorFactory, make_uscc
from tests.factories.contracts import ContractFactory, ContractSiteFactory
from tests.factories.evaluation import CommitteeFactory, CommitteeMemberFactory
from tests.factories.inspection import InspectionFactory, InspectionTemplateFactory
from tests.factories.payments import StatementFactory
from tests.factories.sites import JurisdictionFactory, SiteFactory, UnitRateFactory
from tests.factories.tendering import LotFactory, TenderFactory


def bind(session: Session) -> None:
    for factory in ALL_FACTORIES:
        factory._meta.sqlalchemy_session = session


__all__ = ["NOW", "PASSWORD", "SECRET_KEY", "BaseFactory", "BidFactory", "CaseFactory", "CommitteeFactory",
           "CommitteeMemberFactory", "ContractFactory", "ContractSiteFactory", "ContractorFactory", "InspectionFactory",
           "InspectionTemplateFactory", "JurisdictionFactory", "LotFactory", "SiteFactory", "StatementFactory",
           "TenderFactory", "UnitRateFactory", "UserFactory", "bind", "make_uscc"]
