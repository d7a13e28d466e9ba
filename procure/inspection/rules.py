"""Inspection scoring and sampling (DESIGN §4.6). Pure."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from procure.kernel.i18n import N_
from procure.kernel.money import round2

#: The four standards of 四化, in the order the bureau lists them.
CATEGORIES = ("clean", "green", "order", "light")  # 洁化 绿化 序化 亮化
#: The four categories (四化) in the reader's language; a template names them too, in Chinese.
CATEGORY_TEXT = {"clean": N_("Cleanliness"), "green": N_("Greenery"), "order": N_("Order"), "light": N_("Lighting")}
DEFAULT_SAMPLING_SHARE = Decimal("0.30")


@dataclass(frozen=True)
class Category:
    code: str
    max_points: Decimal


@dataclass(frozen=True)
class Item:
    code: str
    category: str
    deduction: Decimal
    cap: Decimal


def template_problems(categories: Sequence[Category], items: Sequence[Item]) -> list[str]:
    problems = []
    if sorted(c.code for c in categories) != sorted(CATEGORIES):
        problems.append("A template has exactly the four categories clean, green, order and light.")
    if sum((c.max_points for c in categories), Decimal(0)) != 100:
        problems.append("The categories' points must sum to 100.")
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes):
        problems.append("Item codes must be unique.")
    known = {c.code: c.max_points for c in categories}
    if any(i.category not in known or known[i.category] <= 0 for i in items):
        problems.append("Every item belongs to a category that carries points.")
    if any(i.deduction <= 0 or i.cap < i.deduction for i in items):
        problems.append("Each item's deduction must be above 0 and its cap at least the deduction.")
    return problems


@dataclass(frozen=True)
class Score:
    total: Decimal
    categories: dict[str, Decimal]
    deductions: dict[str, Decimal]  # per item code: min(count × deduction, cap)


def score(categories: Sequence[Category], items: Sequence[Item], counts: Mapping[str, int]) -> Score:
    """Per category max(0, max_points − Σ_items min(count × deduction, cap)); total = Σ, round2."""
    by_code = {i.code: i for i in items}
    unknown = set(counts) - set(by_code)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    deductions = {code: min(by_code[code].deduction * n, by_code[code].cap) for code, n in counts.items() if n > 0}
    per_category = {}
    for category in categories:
        lost = sum((d for code, d in deductions.items() if by_code[code].category == category.code), Decimal(0))
        per_category[category.code] = max(Decimal(0), category.max_points - lost)
    return Score(round2(sum(per_category.values(), Decimal(0))), per_category, deductions)


def site_month_score(inspection_scores: Iterable[Decimal]) -> Decimal | None:
    """round2(mean) of a site's (non-superseded) inspection scores in the month; None if none."""
    values = list(inspection_scores)
    if not values:
        return None
    return round2(sum(values, Decimal(0)) / len(values))


def contract_month_score(sites: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """round2(Σ area × site score / Σ area) over the inspected sites; None: "not assessed"."""
    pairs = list(sites)
    area = sum((a for a, _ in pairs), Decimal(0))
    if not pairs or area == 0:
        return None
    return round2(sum((a * s for a, s in pairs), Decimal(0)) / area)


def sample_size(site_count: int, share: Decimal) -> int:
    """At least the sampling share of the sites (rounded up), at least one."""
    if site_count == 0:
        return 0
    return min(site_count, max(1, math.ceil(Decimal(site_count) * share)))


def sample(site_ids: Iterable[int], share: Decimal, seed: int) -> list[int]:
    """A seeded random selection: the same sites, share and seed always give the same plan."""
    pool = sorted(set(site_ids))
    return sorted(random.Random(seed).sample(pool, sample_size(len(pool), share)))
