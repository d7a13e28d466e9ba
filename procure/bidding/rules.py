"""Bid rules: the price as typed, bond forms, the receipt's fingerprint. Pure."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from enum import StrEnum
from typing import Any

from procure.kernel.i18n import N_
from procure.kernel.money import parse_decimal

class BidState(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class BondStatus(StrEnum):
    """What the opening record says of a bid's bond."""

    NOT_REQUIRED = "not_required"
    PROVIDED = "provided"
    MISSING = "missing"


#: 投标保证金 forms (政府采购法实施条例 第33条: 支票、汇票、本票或者金融机构、担保机构出具的保函).
BOND_FORMS = ("transfer", "guarantee", "insurance", "none")
MAX_PRICE = Decimal("999999999999.99")  # NUMERIC(14,2)


def parse_price(raw: object) -> tuple[Decimal | None, str | None]:
    """(price, problem msgid). A price is > 0 with at most two decimals."""
    try:
        value = parse_decimal(raw)  # thousands separators dropped; NaN and Infinity refused
    except ValueError:
        return None, N_("The price must be a number in yuan, e.g. 1234567.89.")
    if value is None:
        return None, N_("Give the bid price in yuan.")
    if value <= 0:
        return None, N_("The price must be greater than 0.")
    if value > MAX_PRICE:  # before any quantize: "1e30" has more digits than the context's 28
        return None, N_("The price is too large.")
    if value != value.quantize(Decimal("0.01")):
        return None, N_("The price may have at most two decimals (fen).")
    return value.quantize(Decimal("0.01")), None


def bond_status(required: Decimal, form: str | None, reference: str | None) -> str:
    """What the opening record says of the bid bond."""
    if required <= 0:
        return BondStatus.NOT_REQUIRED
    if form and form != "none" and (reference or "").strip():
        return BondStatus.PROVIDED
    return BondStatus.MISSING


def receipt_fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 over the receipt's canonical JSON: the bidder can prove what the server received."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                     default=str).encode()).hexdigest()
