"""Roles, permissions and the login lockout — pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


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


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class LoginState:
    failed_logins: int
    locked_until: datetime | None


def is_locked(state: LoginState, now: datetime) -> bool:
    return state.locked_until is not None and now < state.locked_until


def after_failed_login(state: LoginState, now: datetime) -> LoginState:
    """Five failures in a row lock the account for 15 minutes; the count then starts again."""
    failures = state.failed_logins + 1
    if failures >= MAX_FAILED_LOGINS:
        return LoginState(0, now + LOCKOUT)
    return LoginState(failures, state.locked_until)


def after_successful_login() -> LoginState:
    return LoginState(0, None)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return "A password needs at least {n} characters."
    return None
