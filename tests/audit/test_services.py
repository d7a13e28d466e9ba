import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from procure.audit import services as audit
from procure.audit.models import AuditEntry
from procure.audit.rules import GENESIS, KEYED, Anchor, ChainHead, entry_mac
from procure.audit.services import SYSTEM, Actor, AuditRowsAreAppendOnly
from procure.kernel.db import AUDIT_KEY, TEST_AUDIT_KEY
from tests.audit import tampering
from tests.audit.tampering import CASES, build_chain


def anchor_of(head: ChainHead) -> Anchor:
    return Anchor(head.mac, head.count, head.at)


def test_records_chain_and_the_intact_chain_passes(session, clock):
    actor = Actor(None, "tester")
    first = audit.record(session, clock, actor, "site.create", "site", 1, None, {"name": "仓前公园"})
    second = audit.record(session, clock, actor, "site.update", "site", 1, {"name": "仓前公园"}, {"name": "仓前公园（一期）"})
    session.commit()
    assert second.prev_hash == first.hash and first.prev_hash == GENESIS
    assert second.id == first.id + 1 and second.scheme == KEYED
    assert second.hash == entry_mac(TEST_AUDIT_KEY, first.hash, id=second.id, at=second.at, actor_id=None,
                                    actor_name="tester", action="site.update", entity="site", entity_id="1",
                                    before={"name": "仓前公园"}, after={"name": "仓前公园（一期）"}, sealed_tender_id=None)
    head = audit.head(session)
    assert (head.count, head.mac) == (2, second.hash)
    verdict = audit.verify(session, [anchor_of(head)])
    assert verdict.intact and verdict.checked == 2


@pytest.mark.parametrize("case", list(CASES))
def test_each_tampering_is_detected(session, clock, case):
    tamper, words, shows_alone = CASES[case]
    chain = build_chain(session, clock)
    assert audit.verify(session).intact
    anchor = anchor_of(audit.head(session))
    assert anchor.count == len(chain.ids)

    bad_id = tamper(session.connection(), chain)
    session.expire_all()

    alone = audit.verify(session)
    assert alone.intact is not shows_alone, alone
    verdict = audit.verify(session, [anchor])
    assert not verdict.intact
    assert words in verdict.reason
    assert verdict.first_broken_id == bad_id


def test_a_chain_rebuilt_with_the_key_shows_only_against_an_anchor(session, clock):
    chain = build_chain(session, clock)
    anchor = anchor_of(audit.head(session))
    bad_id = tampering.reseal_after_edit_with_the_key(TEST_AUDIT_KEY)(session.connection(), chain)
    session.expire_all()
    assert audit.verify(session).intact  # whoever holds the key can forge: that is what anchors are for
    verdict = audit.verify(session, [anchor])
    assert verdict.first_broken_id == bad_id == chain.ids[-1]
    assert "the chain was rewritten up to here" in verdict.reason


def test_a_published_head_shows_deleted_rows_and_a_rewrite(session, clock):
    chain = build_chain(session, clock)
    published = anchor_of(audit.public_head(session))
    assert published.count is None
    assert audit.verify(session, [published]).intact
    tampering.delete_last(session.connection(), chain)
    session.expire_all()
    verdict = audit.verify(session, [published])
    assert verdict.reason.startswith("the published head of") and f"ends at entry {chain.ids[-3]}" in verdict.reason


def test_a_session_without_the_key_cannot_record(session, clock):
    del session.info[AUDIT_KEY]
    with pytest.raises(RuntimeError, match="no audit key"):
        audit.record(session, clock, SYSTEM, "a", "e", 1)


def test_record_many_chains_with_ids_in_order(session, clock):
    first = audit.record(session, clock, SYSTEM, "a", "e", 0)
    audit.record_many(session, clock, SYSTEM, [("payment.draft", "payment_statement", i, None, {"n": i})
                                               for i in range(1, 4)])
    session.commit()
    rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [r.id for r in rows] == list(range(first.id, first.id + 4))
    assert audit.verify(session, [anchor_of(audit.head(session))]).intact


# --- marking the newest entry sealed (bidding) -------------------------------------------------------


def test_marking_the_newest_entry_sealed_makes_its_mac_again(session, clock):
    entry = audit.record(session, clock, SYSTEM, "bid.submit", "bid", 1, None, {"lot": 1})
    unsealed_mac = entry.hash
    entry.sealed_tender_id = 77  # what bidding.services._seal_last_audit does
    session.commit()
    assert entry.hash != unsealed_mac
    after = audit.record(session, clock, SYSTEM, "a", "e", 1)
    assert after.prev_hash == entry.hash
    assert audit.verify(session).intact


@pytest.mark.parametrize("change", ["older entry", "already sealed", "other column"])
def test_no_other_change_to_an_audit_row_is_accepted(session, clock, change):
    entry = audit.record(session, clock, SYSTEM, "bid.submit", "bid", 1, None, {"lot": 1},
                         sealed_tender_id=5 if change == "already sealed" else None)
    if change == "older entry":
        audit.record(session, clock, SYSTEM, "a", "e", 1)
    if change == "other column":
        entry.actor_name = "someone else"
    else:
        entry.sealed_tender_id = 77
    with pytest.raises(AuditRowsAreAppendOnly):
        session.flush()


def test_a_real_bid_is_sealed_and_the_chain_verifies(session, clock, tmp_path):
    from tests.tendering.world import build_world

    world = build_world(session, clock, tmp_path)
    lot = world.published_tender().lots[0]
    bid = world.bid(world.contractors[0], lot.id)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "bid.submit", AuditEntry.entity_id == str(bid.id)))
    assert entry.sealed_tender_id == lot.tender_id
    assert audit.verify(session, [anchor_of(audit.head(session))]).intact


# --- heads ------------------------------------------------------------------------------------------


def test_the_public_head_is_the_newest_visible_entry(session, clock, tmp_path):
    from tests.tendering.world import build_world

    world = build_world(session, clock, tmp_path)
    tender = world.published_tender()
    visible = audit.public_head(session)
    assert visible == ChainHead(None, audit.head(session).mac, audit.head(session).at)
    audit.record(session, clock, SYSTEM, "bid.submit", "bid", 1, None, {}, sealed_tender_id=tender.id)
    session.commit()
    assert audit.public_head(session) == visible  # a sealed bid moves nothing anyone may see
    assert audit.head(session).count == len(session.scalars(select(AuditEntry.id)).all())
    tender.opened_at = clock()
    session.commit()
    assert audit.public_head(session).mac == audit.head(session).mac  # opened: the entry is anyone's


def test_the_head_of_an_empty_chain(session):
    session.execute(text("DELETE FROM audit_entry"))
    assert audit.head(session) == ChainHead(0, GENESIS, None)
    assert audit.public_head(session) == ChainHead(None, GENESIS, None)


def test_the_head_api_is_public_and_betrays_no_bid(client, session, clock):
    audit.record(session, clock, SYSTEM, "site.create", "site", 1)
    session.commit()
    answer = client.get("/api/v1/public/audit-head")
    assert answer.status_code == 200
    assert answer.json() == audit.public_head(session).as_json() == {
        "mac": audit.head(session).mac, "at": audit.head(session).at.isoformat()}
    audit.record(session, clock, SYSTEM, "bid.submit", "bid", 1, None, {}, sealed_tender_id=999)
    session.commit()
    assert client.get("/api/v1/public/audit-head").content == answer.content


def test_the_daily_head_is_written_once_a_day(settings, database, session, clock):
    from procure.worker import JOBS, audit_head_job

    assert "audit-head" in {job.name for job in JOBS}
    audit.record(session, clock, SYSTEM, "site.create", "site", 1)
    session.commit()
    assert audit_head_job(settings, database) == {"heads": 1}
    path = settings.storage_dir / "audit-heads" / "2026-11-26.json"
    written = path.read_text()
    assert json.loads(written) == {"date": "2026-11-26", **audit.public_head(session).as_json()}

    audit.record(session, clock, SYSTEM, "site.update", "site", 1)
    session.commit()
    assert audit_head_job(settings, database) == {"heads": 0}  # the day's file is never replaced
    assert path.read_text() == written
    clock.now += timedelta(days=1)
    assert audit_head_job(settings, database) == {"heads": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["2026-11-26.json", "2026-11-27.json"]
