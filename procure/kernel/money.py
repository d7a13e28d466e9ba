"""Money: the bureau's one rounding rule and the one way to read an amount someone typed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: A fen (分), the smallest amount the bureau pays.
CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """DESIGN §4: half-up to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(text: object) -> Decimal | None:
    """The one reading of a number someone typed: None when empty, thousands separators (1,000 or
    1，000) dropped, ``ValueError`` when it is not a finite number. Range and decimal places are the
    caller's (``bounds.fixed``, ``bidding.rules.parse_price``)."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a number")
    return value


def format_amount(value: Decimal | None) -> str:
    """How pages, PDFs and messages write an amount (or an area): thousands separated, two
    places; a dash for none."""
    return "—" if value is None else f"{value:,.2f}"
