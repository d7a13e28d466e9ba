"""Publishing rules: what the public boards say. Pure."""

from __future__ import annotations

from decimal import Decimal

#: 红榜: the best three assessed contracts of the month are named (the bureau's 红黑榜 practice).
RED_LIST_SIZE = 3


def board_standing(rank: int, score: Decimal | None, failing: bool) -> str | None:
    """A contract's place on the month's 红黑榜: "black" when its score fails, "red" when it is
    among the first RED_LIST_SIZE assessed, else None (not assessed: never listed)."""
    if score is None:
        return None
    if failing:
        return "black"
    return "red" if rank <= RED_LIST_SIZE else None
