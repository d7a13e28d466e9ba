"""Bid evaluation (评标), DESIGN §4.3 — exact, pure, Decimal throughout.

Sources: 政府采购货物和服务招标投标管理办法 (财政部令第87号, "87号令") 第47、49、55、57、60、61、63条;
政府采购法 第12、36条; 政府采购法实施条例 第9条; 财库〔2022〕19号 (SME price deduction).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from procure.kernel.i18n import N_
from procure.kernel.money import round2

TEN_MILLION = Decimal("10000000")


class Compliance(StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"


class Flag(StrEnum):
    """Notes on a bid's result, shown in the ranking and the report."""

    ABOVE_CEILING = "above_ceiling"
    NON_COMPLIANT = "non_compliant"
    SME_DEDUCTION = "sme_deduction"
    ABNORMALLY_LOW = "abnormally_low"
    ABNORMAL_ACCEPTED = "abnormal_accepted"
    ABNORMAL_REJECTED = "abnormal_rejected"
    TIE_BROKEN_BY_DRAW = "tie_broken_by_draw"


class AbnormalDecision(StrEnum):
    ACCEPTED = "accepted"   # the explanation convinced the committee
    REJECTED = "rejected"   # the bid becomes non-compliant


# --- the committee (87号令 第47条) -----------------------------------------------------------


def committee_minimum(ceiling_price: Decimal) -> int:
    """87号令 第47条: 5 members or more; 7 or more when the budget is 10,000,000 yuan or more."""
    return 7 if ceiling_price >= TEN_MILLION else 5


def committee_problems(size: int, experts: int, ceiling_price: Decimal) -> list[str]:
    """87号令 第47条: an odd size ≥ 5; ≥ 7 when the budget is ≥ 10,000,000 yuan; experts ≥ 2/3 of
    the members. ``size`` and ``experts`` count the members present (not withdrawn)."""
    problems = []
    if size < committee_minimum(ceiling_price):
        problems.append(N_("The committee needs at least {minimum} members for this lot (MOF Order No. 87, art. 47)."))
    if size % 2 == 0:
        problems.append(N_("The committee needs an odd number of members (MOF Order No. 87, art. 47)."))
    if experts * 3 < size * 2:
        problems.append(N_("At least two thirds of the committee must be experts (MOF Order No. 87, art. 47)."))
    return problems


#: A declared relation is stored with the member; longer text is refused, not cut.
RELATION_LIMIT = 200


def declaration_problem(no_conflict: bool | None, relation: str) -> tuple[str, str] | None:
    """An explicit choice, or nothing is recorded: ``no_conflict`` true with no relation, or false
    with the relation described (回避, 政府采购法 第12条, 实施条例 第9条). Returns (field, msgid)."""
    text = relation.strip()
    if no_conflict is None:
        return "no_conflict", N_("Choose: declare that you have no conflict of interest, or describe your relation "
                                 "to a bidder.")
    if no_conflict and text:
        return "relation", N_("You declared no conflict and described a relation; choose one.")
    if not no_conflict and not text:
        return "relation", N_("Describe your relation to the bidder (employment, shareholding, family …).")
    if len(text) > RELATION_LIMIT:
        return "relation", N_("At most {limit} characters.")
    return None


def majority(views: Sequence[bool], present: int) -> bool | None:
    """The committee's finding on a matter it decides together, such as a bid's compliance:
    少数服从多数 (87号令 第61条). None while a present member has not given a view, and on a tie
    (possible only when a short committee has an even number of members present)."""
    if len(views) > present:
        raise ValueError(f"{len(views)} views from {present} members")
    if present == 0 or len(views) < present:
        return None
    compliant = sum(1 for v in views if v)
    if compliant * 2 > present:
        return True
    if (present - compliant) * 2 > present:
        return False
    return None


def draw_members(pool: Sequence[int], n: int, seed: int, excluded: set[int]) -> list[int]:
    """A reproducible random draw from the expert pool: the same pool, seed and exclusions always
    give the same members (the seed is recorded so anyone can replay the draw)."""
    eligible = sorted(set(pool) - excluded)
    if len(eligible) < n:
        raise ValueError(f"only {len(eligible)} eligible experts for {n} seats")
    return sorted(random.Random(seed).sample(eligible, n))


# --- prices ----------------------------------------------------------------------------------


def evaluated_price(price: Decimal, sme: bool, sme_deduction: Decimal | None) -> Decimal:
    """E = price × (1 − d) for an SME when the tender sets d (财库〔2022〕19号); else E = price.
    Used for scoring only: the contract takes the real price."""
    if sme and sme_deduction:
        return round2(price * (1 - sme_deduction))
    return price


def abnormally_low(evaluated: Mapping[int, Decimal], threshold: Decimal) -> set[int]:
    """87号令 第60条: a compliant bid with E < (1 − t) × mean(E of the *other* compliant bids)."""
    flagged: set[int] = set()
    if len(evaluated) < 2:
        return flagged
    total = sum(evaluated.values(), Decimal(0))
    for bid_id, e in evaluated.items():
        mean_others = (total - e) / (len(evaluated) - 1)
        if e < (1 - threshold) * mean_others:
            flagged.add(bid_id)
    return flagged


def price_score(benchmark: Decimal, evaluated: Decimal, points: Decimal) -> Decimal:
    """P = round2(B / E × price_points), B the lowest compliant E (87号令 第55条)."""
    return round2(benchmark / evaluated * points)


def technical_score(sheets: Sequence[Mapping[str, Decimal]], criteria: Sequence[str]) -> Decimal:
    """T = Σ over criteria of round2(mean of the members' points)."""
    total = Decimal(0)
    for code in criteria:
        values = [sheet[code] for sheet in sheets]
        total += round2(sum(values, Decimal(0)) / len(values))
    return total


#: Points are Fixed(5,2) (a criterion's maximum, a member's points, the totals): below 1000.
POINTS_LIMIT = Decimal(1000)


def points_problem(points: Decimal, max_points: Decimal) -> str | None:
    if not points.is_finite():  # NaN cannot be compared
        return "Not a number."
    if points < 0 or points > max_points:
        return "Points must be between 0 and {max}."
    if points != points.quantize(Decimal("0.01")):
        return "Points may have at most two decimals."
    return None


# --- the whole evaluation ---------------------------------------------------------------------


@dataclass(frozen=True)
class BidFacts:
    bid_id: int
    price: Decimal
    sme: bool
    compliant: bool                      # the committee's compliance review
    abnormal_decision: str | None = None  # accepted | rejected | None (undecided)


@dataclass(frozen=True)
class Criterion:
    code: str
    max_points: Decimal


@dataclass
class BidResult:
    bid_id: int
    evaluated_price: Decimal
    compliant: bool
    price_score: Decimal | None = None
    technical_score: Decimal | None = None
    total: Decimal | None = None
    rank: int | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    results: list[BidResult]
    unsuccessful: bool
    undecided_abnormal: list[int]
    benchmark: Decimal | None


def evaluate(bids: Sequence[BidFacts], *, method: str, ceiling_price: Decimal, sme_deduction: Decimal | None,
             abnormal_threshold: Decimal, price_points: Decimal | None, criteria: Sequence[Criterion],
             sheets: Mapping[int, Sequence[Mapping[str, Decimal]]], seed: int) -> Outcome:
    """DESIGN §4.3 from compliance to ranking. ``sheets`` maps a bid to every member's points."""
    results = {b.bid_id: BidResult(b.bid_id, evaluated_price(b.price, b.sme, sme_deduction), b.compliant) for b in bids}
    for b in bids:
        r = results[b.bid_id]
        if b.price > ceiling_price:  # 87号令 第63条: above the ceiling is non-compliant, whatever else
            r.compliant = False
            r.flags.append(Flag.ABOVE_CEILING.value)
        elif not b.compliant:
            r.flags.append(Flag.NON_COMPLIANT.value)
        if b.sme and sme_deduction:
            r.flags.append(Flag.SME_DEDUCTION.value)
    compliant = {bid_id: r.evaluated_price for bid_id, r in results.items() if r.compliant}
    undecided = []
    for bid_id in sorted(abnormally_low(compliant, abnormal_threshold)):
        decision = next(b.abnormal_decision for b in bids if b.bid_id == bid_id)
        results[bid_id].flags.append(Flag.ABNORMALLY_LOW.value)
        if decision == AbnormalDecision.REJECTED:
            results[bid_id].compliant = False
            results[bid_id].flags.append(Flag.ABNORMAL_REJECTED.value)
        elif decision == AbnormalDecision.ACCEPTED:
            results[bid_id].flags.append(Flag.ABNORMAL_ACCEPTED.value)
        else:
            undecided.append(bid_id)
    ranked = [r for r in results.values() if r.compliant]
    # 政府采购法 第36条: fewer than three compliant bids and the lot fails.
    if len(ranked) < 3 or undecided:
        return Outcome(sorted(results.values(), key=lambda r: r.bid_id), len(ranked) < 3 and not undecided,
                       undecided, None)
    benchmark = min(r.evaluated_price for r in ranked)
    if method == "comprehensive":
        assert price_points is not None
        codes = [c.code for c in criteria]
        for r in ranked:
            r.price_score = price_score(benchmark, r.evaluated_price, price_points)
            r.technical_score = technical_score(sheets[r.bid_id], codes)
            r.total = r.price_score + r.technical_score
    _rank(ranked, method, seed)
    return Outcome(sorted(results.values(), key=lambda r: (r.rank is None, r.rank or 0, r.bid_id)), False, [], benchmark)


def _rank(ranked: list[BidResult], method: str, seed: int) -> None:
    """87号令 第57条: total desc → evaluated price asc → technical desc → a seeded draw.
    Lowest-price method: evaluated price asc → a seeded draw."""
    draw = random.Random(seed)
    lots = {r.bid_id: draw.random() for r in sorted(ranked, key=lambda r: r.bid_id)}
    comprehensive = method == "comprehensive"

    def key(r: BidResult) -> tuple[Decimal | float, ...]:
        if comprehensive:
            assert r.total is not None and r.technical_score is not None  # every ranked bid was scored
            return (-r.total, r.evaluated_price, -r.technical_score, lots[r.bid_id])
        return (r.evaluated_price, lots[r.bid_id])

    def tie_key(r: BidResult) -> tuple[Decimal | None, ...]:
        return (r.total, r.evaluated_price, r.technical_score) if comprehensive else (r.evaluated_price,)

    ranked.sort(key=key)
    for position, r in enumerate(ranked, start=1):
        r.rank = position
    groups: dict[tuple[Decimal | None, ...], int] = {}
    for r in ranked:
        groups[tie_key(r)] = groups.get(tie_key(r), 0) + 1
    for r in ranked:
        if groups[tie_key(r)] > 1:
            r.flags.append(Flag.TIE_BROKEN_BY_DRAW.value)
