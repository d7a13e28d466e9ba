from decimal import Decimal

from procure.publishing.rules import RED_LIST_SIZE, board_standing


def test_the_best_three_assessed_are_the_red_list():
    assert RED_LIST_SIZE == 3
    assert [board_standing(rank, Decimal(95), False) for rank in (1, 2, 3, 4)] == ["red", "red", "red", None]


def test_a_failing_score_is_the_black_list_even_near_the_top():
    assert board_standing(1, Decimal(55), True) == "black"
    assert board_standing(9, Decimal(55), True) == "black"


def test_a_month_not_assessed_is_never_listed():
    assert board_standing(1, None, False) is None
