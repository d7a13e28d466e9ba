"""Every domain's models, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from procure.accounts.models import Notification, OpeningKey, User
from procure.audit.models import AuditEntry
from procure.awards.models import Award, Objection
from procure.contracts.models import Contract, ContractSite, Variation
from procure.evaluation.models import BidReview, Committee, CommitteeMember, EvaluationResult, ExpertRelation, Score
from procure.bidding.models import Bid, BidDocument, OpeningRecord, OpeningShare
from procure.cases.models import ApiKey, Case, CaseEvent, CitizenReport
from procure.contractors.models import Contractor, ContractorDocument
from procure.kernel.db import Base
from procure.documents.models import Document
from procure.inspection.models import Finding, Inspection, InspectionPhoto, InspectionTemplate, SamplingPlan, TemplateItem
from procure.payments.models import MediaExposure, PaymentStatement, StatementEvent, StatementLine
from procure.sites.models import Site, UnitRate
from procure.accounts.models import Jurisdiction
from procure.tendering.models import Amendment, Criterion, Enquiry, Lot, LotSite, OpeningHolder, Tender

__all__ = [
    "ApiKey", "Case", "CaseEvent", "CitizenReport", "Finding", "Inspection", "InspectionPhoto", "InspectionTemplate",
    "SamplingPlan", "TemplateItem", "MediaExposure", "PaymentStatement", "StatementEvent", "StatementLine",
    "Amendment", "AuditEntry", "Award", "Base", "Bid", "BidDocument", "BidReview", "Committee", "CommitteeMember",
    "Contract", "ContractSite", "EvaluationResult", "ExpertRelation", "Objection", "Score", "Variation", "Contractor", "ContractorDocument", "Criterion",
    "Document", "Enquiry", "Jurisdiction", "Lot", "LotSite", "Notification", "OpeningHolder", "OpeningKey", "OpeningRecord", "OpeningShare", "Site", "Tender",
    "UnitRate", "User",
]
