"""Management reports (考评) and the contractor scorecard: aggregates as pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from procure.cases.rules import CaseFacts, CaseSource, CaseState, percent, rates
from procure.kernel.i18n import N_
from procure.kernel.money import round2

FAILING_BELOW = Decimal(70)
#: The scorecard's criteria and weights (an ERPNext-style supplier scorecard), summing to 1.
WEIGHTS = {"inspection": Decimal("0.50"), "on_time": Decimal("0.20"), "rework": Decimal("0.15"),
           "penalties": Decimal("0.15")}
#: Each 1% of the base lost to penalties costs 10 points of the penalty criterion.
PENALTY_POINTS_PER_PERCENT = Decimal(10)
STANDINGS = ((Decimal(90), "A"), (Decimal(80), "B"), (Decimal(70), "C"), (Decimal(0), "D"))


def mean(values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    return round2(sum(items, Decimal(0)) / len(items)) if items else None


def failing(scores: Iterable[Decimal]) -> int:
    return sum(1 for s in scores if s < FAILING_BELOW)


@dataclass(frozen=True)
class Scorecard:
    inspection: Decimal | None   # mean month score over the period
    on_time: Decimal | None      # on-time handling rate, %
    rework: Decimal | None       # 100 − rework rate
    penalties: Decimal | None    # 100 − 10 × (penalties / base, in %)
    total: Decimal | None
    standing: str | None
    reasons: tuple[str, ...]


def scorecard(month_scores: Sequence[Decimal], on_time_rate: Decimal | None, rework_rate: Decimal | None,
              penalties: Decimal, base: Decimal) -> Scorecard:
    """Weighted criteria over the last 12 months → a total and a standing band A/B/C/D.
    A criterion without data is left out and the other weights are scaled up."""
    components: dict[str, Decimal | None] = {
        "inspection": mean(month_scores),
        "on_time": on_time_rate,
        "rework": None if rework_rate is None else Decimal(100) - rework_rate,
        "penalties": None if base <= 0 else max(Decimal(0), Decimal(100) - PENALTY_POINTS_PER_PERCENT * penalties * 100 / base),
    }
    present = {k: v for k, v in components.items() if v is not None}
    if "inspection" not in present:
        return Scorecard(None, components["on_time"], components["rework"], components["penalties"], None, None,
                         (N_("No inspection score in the last 12 months."),))
    total = composite(WEIGHTS, components)
    assert total is not None  # the inspection criterion is present
    standing = next(band for floor, band in STANDINGS if total >= floor)
    reasons = []
    if components["inspection"] is not None and components["inspection"] < FAILING_BELOW:
        reasons.append(N_("Mean inspection score below 70."))
    if components["on_time"] is not None and components["on_time"] < 80:
        reasons.append(N_("Fewer than 80% of cases answered on time."))
    if components["penalties"] is not None and components["penalties"] < 70:
        reasons.append(N_("Penalties above 3% of the base."))
    return Scorecard(components["inspection"], components["on_time"], components["rework"],
                     None if components["penalties"] is None else round2(components["penalties"]), total, standing,
                     tuple(reasons))


def allocate(amount: Decimal, areas: dict[int, Decimal]) -> dict[int, Decimal]:
    """Split an amount over sites by area (for budget-vs-spend by jurisdiction and kind)."""
    total = sum(areas.values(), Decimal(0))
    if total == 0:
        return {}
    return {site_id: amount * area / total for site_id, area in areas.items()}


# --- 数字城管 evaluation indicators (GB/T 30428.4-2016, after CJ/T 292-2008) ---------------------
#
# The standard evaluates three kinds of subject on the cases of a period: an area (区域评价), a body
# that handles cases (部门评价 — here a maintenance contractor) and a post (岗位评价 — here the bureau's
# inspector, the 监督员 of the model). Each gets rates and one composite value (综合指标值) graded in
# bands. The standard leaves the weights to the evaluating body; the ones below are the bureau's and
# sit here, in one place, so that changing them is one reviewed commit (docs/rules.md says why each).

#: Bands of a composite value: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E.
BANDS = ((Decimal(90), "A"), (Decimal(75), "B"), (Decimal(60), "C"), (Decimal(40), "D"), (Decimal(0), "E"))

#: Area (street, town or the whole district): raising discovery is the seed policy's first ask
#: (提高问题的发现率、处理率和结案率), closing on time is what residents feel.
AREA_WEIGHTS = {"discovery": Decimal("0.15"), "handling": Decimal("0.15"), "on_time_handling": Decimal("0.20"),
                "closure": Decimal("0.15"), "on_time_closure": Decimal("0.25"), "no_rework": Decimal("0.10")}
#: Contractor (the 处置部门): answering on time weighs most, as in the contract's penalty for overdue cases.
CONTRACTOR_WEIGHTS = {"on_time_handling": Decimal("0.50"), "closure": Decimal("0.30"), "no_rework": Decimal("0.20")}
#: Inspector (the 监督员 post): what they report must hold, and what they pass as clean must be clean.
INSPECTOR_WEIGHTS = {"valid_reports": Decimal("0.60"), "no_misses": Decimal("0.40")}


def band(value: Decimal | None) -> str | None:
    """The band of a composite value (None: not evaluated)."""
    if value is None:
        return None
    return next(letter for floor, letter in BANDS if value >= floor)


def composite(weights: dict[str, Decimal], values: dict[str, Decimal | None]) -> Decimal | None:
    """The weighted mean of the indicators that have data (a rate with no cases behind it is left
    out and the other weights scale up); None when none has data. Rates where lower is better come
    in as their complement (100 − rate)."""
    present = {k: v for k, v in values.items() if v is not None}
    if not present:
        return None
    weight = sum((weights[k] for k in present), Decimal(0))
    return round2(sum((weights[k] * v for k, v in present.items()), Decimal(0)) / weight)


def _complement(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else Decimal(100) - rate


@dataclass(frozen=True)
class CaseCounts:
    """What the rates of an area or a contractor are made of.

    *Registered* (立案) are the cases opened in the period, void ones excepted; *due* (应处置) are the
    cases whose deadline falls in the period, void ones excepted, as in ``cases.rules.rates``."""

    registered: int = 0
    found_by_bureau: int = 0      # registered from the bureau's own inspections
    reported_by_public: int = 0   # registered from citizens' reports (Open311) an inspector verified
    due: int = 0
    handled: int = 0              # due and answered by the contractor (处置)
    handled_on_time: int = 0      # … answered by the deadline
    closed: int = 0               # due and closed (结案)
    closed_on_time: int = 0       # … closed by the deadline
    reworked: int = 0             # answered, then reopened at least once (返工)

    @property
    def discovery_rate(self) -> Decimal | None:
        """发现率 = found by the bureau's inspections ÷ registered."""
        return percent(self.found_by_bureau, self.registered)

    @property
    def public_report_rate(self) -> Decimal | None:
        """监督举报率 = reported by the public ÷ registered: what citizens had to point out."""
        return percent(self.reported_by_public, self.registered)

    @property
    def handling_rate(self) -> Decimal | None:
        """处置率 = answered ÷ due."""
        return percent(self.handled, self.due)

    @property
    def on_time_handling_rate(self) -> Decimal | None:
        """按时处置率 = answered by the deadline ÷ due."""
        return percent(self.handled_on_time, self.due)

    @property
    def closure_rate(self) -> Decimal | None:
        """结案率 = closed ÷ due."""
        return percent(self.closed, self.due)

    @property
    def on_time_closure_rate(self) -> Decimal | None:
        """按期结案率 = closed by the deadline ÷ due."""
        return percent(self.closed_on_time, self.due)

    @property
    def rework_rate(self) -> Decimal | None:
        """返工率 = reopened ÷ answered."""
        return percent(self.reworked, self.handled)


@dataclass(frozen=True)
class CaseLine:
    """One case as the indicators see it (no database types: the rules stay pure)."""

    source: str                          # cases.rules.CaseSource
    state: str                           # cases.rules.CaseState
    opened_at: datetime
    deadline: datetime
    first_responded_at: datetime | None
    closed_at: datetime | None
    reopened: int


def count_cases(lines: Iterable[CaseLine], start: datetime, end: datetime) -> CaseCounts:
    """The counts for the period [start, end): registered by ``opened_at``, due by ``deadline``."""
    live = [c for c in lines if c.state != CaseState.VOID]
    registered = [c for c in live if start <= c.opened_at < end]
    due = [c for c in live if start <= c.deadline < end]
    # What cases.rules.rates counts over the due cases: answered, on time, closed, reworked.
    handling = rates(CaseFacts(c.deadline, c.state, c.first_responded_at, c.reopened) for c in due)
    return CaseCounts(
        registered=len(registered),
        found_by_bureau=sum(1 for c in registered if c.source == CaseSource.INSPECTION),
        reported_by_public=sum(1 for c in registered if c.source == CaseSource.CITIZEN),
        due=handling.due, handled=handling.responded, handled_on_time=handling.on_time, closed=handling.closed,
        closed_on_time=sum(1 for c in due if c.state == CaseState.CLOSED and c.closed_at is not None
                           and c.closed_at <= c.deadline),
        reworked=handling.reworked)


def area_composite(counts: CaseCounts) -> Decimal | None:
    """区域综合指标值 over AREA_WEIGHTS."""
    return composite(AREA_WEIGHTS, {
        "discovery": counts.discovery_rate, "handling": counts.handling_rate,
        "on_time_handling": counts.on_time_handling_rate, "closure": counts.closure_rate,
        "on_time_closure": counts.on_time_closure_rate, "no_rework": _complement(counts.rework_rate)})


def contractor_composite(counts: CaseCounts) -> Decimal | None:
    """处置单位综合指标值 over CONTRACTOR_WEIGHTS (only what the contractor controls: answering and
    getting it right; discovery is the bureau's)."""
    return composite(CONTRACTOR_WEIGHTS, {
        "on_time_handling": counts.on_time_handling_rate, "closure": counts.closure_rate,
        "no_rework": _complement(counts.rework_rate)})


@dataclass(frozen=True)
class InspectorCounts:
    """An inspector's month: the cases their findings opened, and what citizens found that they had
    passed as clean."""

    reported: int = 0   # cases opened from the inspector's findings (上报数)
    valid: int = 0      # … not voided (有效上报数)
    missed: int = 0     # citizens' cases on a site the inspector passed as clean that month (漏报数)

    @property
    def valid_report_rate(self) -> Decimal | None:
        """有效上报率 = valid ÷ reported."""
        return percent(self.valid, self.reported)

    @property
    def miss_rate(self) -> Decimal | None:
        """漏报率 = missed ÷ (valid + missed): of the real problems on their sites, the share others found."""
        return percent(self.missed, self.valid + self.missed)


def inspector_composite(counts: InspectorCounts) -> Decimal | None:
    """监督员综合指标值 over INSPECTOR_WEIGHTS."""
    return composite(INSPECTOR_WEIGHTS, {"valid_reports": counts.valid_report_rate,
                                         "no_misses": _complement(counts.miss_rate)})
