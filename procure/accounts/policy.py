"""Who may read what: the one ownership policy every service asks.

Guards on routes ask for a ``Permission`` (what a role may do at all); services then ask this
module whether *this* person may see *this* record (whose it is). Nothing else in Procure decides
access: no service compares roles itself. Each audience below is listed, with its source, in
docs/rules.md ("Who sees what").

A company login (role contractor) acts for exactly one company and sees that company's records
only; a company login with no company sees none (never "the records that have no company").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import ColumnElement, SQLColumnExpression, false, true

from procure.accounts.rules import Permission, Role


class Person(Protocol):
    """A login as the policy sees it (``CurrentUser``, a frozen dataclass): read-only attributes."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def contractor_id(self) -> int | None: ...

    def can(self, permission: Permission) -> bool: ...


def acts_for_company(user: Person | None) -> bool:
    """A company login: everything it reads is limited to its own company."""
    return user is not None and user.role == Role.CONTRACTOR


def owns(user: Person | None, contractor_id: int | None) -> bool:
    """The record belongs to this login's company (a login without a company owns nothing)."""
    return user is not None and user.contractor_id is not None and contractor_id == user.contractor_id


def may_read_company_record(user: Person | None, contractor_id: int | None, staff: Permission) -> bool:
    """A company's contract, statement, case …: its own company, or staff holding ``staff``."""
    if user is None:
        return False
    if acts_for_company(user):
        return owns(user, contractor_id)
    return user.can(staff)


def company_filter(user: Person, column: SQLColumnExpression[int | None]) -> ColumnElement[bool]:
    """The SQL form of ``may_read_company_record`` for lists (the guard has checked ``staff``)."""
    if not acts_for_company(user):
        return true()
    return column == user.contractor_id if user.contractor_id is not None else false()


# --- sealed bids (招标投标法 第36条; 政府采购货物和服务招标投标管理办法 87号令 第40、46、48条) ---


def may_read_lot_bids(user: Person | None, *, lot_opened: bool, declared_member: Callable[[], bool]) -> bool:
    """Every bid of a lot: only once *that lot* was opened (a 流标 lot never is), and then only by
    the procurement officers who run the opening and by that lot's committee members who have
    declared no conflict (政府采购法 第12条: a member with a conflict must withdraw, 回避). Admins see
    the published opening record, not the bids. ``declared_member`` is asked only when it decides
    (it costs the evaluation domain a query)."""
    if user is None or not lot_opened:
        return False
    return user.can(Permission.BIDS_OPEN) or (user.role == Role.EVALUATOR and declared_member())


def may_read_bid(user: Person | None, *, bidder_id: int, lot_opened: bool, declared_member: Callable[[], bool]) -> bool:
    """One bid and its documents: its own bidder at any time, otherwise as ``may_read_lot_bids``."""
    return owns(user, bidder_id) or may_read_lot_bids(user, lot_opened=lot_opened, declared_member=declared_member)


# --- unsealed documents (photos, qualification files) ----------------------------------------


def may_read_document(user: Person | None, *, uploaded_by_id: int | None, owner_company_ids: set[int]) -> bool:
    """A document that is not part of a sealed bid: staff whose work needs evidence (officers,
    inspectors, finance, admins), the person who uploaded it, and a company for the evidence
    linked to its own records (its qualification files, the photos of its inspections and cases)."""
    if user is None:
        return False
    if user.id == uploaded_by_id:
        return True
    if acts_for_company(user):
        return user.contractor_id is not None and user.contractor_id in owner_company_ids
    return user.can(Permission.DOCUMENTS_READ)


# --- inspections ------------------------------------------------------------------------------


def may_see_sampling_plan(user: Person | None) -> bool:
    """The month's random spot-check plan (抽查): bureau staff only. A company that knew which of
    its sites will be visited could prepare just those (the check would no longer be random)."""
    return user is not None and not acts_for_company(user) and user.can(Permission.INSPECTIONS_READ)
