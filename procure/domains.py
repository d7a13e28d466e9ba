"""Every domain, imported in dependency order, so that every process has the same wiring.

Later domains fill the ports and hooks earlier ones declare (``procure.kernel.hooks``) when their
services module is imported. The app, the worker, the CLI and the tests import this module first,
so a hand-off is never missing in one kind of process and present in another.
"""

from procure import models  # noqa: F401  (every table in Base.metadata)
from procure.audit import services as audit
from procure.accounts import services as accounts
from procure.sites import services as sites
from procure.documents import services as documents
from procure.contractors import services as contractors
from procure.tendering import services as tendering
from procure.bidding import services as bidding
from procure.evaluation import services as evaluation
from procure.awards import services as awards
from procure.contracts import services as contracts
from procure.inspection import services as inspection
from procure.cases import services as cases
from procure.payments import services as payments
from procure.reports import services as reports
from procure.publishing import services as publishing

#: The declared dependency order (docs/architecture.md): a domain imports only the kernel and the
#: domains before it. ``tests/test_dependencies.py`` reads the imports and holds the code to it.
ORDER = ("kernel", "audit", "accounts", "sites", "documents", "contractors", "tendering", "bidding", "evaluation",
         "awards", "contracts", "inspection", "cases", "payments", "reports", "publishing")

DOMAINS = (audit, accounts, sites, documents, contractors, tendering, bidding, evaluation, awards, contracts,
           inspection, cases, payments, reports, publishing)
