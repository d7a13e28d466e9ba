"""States the clock moves, at their boundary seconds: derived on read (nothing written), refused
by writes at the same second, and persisted exactly once by the worker."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from procure.audit.models import AuditEntry
from procure.contracts.rules import ContractState, contract_state_at
from procure.kernel.errors import Conflict
from procure.tendering import services as tenders
from procure.tendering.models import Lot, Tender
from procure.tendering.rules import (
    SETTLING_TIME, LotState, TenderState, lot_state_at, needs_settling, settles_at, tender_state_at,
)
from tests.tendering.world import build_world

DEADLINE = datetime(2026, 12, 20, 9, 30, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


def test_a_tender_closes_at_the_second_of_its_deadline():
    assert tender_state_at("published", DEADLINE, DEADLINE - SECOND) == TenderState.PUBLISHED
    assert tender_state_at("published", DEADLINE, DEADLINE) == TenderState.CLOSED
    assert tender_state_at("published", DEADLINE, DEADLINE + SECOND) == TenderState.CLOSED
    assert tender_state_at("draft", DEADLINE, DEADLINE + SECOND) == TenderState.DRAFT
    assert tender_state_at("cancelled", DEADLINE, DEADLINE + SECOND) == TenderState.CANCELLED


def test_lots_are_judged_after_the_settling_time():
    settle = settles_at(DEADLINE)
    assert settle == DEADLINE + SETTLING_TIME
    assert not needs_settling("closed", None, DEADLINE, settle - SECOND)
    assert needs_settling("closed", None, DEADLINE, settle)
    assert not needs_settling("closed", settle, DEADLINE, settle + SECOND)  # already recorded
    assert not needs_settling("published", None, DEADLINE, settle)
    assert lot_state_at("active", True, 2) == LotState.UNSUCCESSFUL  # 招标投标法 第28条
    assert lot_state_at("active", True, 3) == LotState.ACTIVE
    assert lot_state_at("active", False, 0) == LotState.ACTIVE
    assert lot_state_at("cancelled", True, 0) == LotState.CANCELLED


def test_a_contract_is_in_force_from_its_start_to_its_last_day():
    start, last = date(2027, 1, 1), date(2027, 12, 31)
    assert contract_state_at("signed", start, last, start - timedelta(days=1)) == ContractState.SIGNED
    assert contract_state_at("signed", start, last, start) == ContractState.ACTIVE
    assert contract_state_at("active", start, last, last) == ContractState.ACTIVE
    assert contract_state_at("active", start, last, last + timedelta(days=1)) == ContractState.COMPLETED
    assert contract_state_at("signed", start, last, last + timedelta(days=1)) == ContractState.COMPLETED
    assert contract_state_at("suspended", start, last, last + timedelta(days=9)) == ContractState.SUSPENDED
    assert contract_state_at("draft", start, last, start) == ContractState.DRAFT


def _audit_count(session, action: str, tender_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.entity_id == str(tender_id))) or 0


def test_readers_see_the_state_of_the_second_and_only_the_worker_writes_it(client, session, clock, tmp_path):
    world = build_world(session, clock, tmp_path)
    tender = world.published_tender()
    lot_id = tender.lots[0].id
    for who in world.contractors[:2]:  # two bids: the lot will be 流标
        world.bid(who, lot_id)
    deadline = tender.bid_deadline
    api = f"/api/v1/tenders/{tender.id}"

    def stored() -> tuple[str, str]:
        session.expire_all()
        return session.get(Tender, tender.id).state, session.get(Lot, lot_id).state

    clock.now = deadline - SECOND
    assert client.get(api).json()["state"] == "published"
    clock.now = deadline
    assert client.get(api).json()["state"] == "closed"
    assert stored() == ("published", "active")  # shown, not written
    # A bid at the deadline's second is refused without anything having "ticked".
    try:
        world.bid(world.contractors[2], lot_id)
        raise AssertionError("a bid at the deadline was accepted")
    except Conflict:
        session.rollback()
    clock.now = settles_at(deadline)
    shown = client.get(api).json()
    assert shown["lots"][0]["state"] == "unsuccessful"
    assert stored() == ("published", "active")
    listed = client.get("/api/v1/tenders", params={"state": "closed"}).json()
    assert tender.id in [t["id"] for t in listed["items"]]
    assert client.get("/api/v1/tenders", params={"state": "published"}).json()["total"] == 0

    # The worker persists both moves, once, however often it runs.
    assert tenders.tick(session, clock) == 1  # one tender moved (closed and settled)
    assert tenders.tick(session, clock) == 0
    assert stored() == ("closed", "unsuccessful")
    assert _audit_count(session, "tender.close", tender.id) == 1
    assert _audit_count(session, "tender.settle", tender.id) == 1
    assert session.get(Tender, tender.id).settled_at == settles_at(deadline)
    assert client.get(api).json()["lots"][0]["state"] == "unsuccessful"
