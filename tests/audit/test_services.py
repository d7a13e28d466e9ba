from sqlalchemy import text

from procure.audit import services as audit
from procure.audit.services import Actor


def test_records_chain_and_verify_finds_a_hand_edit(session, clock):
    actor = Actor(None, "tester")
    first = audit.record(session, clock, actor, "site.create", "site", 1, None, {"name": "仓前公园"})
    second = audit.record(session, clock, actor, "site.update", "site", 1, {"name": "仓前公园"}, {"name": "仓前公园（一期）"})
    audit.record(session, clock, actor, "site.update", "site", 1, {"name": "x"}, {"name": "y"})
    session.commit()
    assert second.prev_hash == first.hash
    assert audit.verify(session).intact

    # Someone edits the table by hand, outside Procure.
    session.execute(text("UPDATE audit_entry SET actor_name = 'intruder' WHERE id = :id"), {"id": second.id})
    session.expire_all()
    verdict = audit.verify(session)
    assert not verdict.intact
    assert verdict.first_broken_id == second.id


def test_deleting_a_row_is_detected(session, clock):
    actor = Actor(None, "tester")
    rows = [audit.record(session, clock, actor, "a", "e", i) for i in range(3)]
    session.commit()
    session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[1].id})
    session.expire_all()
    assert audit.verify(session).first_broken_id == rows[2].id
