from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from procure.contracts.models import Contract
from procure.kernel.bounds import Id
from procure.kernel.i18n import N_


class ContractSiteOut(msgspec.Struct):
    site_id: int
    code: str
    name: str
    area_m2: str
    from_date: date
    to_date: date | None


class VariationOut(msgspec.Struct):
    number: int
    kind: str
    site_id: Id
    area_before: str | None
    area_after: str | None
    effective_date: date
    monthly_fee_delta: str
    added_value: str
    reason: str


class ContractOut(msgspec.Struct):
    id: int
    number: str
    title: str
    contractor_id: int
    contractor: str
    lot_id: int | None
    state: str
    amount: str
    start_date: date
    end_date: date
    months: int
    monthly_fee: str
    performance_bond: str
    retention_rate: str
    sampling_share: str
    defects_liability_months: int
    payment_table: dict[str, Any]
    penalty_rules: dict[str, Any]
    notice_issued_at: datetime | None
    contractor_signed_at: datetime | None
    officer_signed_at: datetime | None
    signing_late: bool
    end_reason: str
    sites: list[ContractSiteOut]
    variations: list[VariationOut]

    @classmethod
    def of(cls, c: Contract, end: date, late: bool) -> "ContractOut":
        return cls(
            c.id, c.number, c.title, c.contractor_id, c.contractor.company_name, c.lot_id, c.state, str(c.amount),
            c.start_date, end, c.months, str(c.monthly_fee), str(c.performance_bond), str(c.retention_rate),
            str(c.sampling_share), c.defects_liability_months, c.payment_table, c.penalty_rules, c.notice_issued_at,
            c.contractor_signed_at, c.officer_signed_at, late, c.end_reason,
            [ContractSiteOut(s.site_id, s.site.code, s.site.name, str(s.area_m2), s.from_date, s.to_date) for s in c.sites],
            [VariationOut(v.number, v.kind, v.site_id, None if v.area_before is None else str(v.area_before),
                          None if v.area_after is None else str(v.area_after), v.effective_date, str(v.monthly_fee_delta),
                          str(v.added_value), v.reason) for v in c.variations],
        )


class ContractPage(msgspec.Struct):
    items: list[ContractOut]
    total: int
    page: int
    per_page: int


class TermsIn(msgspec.Struct, forbid_unknown_fields=True):
    """A change of terms before signing — the API's PATCH body and, through ``kernel.inputs.convert``,
    the contract page's form. Only the fields given change (``UNSET``: not sent); a JSON ``null`` is
    not a value. Ranges (a column's precision, 1–120 months, years 2000–2100) are the service's."""
    start_date: date | UnsetType = UNSET
    months: int | UnsetType = UNSET
    performance_bond: Decimal | UnsetType = UNSET
    retention_rate: Decimal | UnsetType = UNSET
    sampling_share: Decimal | UnsetType = UNSET
    defects_liability_months: int | UnsetType = UNSET
    payment_table: dict[str, Any] | UnsetType = UNSET  # checked by contracts.rules.payment_table_problems
    penalty_rules: dict[str, Any] | UnsetType = UNSET  # checked by contracts.rules.penalty_problems


class VariationIn(msgspec.Struct):
    """变更 as the API takes it and the contract page's form sends it (``kernel.inputs.convert``)."""
    kind: str  # add_site, remove_site or change_area: the service names the choices
    site_id: Id
    effective_date: date
    monthly_fee_delta: Decimal
    reason: str = ""  # required: the service says so beside the other fields' problems
    area_m2: Decimal | None = None  # change_area only


class ReasonIn(msgspec.Struct):
    reason: str


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:start_date"), N_("field:months"), N_("field:performance_bond"), N_("field:retention_rate"),
    N_("field:sampling_share"), N_("field:defects_liability_months"), N_("field:payment_table"),
    N_("field:penalty_rules"), N_("field:kind"), N_("field:site_id"), N_("field:effective_date"),
    N_("field:monthly_fee_delta"), N_("field:reason"), N_("field:area_m2"),
)
