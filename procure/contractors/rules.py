"""统一社会信用代码 (USCC) check digits — GB 32100-2015, with GB 11714-1997 for the embedded
organisation code. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from procure.kernel.i18n import N_

class ContractorState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


# GB 32100-2015 §4: the code alphabet omits I, O, S, V and Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# GB 32100-2015 §5: weight of position i (1-based) is 3^(i-1) mod 31.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714-1997: organisation code weights for its 8 body characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714: letters count as 10..35 (A=10)."""
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(first8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


@dataclass(frozen=True)
class UsccVerdict:
    code: str  # normalised: stripped, upper case
    ok: bool
    problem: str | None = None  # an English msgid; None when ok
    params: dict | None = None


def check_uscc(raw: str) -> UsccVerdict:
    code = (raw or "").strip().upper().replace(" ", "")
    if len(code) != 18:
        return UsccVerdict(code, False, N_("A unified social credit code has 18 characters; this one has {n}."),
                           {"n": len(code)})
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return UsccVerdict(code, False,
                           N_("A unified social credit code uses digits and capital letters except I, O, S, V and Z; "
                              "found {chars}."), {"chars": "".join(bad)})
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return UsccVerdict(code, False,
                           N_("The check character of this unified social credit code should be {expected}, not "
                              "{given} (GB 32100-2015): please check the code on the business licence."),
                           {"expected": expected, "given": code[17]})
    org = code[8:17]
    if org[:8].isalnum() and all(ch.isdigit() or "A" <= ch <= "Z" for ch in org[:8]):
        if org_code_check_char(org[:8]) != org[8]:
            return UsccVerdict(code, False,
                               N_("The organisation code inside this unified social credit code ({org}) fails its "
                                  "check (GB 11714-1997): please check the business licence."), {"org": org})
    return UsccVerdict(code, True)


def compose_uscc(registration: str, division: str, org_body: str) -> str:
    """Build a valid code from its parts (for fixtures and tests): 2 registration characters
    (e.g. "91" for a company), a 6-digit division code, and the 8-character organisation body."""
    org = org_body + org_code_check_char(org_body)
    first17 = registration + division + org
    return first17 + uscc_check_char(first17)
