"""Bounded input types, shared by every domain's schemas and routes (part of the small kernel).

A value outside these bounds cannot be stored (ids and counts are INTEGER columns: int4 on
PostgreSQL; seeds are BIGINT), so it is refused at the boundary with a 400 that names the field,
instead of overflowing in SQL as a 500."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

MAX_ID = 2**31 - 1
#: The random seeds Procure draws itself are ``secrets.randbits(62)``; a given seed fits BIGINT.
MAX_SEED = 2**62

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Seed = Annotated[int, msgspec.Meta(ge=0, le=MAX_SEED)]


def parse_id(raw: object) -> int | None:
    """An id written as text (a form field, an Open311 or OCDS id): ASCII digits naming 1 … MAX_ID,
    else None. ``str.isdigit`` is not enough: it accepts '²', which ``int`` then refuses."""
    text = str(raw if raw is not None else "").strip()
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


# --- exact decimals that fit their column --------------------------------------------------------
from decimal import Decimal  # noqa: E402 — this section was added after the one above

from procure.kernel.i18n import N_  # noqa: E402
from procure.kernel.money import parse_decimal  # noqa: E402

#: Dates users give (deadlines, start dates, months, report ranges) lie in these years: outside
#: them a date is a typo, and near year 1 or 9999 converting it to UTC or adding a month overflows.
MIN_YEAR, MAX_YEAR = 2000, 2100


class OutOfBounds(ValueError):
    """A number ``fixed`` refuses: ``message`` is an English msgid with ``params``; ``error`` is the
    entry for an ``InvalidInput(errors=[...])`` list."""

    def __init__(self, field: str, message: str, **params: str) -> None:
        super().__init__(message.format(**params) if params else message)
        self.field, self.message, self.params = field, message, params

    @property
    def error(self) -> dict[str, object]:
        entry: dict[str, object] = {"field": self.field, "message": self.message}
        return entry | {"params": dict(self.params)} if self.params else entry


def _shown(value: Decimal) -> str:
    return format(value.normalize(), ",f")


def fixed(raw: object, *, places: int, upper: Decimal, lower: Decimal = Decimal(0), field: str,
          inclusive: bool = False) -> Decimal | None:
    """``raw`` (str, int, float or Decimal) as an exact Decimal with ``places`` decimals, or None
    when it is empty; ``OutOfBounds`` when it is not a finite number, lies outside
    ``lower <= value < upper`` (``<= upper`` when ``inclusive``) or has more decimals.

    The bounds are checked before any rounding, so "1e30" or "1e999999999" never reach
    ``quantize`` (whose 28 digits they exceed). ``upper`` is at most the column's limit, e.g.
    ``Decimal("1e12")`` for NUMERIC(14,2), and ``lower`` is not below ``-upper``; ``places`` 0
    parses a whole number. Thousands separators are ignored, as ``kernel.money.parse_decimal``
    ignores them."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise OutOfBounds(field, N_("Not a number."))
    try:
        if isinstance(raw, (int, Decimal)):
            value = Decimal(raw)  # no str(): a huge int would exceed int's digit limit for str
        elif isinstance(raw, float):
            value = Decimal(repr(raw))  # the shortest text of the float: 0.1 is 0.1
        elif isinstance(raw, str):
            parsed = parse_decimal(raw)  # the one reading of typed text: separators, finiteness
            if parsed is None:
                return None
            value = parsed
        else:
            raise OutOfBounds(field, N_("Not a number."))
    except (ArithmeticError, ValueError):
        raise OutOfBounds(field, N_("Not a number.")) from None
    if not value.is_finite():
        raise OutOfBounds(field, N_("Not a number."))
    if value < lower:
        raise OutOfBounds(field, N_("Must be at least {lower}."), lower=_shown(lower))
    if value > upper if inclusive else value.copy_abs() >= upper:  # copy_abs: no context, no Overflow
        raise OutOfBounds(field, N_("Must be at most {upper}.") if inclusive else N_("Must be less than {upper}."),
                          upper=_shown(upper))
    exact = value.quantize(Decimal(1).scaleb(-places))  # |value| <= upper: within the context's 28 digits
    if exact != value:
        if places == 0:
            raise OutOfBounds(field, N_("Not a whole number."))
        if places == 2:
            raise OutOfBounds(field, N_("At most two decimals."))
        raise OutOfBounds(field, N_("At most {places} decimals."), places=str(places))
    return exact.copy_abs() if exact.is_zero() else exact


def fixed_into(raw: object, field: str, errors: list[dict[str, Any]], *, upper: Decimal, places: int = 2,
               lower: Decimal = Decimal(0), inclusive: bool = False) -> Decimal | None:
    """``fixed`` for forms that gather every problem: a refusal is added to ``errors`` (then None)."""
    try:
        return fixed(raw, places=places, upper=upper, lower=lower, inclusive=inclusive, field=field)
    except OutOfBounds as exc:
        errors.append(exc.error)
        return None
