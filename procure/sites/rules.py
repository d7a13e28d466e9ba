"""Site registry rules: kinds, grades, validation of a site's fields, budget estimates. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from procure.kernel.clock import parse_date
from procure.kernel.money import parse_decimal, round2

class SiteKind(StrEnum):
    ROAD = "road"
    SQUARE = "square"
    PARK = "park"
    GREEN_SPACE = "green_space"
    RIVER = "river"


KIND_NAMES_ZH = {
    SiteKind.ROAD: "道路", SiteKind.SQUARE: "广场", SiteKind.PARK: "公园",
    SiteKind.GREEN_SPACE: "绿地", SiteKind.RIVER: "河道",
}
GRADE_NAMES_ZH = {1: "一级", 2: "二级", 3: "三级"}

_KIND_ALIASES = {k.value: k for k in SiteKind} | {v: k for k, v in KIND_NAMES_ZH.items()} | {
    "green space": SiteKind.GREEN_SPACE, "green": SiteKind.GREEN_SPACE, "公共绿地": SiteKind.GREEN_SPACE,
    "河流": SiteKind.RIVER, "市政道路": SiteKind.ROAD,
}
_GRADE_ALIASES = {"1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3} | {v: k for k, v in GRADE_NAMES_ZH.items()} | {
    "一": 1, "二": 2, "三": 3,
}


def parse_kind(text: object) -> SiteKind | None:
    return _KIND_ALIASES.get(str(text or "").strip().lower())


def parse_grade(text: object) -> int | None:
    raw = str(text or "").strip().lower()
    if raw.endswith(".0"):  # XLSX numbers come back as floats
        raw = raw[:-2]
    return _GRADE_ALIASES.get(raw)


@dataclass(frozen=True)
class SiteFields:
    """A site's fields after validation — what a service may store."""

    code: str
    name: str
    kind: SiteKind
    grade: int
    jurisdiction_code: str
    area_m2: Decimal
    length_m: Decimal | None = None
    width_m: Decimal | None = None
    handover_date: date | None = None
    address: str = ""
    lon: Decimal | None = None
    lat: Decimal | None = None


@dataclass
class FieldErrors:
    """Problems found in one row or form, keyed by column."""

    errors: dict[str, str] = field(default_factory=dict)

    def add(self, column: str, message: str) -> None:
        self.errors.setdefault(column, message)

    def __bool__(self) -> bool:
        return bool(self.errors)


#: A road's stated area may differ from length × width by rounding only.
AREA_TOLERANCE_M2 = Decimal("1.00")
#: Exclusive upper bounds that fit the columns: area Fixed(12,2), length Fixed(10,2), width Fixed(8,2).
MAX_AREA_M2 = Decimal("1e10")
MAX_LENGTH_M = Decimal("1e8")
MAX_WIDTH_M = Decimal("1e6")


def _measure(errs: FieldErrors, column: str, value: Decimal | None, limit: Decimal) -> Decimal | None:
    """``value`` if it is > 0 and below ``limit`` once rounded to the cent; else an error and None.

    The range is checked before rounding: quantizing 1e30 to the cent raises.
    """
    if value is None:
        return None
    if value <= 0:
        errs.add(column, "Must be greater than 0.")
    elif value >= limit:
        errs.add(column, "Too large.")
    elif round2(value) <= 0:
        errs.add(column, "Must be greater than 0.")
    elif round2(value) >= limit:
        errs.add(column, "Too large.")
    else:
        return value
    return None


def validate_site(raw: Mapping[str, Any], jurisdiction_codes: Iterable[str]) -> SiteFields | FieldErrors:
    """Check one site's raw fields (strings from a form, CSV or XLSX) and return them typed.

    Every problem is reported at once, per column; messages are English msgids (translated
    where shown).
    """
    errs = FieldErrors()
    code = str(raw.get("code") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not code:
        errs.add("code", "Required.")
    elif len(code) > 32:
        errs.add("code", "At most 32 characters.")
    if not name:
        errs.add("name", "Required.")
    elif len(name) > 128:
        errs.add("name", "At most 128 characters.")
    kind = parse_kind(raw.get("kind"))
    if kind is None:
        errs.add("kind", "Unknown site kind; use road, square, park, green_space or river (道路/广场/公园/绿地/河道).")
    grade = parse_grade(raw.get("grade"))
    if grade is None:
        errs.add("grade", "Unknown grade; use 1, 2 or 3 (一级/二级/三级).")
    jurisdiction_code = str(raw.get("jurisdiction_code") or "").strip()
    if jurisdiction_code.endswith(".0"):
        jurisdiction_code = jurisdiction_code[:-2]
    if not jurisdiction_code:
        errs.add("jurisdiction_code", "Required.")
    elif jurisdiction_code not in set(jurisdiction_codes):
        errs.add("jurisdiction_code", "Unknown jurisdiction code.")

    numbers: dict[str, Decimal | None] = {}
    for column in ("area_m2", "length_m", "width_m", "lon", "lat"):
        try:
            numbers[column] = parse_decimal(raw.get(column))
        except ValueError:
            errs.add(column, "Not a number.")
            numbers[column] = None
    # NaN and Infinity are "Not a number." already (parse_decimal); every bound is checked before
    # anything is multiplied or rounded, so no value can overflow the arithmetic or the column.
    length = _measure(errs, "length_m", numbers["length_m"], MAX_LENGTH_M)
    width = _measure(errs, "width_m", numbers["width_m"], MAX_WIDTH_M)
    area = _measure(errs, "area_m2", numbers["area_m2"], MAX_AREA_M2)
    if kind is SiteKind.ROAD and length is not None and width is not None and "area_m2" not in errs.errors:
        computed = round2(length * width)  # < 1e14: exact in the default 28-digit context
        if area is None:
            area = _measure(errs, "area_m2", computed, MAX_AREA_M2)
        elif abs(area - computed) > AREA_TOLERANCE_M2:
            errs.add("area_m2", "A road's area must equal length × width.")
    if area is None and "area_m2" not in errs.errors:
        errs.add("area_m2", "Required (for roads: or give length and width).")
    lon, lat = numbers["lon"], numbers["lat"]
    if lon is not None and not Decimal(-180) <= lon <= Decimal(180):
        errs.add("lon", "Longitude must be between -180 and 180.")
    if lat is not None and not Decimal(-90) <= lat <= Decimal(90):
        errs.add("lat", "Latitude must be between -90 and 90.")
    try:
        handover = parse_date(raw.get("handover_date"))
    except ValueError:
        errs.add("handover_date", "Not a date; use YYYY-MM-DD.")
        handover = None
    address = str(raw.get("address") or "").strip()
    if len(address) > 255:
        errs.add("address", "At most 255 characters.")
    if errs:
        return errs
    assert kind is not None and grade is not None and area is not None
    q6 = Decimal("0.000001")
    return SiteFields(
        code=code, name=name, kind=kind, grade=grade, jurisdiction_code=jurisdiction_code,
        area_m2=round2(area), length_m=round2(length) if length is not None else None,
        width_m=round2(width) if width is not None else None, handover_date=handover, address=address,
        lon=lon.quantize(q6, rounding=ROUND_HALF_UP) if lon is not None else None,
        lat=lat.quantize(q6, rounding=ROUND_HALF_UP) if lat is not None else None,
    )


# --- budget ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EstimateLine:
    kind: str
    grade: int
    sites: int
    area_m2: Decimal
    rate: Decimal | None
    amount: Decimal | None  # None where no unit rate is set


@dataclass(frozen=True)
class BudgetEstimate:
    lines: tuple[EstimateLine, ...]
    total: Decimal
    sites: int
    area_m2: Decimal
    missing_rates: tuple[tuple[str, int], ...]


def budget_estimate(sites: Iterable[tuple[str, int, Decimal]], rates: Mapping[tuple[str, int], Decimal]) -> BudgetEstimate:
    """Yearly maintenance budget: Σ area × unit rate of the site's (kind, grade) (DESIGN §3).

    Each (kind, grade) line is rounded half-up to the fen; the total is the sum of the lines.
    """
    groups: dict[tuple[str, int], list[Decimal]] = {}
    for kind, grade, area in sites:
        groups.setdefault((kind, grade), []).append(area)
    lines = []
    for key in sorted(groups):
        areas = groups[key]
        area = sum(areas, Decimal(0))
        rate = rates.get(key)
        lines.append(EstimateLine(key[0], key[1], len(areas), area, rate, round2(area * rate) if rate is not None else None))
    total = sum((line.amount for line in lines if line.amount is not None), Decimal("0.00"))
    return BudgetEstimate(
        lines=tuple(lines), total=round2(total), sites=sum(line.sites for line in lines),
        area_m2=sum((line.area_m2 for line in lines), Decimal("0.00")),
        missing_rates=tuple(key for key in sorted(groups) if key not in rates),
    )
