"""Every domain's models, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from procure.accounts.models import User
from procure.audit.models import AuditEntry
from procure.db import Base
from procure.sites.models import Jurisdiction, Site, UnitRate

__all__ = ["AuditEntry", "Base", "Jurisdiction", "Site", "UnitRate", "User"]
