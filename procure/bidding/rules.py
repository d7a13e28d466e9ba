"""Bid rules: the price as typed, bond forms, the receipt's fingerprint. Pure."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from enum import StrEnum
from typing import Any

from procure.kernel.i18n import N_
from procure.kernel.money import parse_decimal

class BidState(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    #: 撤销: found invalid at the opening (did not decrypt, or not what the browser declared).
    REVOKED = "revoked"


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


def bidder_tag(index_key: bytes, lot_id: int, contractor_id: int) -> str:
    """The keyed blind index of (lot, company): one bid per company per lot, and a company finds
    its own, while a reader of the database alone cannot tell who bid (招标投标法 第22条). Whoever
    also holds the index key can test each registered company against a lot: docs/sealed-bids.md."""
    return hmac.new(index_key, f"bid-index|lot {lot_id}|contractor {contractor_id}".encode(), hashlib.sha256).hexdigest()


#: Why an opening finds a bid invalid (电子招标投标办法 第31条: a bid that cannot be decrypted
#: through the bidder's fault is treated as withdrawn, 视为撤销其投标文件).
REVOKED_UNDECRYPTABLE = N_("The bid did not decrypt with the officials' shares (电子招标投标办法 第31条).")
REVOKED_WRONG_BIDDER = N_("The sealed bid names another company than the one that submitted it.")
REVOKED_DOCUMENT_COUNT = N_("The bid carries other documents than its sealed list names.")
REVOKED_DOCUMENT_DECRYPT = N_("Document {index} does not decrypt: its ciphertext was changed or belongs to another bid.")
REVOKED_DOCUMENT_MISMATCH = N_("Document {index} is not the file the bidder's browser declared (its SHA-256 or size "
                               "differs).")
REVOKED_DOCUMENT_TYPE = N_("Document {index} is not a PDF, JPEG, PNG, DOCX or XLSX file.")
REVOKED_STORAGE = N_("Document {index} as stored is not the ciphertext the bidder's receipt names: it was changed "
                     "after receipt.")
#: ``detail`` in the reason's params keeps the check's own message for the record.
REVOKED_PRICE = N_("The sealed price or bond form is not valid (the bid page would have refused it).")
