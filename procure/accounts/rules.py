"""Roles, permissions and the login lockout — pure rules."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path


class Role(StrEnum):
    OFFICER = "officer"        # 采购/合同管理员
    CONTRACTOR = "contractor"  # 养护单位
    EVALUATOR = "evaluator"    # 评标专家
    INSPECTOR = "inspector"    # 考核员/监督员
    FINANCE = "finance"        # 财务
    ADMIN = "admin"            # 系统管理员


class Permission(StrEnum):
    """Everything a guard can ask for, named ``resource:action`` (one list for the whole app)."""

    SITES_READ = "sites:read"
    SITES_WRITE = "sites:write"
    BUDGET_READ = "budget:read"
    USERS_MANAGE = "users:manage"
    UNIT_RATES_MANAGE = "unit_rates:manage"
    AUDIT_READ = "audit:read"
    TENDERS_MANAGE = "tenders:manage"
    CONTRACTORS_REVIEW = "contractors:review"
    BIDS_SUBMIT = "bids:submit"
    BIDS_OPEN = "bids:open"
    INSPECTIONS_WRITE = "inspections:write"
    INSPECTIONS_READ = "inspections:read"
    CASES_CHECK = "cases:check"
    CASES_VOID = "cases:void"
    TEMPLATES_MANAGE = "templates:manage"
    PAYMENTS_RUN = "payments:run"
    PAYMENTS_APPROVE = "payments:approve"
    PAYMENTS_READ = "payments:read"
    CASES_READ = "cases:read"
    CASES_RESPOND = "cases:respond"
    CASE_RATES_READ = "case_rates:read"
    CONTRACTS_READ = "contracts:read"
    CONTRACTS_SIGN = "contracts:sign"
    COMMITTEE_SIT = "committee:sit"
    EVALUATIONS_VIEW = "evaluations:view"
    DOCUMENTS_READ = "documents:read"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset({Permission.SITES_READ, Permission.SITES_WRITE, Permission.BUDGET_READ,
                             Permission.TENDERS_MANAGE, Permission.CONTRACTORS_REVIEW, Permission.BIDS_OPEN,
                             Permission.INSPECTIONS_READ, Permission.CASES_VOID, Permission.PAYMENTS_RUN,
                             Permission.PAYMENTS_READ, Permission.CASES_READ, Permission.CASE_RATES_READ,
                             Permission.CONTRACTS_READ, Permission.CONTRACTS_SIGN, Permission.EVALUATIONS_VIEW,
                             Permission.DOCUMENTS_READ,
                             # the purchaser's representative on a committee (87号令 第47条)
                             Permission.COMMITTEE_SIT}),
    Role.INSPECTOR: frozenset({Permission.SITES_READ, Permission.INSPECTIONS_WRITE, Permission.INSPECTIONS_READ,
                               Permission.CASES_CHECK, Permission.CASES_READ, Permission.CASE_RATES_READ,
                               Permission.CONTRACTS_READ, Permission.DOCUMENTS_READ}),
    Role.FINANCE: frozenset({Permission.SITES_READ, Permission.BUDGET_READ, Permission.INSPECTIONS_READ,
                             Permission.PAYMENTS_APPROVE, Permission.PAYMENTS_READ, Permission.CASES_READ,
                             Permission.CASE_RATES_READ, Permission.CONTRACTS_READ, Permission.DOCUMENTS_READ}),
    Role.EVALUATOR: frozenset({Permission.COMMITTEE_SIT, Permission.EVALUATIONS_VIEW}),
    # A company login's reads are further limited to its own company (accounts.policy).
    Role.CONTRACTOR: frozenset({Permission.BIDS_SUBMIT, Permission.PAYMENTS_READ, Permission.CASES_READ,
                                Permission.CASES_RESPOND, Permission.CONTRACTS_READ, Permission.CONTRACTS_SIGN}),
    Role.ADMIN: frozenset({
        Permission.SITES_READ, Permission.BUDGET_READ, Permission.USERS_MANAGE,
        Permission.UNIT_RATES_MANAGE, Permission.AUDIT_READ, Permission.INSPECTIONS_READ, Permission.TEMPLATES_MANAGE,
        Permission.PAYMENTS_READ, Permission.CASES_READ, Permission.CASE_RATES_READ, Permission.CONTRACTS_READ,
        Permission.DOCUMENTS_READ,
    }),
}


def role_can(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


MIN_PASSWORD_LENGTH = 12  # OWASP ASVS 4.0 V2.1.1

#: Failed logins allowed before each further one must wait, per kind of counter. Growing waits,
#: not a lock: a stranger who types a wrong password five times delays the pair (their address,
#: that account) — the account's own holder, from another address, still gets in; only a
#: sustained attack on one account from many addresses slows it for everyone (ASVS V2.2.1).
FREE_FAILURES = {"pair": 5, "address": 20, "account": 50}
MAX_DELAY = timedelta(minutes=15)
#: Failures older than this are forgotten.
THROTTLE_WINDOW = timedelta(hours=1)


def throttle_keys(address: str, username: str) -> dict[str, str]:
    name = username.strip().lower()[:64]
    return {"pair": f"pair:{address}|{name}", "address": f"address:{address}", "account": f"account:{name}"}


def throttle_delay(kind: str, failures: int) -> timedelta:
    """The wait after ``failures`` failures in a row: none within the free tries, then 1 s,
    2 s, 4 s … doubling up to 15 minutes."""
    extra = failures - FREE_FAILURES[kind]
    if extra < 0:
        return timedelta(0)
    return min(MAX_DELAY, timedelta(seconds=2 ** min(extra, 20)))


def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


COMMON_PASSWORDS = _common_passwords()


def password_problem(password: str, username: str = "") -> str | None:
    """ASVS V2.1: at least 12 characters, not the username, not a well-known password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "A password needs at least {n} characters."
    lowered = password.lower()
    name = username.strip().lower()
    rest = lowered.removeprefix(name) if name else lowered
    if name and (lowered == name or (rest != lowered and not any(ch.isalpha() for ch in rest))):
        # the username itself, or the username with only digits and signs after it ("officer2026!")
        return "The password must not be (or be built on) the username."
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        return "This password is too common; choose another."
    return None
