"""Monthly payment statements (DESIGN §4.7) — a pure function of plain values, exact to the fen.

Sources: 保障中小企业款项支付条例 (payment within 30 days of acceptance); the band table is a real
municipal scheme (DESIGN §4.7); retention per the contract (≤ 3%).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from procure.kernel.i18n import N_, gettext
from procure.kernel.money import round2

#: 保障中小企业款项支付条例 第8条: pay within 30 days of acceptance (here: approval).
PAYMENT_DAYS = 30
DEFAULT_FAILING_BELOW = Decimal(70)


def month_days(year: int, month: int) -> tuple[date, date, int]:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last), last


def days_within(first: date, last: date, lo: date, hi: date) -> int:
    """How many days of [first, last] fall within [lo, hi]."""
    start, end = max(first, lo), min(last, hi)
    return max(0, (end - start).days + 1)


@dataclass(frozen=True)
class VariationTerm:
    number: int
    delta: Decimal
    effective: date


@dataclass(frozen=True)
class PenaltyRules:
    overdue_case: Decimal = Decimal("200.00")
    complaint: Decimal = Decimal("500.00")
    media_county: Decimal = Decimal("0.10")
    media_city: Decimal = Decimal("0.20")

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> "PenaltyRules":
        return cls(**{k: Decimal(str(v)) for k, v in raw.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Coefficient:
    k: Decimal
    failing: bool
    rule: str  # what was applied, for the statement line


def coefficient(table: Mapping[str, Any], score: Decimal) -> Coefficient:
    """k from the contract's payment table: bands (score ≥ min) or linear below a threshold."""
    if table["kind"] == "bands":
        for band in sorted(table["bands"], key=lambda b: Decimal(str(b["min"])), reverse=True):
            if score >= Decimal(str(band["min"])):
                return Coefficient(Decimal(str(band["k"])), bool(band.get("failing")), f"≥ {band['min']}")
        raise ValueError("the payment table has no band for this score")
    threshold, rate, minimum = (Decimal(str(table[k])) for k in ("threshold", "rate", "minimum"))
    failing_below = Decimal(str(table.get("failing_below", DEFAULT_FAILING_BELOW)))
    k = Decimal(1) if score >= threshold else max(minimum, Decimal(1) - rate * (threshold - score))
    return Coefficient(k, score < failing_below, f"1 − {rate} × ({threshold} − s), ≥ {minimum}")


#: What each kind of line says, filled from its params: shown in the reader's language, stored in
#: Chinese as the statement's record (the certificate and the ledger print it).
LINE_TEXT = {
    "base": N_("Monthly fee × {days}/{month_days} days"),
    "variation": N_("Variation {number}: {delta} × {days}/{month_days} days"),
    "rounding": N_("Rounding difference"),
    "penalty_overdue": N_("Overdue cases: {count} × {each}"),
    "penalty_complaint": N_("Upheld complaints: {count} × {each}"),
    "penalty_media_county": N_("County media exposure: {count} × {share} × base"),
    "penalty_media_city": N_("City media exposure: {count} × {share} × base"),
    "coefficient": N_("Score {score}, coefficient k = {k} ({rule})"),
    "floor": N_("Penalties exceed the month's payable; the payable counts as 0"),
    "retention_release": N_("Quality retention released (defects liability period over)"),
}


def line_text(locale: str, kind: str, params: Mapping[str, Any], stored: str) -> str:
    """A statement line in the reader's language; lines computed before their params were kept
    (migration 0014) show their stored Chinese."""
    text = LINE_TEXT.get(kind)
    if text is None or ("{" in text and not params):
        return stored
    return gettext(locale, text, **params)


@dataclass(frozen=True)
class Line:
    kind: str        # base | variation | coefficient | penalty_overdue | penalty_complaint | penalty_media_*
    params: dict[str, str]
    quantity: Decimal
    amount: Decimal  # yuan, signed: the lines of a statement add up to its payable A
    evidence: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The line as the record keeps it (Chinese, as the certificate prints it)."""
        return line_text("zh_CN", self.kind, self.params, "")


def _params(**values: object) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()}


@dataclass(frozen=True)
class MonthInputs:
    year: int
    month: int
    monthly_fee: Decimal
    term_start: date
    term_end: date  # last day in force (the term's end, or the termination day)
    variations: Sequence[VariationTerm]
    score: Decimal | None  # None: not assessed
    table: Mapping[str, Any]
    penalty_rules: PenaltyRules
    retention_rate: Decimal
    overdue_cases: Sequence[int] = ()
    complaints: Sequence[int] = ()
    media_county: int = 0
    media_city: int = 0
    inspections: Sequence[int] = ()


@dataclass(frozen=True)
class Statement:
    base: Decimal
    score: Decimal | None
    coefficient: Decimal | None
    failing: bool
    scaled: Decimal | None      # round2(M × k)
    penalties: Decimal
    payable: Decimal | None     # A = max(0, scaled − penalties)
    retention: Decimal | None   # R = round2(A × rate)
    net: Decimal | None         # N = A − R
    lines: tuple[Line, ...]

    @property
    def assessed(self) -> bool:
        return self.score is not None


def compute(i: MonthInputs) -> Statement:
    """DESIGN §4.7. M = monthly fee × (days within the term / days in month) + Σ variation delta ×
    (days in force / days in month), rounded once; k from the table; A = max(0, round2(M × k) − Σ
    penalties); R = round2(A × retention rate); N = A − R."""
    first, last, days = month_days(i.year, i.month)
    in_term = days_within(first, last, i.term_start, i.term_end)
    base_exact = i.monthly_fee * in_term / days
    lines = [Line("base", _params(days=in_term, month_days=days), Decimal(in_term), round2(base_exact))]
    for v in i.variations:
        in_force = days_within(first, last, max(v.effective, i.term_start), i.term_end)
        if in_force:
            part = v.delta * in_force / days
            base_exact += part
            lines.append(Line("variation", _params(number=v.number, delta=v.delta, days=in_force, month_days=days),
                              Decimal(in_force),
                              round2(part), {"variation": v.number}))
    base = round2(base_exact)
    if len(lines) > 1:  # the parts are shown rounded; the base is rounded once, so say so if they differ
        drift = base - sum((l.amount for l in lines), Decimal(0))
        if drift:
            lines.append(Line("rounding", {}, Decimal(0), drift))
    penalties: list[Line] = []
    rules = i.penalty_rules
    if i.overdue_cases:
        penalties.append(Line("penalty_overdue", _params(count=len(i.overdue_cases), each=rules.overdue_case),
                              Decimal(len(i.overdue_cases)), -round2(rules.overdue_case * len(i.overdue_cases)),
                              {"cases": list(i.overdue_cases)}))
    if i.complaints:
        penalties.append(Line("penalty_complaint", _params(count=len(i.complaints), each=rules.complaint),
                              Decimal(len(i.complaints)), -round2(rules.complaint * len(i.complaints)),
                              {"cases": list(i.complaints)}))
    for kind, count, share in (("penalty_media_county", i.media_county, rules.media_county),
                               ("penalty_media_city", i.media_city, rules.media_city)):
        if count:
            penalties.append(Line(kind, _params(count=count, share=share), Decimal(count),
                                  -round2(base * share * count)))
    total_penalties = -sum((p.amount for p in penalties), Decimal("0.00"))
    if i.score is None:
        return Statement(base, None, None, False, None, total_penalties, None, None, None,
                         tuple(lines + penalties))
    k = coefficient(i.table, i.score)
    scaled = round2(base * k.k)
    lines.append(Line("coefficient", _params(score=i.score, k=k.k, rule=k.rule), i.score, scaled - base,
                      {"inspections": list(i.inspections)}))
    payable = max(Decimal("0.00"), scaled - total_penalties)
    floor = []
    if payable != scaled - total_penalties:  # penalties beyond the scaled base: the payable floors at 0
        floor = [Line("floor", {}, Decimal(0), payable - (scaled - total_penalties))]
    retention = round2(payable * i.retention_rate)
    return Statement(base, i.score, k.k, k.failing, scaled, total_penalties, payable, retention, payable - retention,
                     tuple(lines + penalties + floor))


def due_date(approved_on: date) -> date:
    return approved_on + timedelta(days=PAYMENT_DAYS)


def consecutive_failing(failing_by_month: Mapping[str, bool], month: str, run: int = 3) -> bool:
    """DESIGN §4.5: three consecutive failing months flag "termination may be proposed"."""
    year, mon = (int(p) for p in month.split("-"))
    for _ in range(run):
        if not failing_by_month.get(f"{year:04d}-{mon:02d}"):
            return False
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return True
