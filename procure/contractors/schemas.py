from __future__ import annotations

from datetime import datetime

import msgspec

from procure.contractors.models import Contractor


class RegistrationIn(msgspec.Struct):
    username: str
    password: str
    company_name: str
    uscc: str
    sme: bool = False
    contact: str = ""          # contact person (DESIGN §6 names one field; the parts below are optional)
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    uscc_confirm: bool = False


class ApproveIn(msgspec.Struct):
    confirm_uscc: bool = False


class RejectIn(msgspec.Struct):
    reason: str


class ContractorDocumentOut(msgspec.Struct):
    id: int
    title: str
    filename: str
    sha256: str
    size: int


class ContractorOut(msgspec.Struct):
    id: int
    company_name: str
    uscc: str
    uscc_check_failed: bool
    sme: bool
    contact_name: str
    contact_phone: str
    contact_email: str
    address: str
    state: str
    registered_at: datetime
    decided_at: datetime | None
    decision_reason: str
    documents: list[ContractorDocumentOut]

    @classmethod
    def of(cls, c: Contractor) -> "ContractorOut":
        return cls(c.id, c.company_name, c.uscc, c.uscc_check_failed, c.sme, c.contact_name, c.contact_phone,
                   c.contact_email, c.address, c.state, c.registered_at, c.decided_at, c.decision_reason,
                   [ContractorDocumentOut(d.id, d.title, d.document.filename, d.document.sha256, d.document.size)
                    for d in c.documents])


class ContractorPage(msgspec.Struct):
    items: list[ContractorOut]
    total: int
    page: int
    per_page: int
