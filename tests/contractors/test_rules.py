import pytest

from procure.contractors.rules import check_uscc, org_code_check_char, uscc_check_char

# Real codes printed on public business licences.
REAL = ["91330100799655058B", "91110000802100433B", "91440300708461136T", "91310000775785552L", "91350100M000100Y43"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code):
    assert check_uscc(code).ok


def test_lower_case_and_spaces_are_normalised():
    verdict = check_uscc(" 91330100799655058b ")
    assert verdict.ok and verdict.code == "91330100799655058B"


@pytest.mark.parametrize(("code", "expected"), [
    ("91330100799655058A", "B"),   # a mistyped check character
    ("91330100799655059B", None),  # a mistyped body digit
])
def test_wrong_check_character(code, expected):
    verdict = check_uscc(code)
    assert not verdict.ok and "check" in verdict.problem
    if expected:
        assert verdict.params["expected"] == expected


@pytest.mark.parametrize(("code", "word"), [
    ("9133010079965505", "18 characters"),
    ("91330100799655058BX", "18 characters"),
    ("9133010079965505IB", "except I, O, S, V and Z"),
    ("", "18 characters"),
])
def test_malformed_codes(code, word):
    assert word in check_uscc(code).problem


def test_the_weights_and_alphabet_of_gb_32100():
    assert uscc_check_char("91330100799655058") == "B"
    assert org_code_check_char("79965505") == "8"
    assert org_code_check_char("M000100Y") == "4"


def test_a_code_whose_organisation_code_fails():
    body = "91330100799655057"  # organisation code 79965505-7 (should be -8)
    code = body + uscc_check_char(body)
    verdict = check_uscc(code)
    assert not verdict.ok and "organisation code" in verdict.problem
