"""Every domain's models, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from procure.accounts.models import Notification, User
from procure.audit.models import AuditEntry
from procure.awards.models import Award, Objection
from procure.contracts.models import Contract, ContractSite, Variation
from procure.evaluation.models import BidReview, Committee, CommitteeMember, EvaluationResult, ExpertRelation, Score
from procure.bidding.models import Bid, BidDocument, OpeningRecord
from procure.contractors.models import Contractor, ContractorDocument
from procure.db import Base
from procure.documents.models import Document
from procure.sites.models import Jurisdiction, Site, UnitRate
from procure.tendering.models import Amendment, Criterion, Enquiry, Lot, LotSite, Tender

__all__ = [
    "Amendment", "AuditEntry", "Award", "Base", "Bid", "BidDocument", "BidReview", "Committee", "CommitteeMember",
    "Contract", "ContractSite", "EvaluationResult", "ExpertRelation", "Objection", "Score", "Variation", "Contractor", "ContractorDocument", "Criterion",
    "Document", "Enquiry", "Jurisdiction", "Lot", "LotSite", "Notification", "OpeningRecord", "Site", "Tender",
    "UnitRate", "User",
]
