"""Management reports (考评) and the contractor scorecard: aggregates as pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

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
    weight = sum((WEIGHTS[k] for k in present), Decimal(0))
    total = round2(sum((WEIGHTS[k] * v for k, v in present.items()), Decimal(0)) / weight)
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
