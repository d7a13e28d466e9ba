from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from procure.contracts.models import Contract
from procure.kernel.bounds import Id


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


class VariationIn(msgspec.Struct):
    kind: str
    site_id: int
    effective_date: str
    monthly_fee_delta: str | int | float
    reason: str
    area_m2: str | int | float | None = None


class ReasonIn(msgspec.Struct):
    reason: str
