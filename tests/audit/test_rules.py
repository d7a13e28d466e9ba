from datetime import datetime, timezone

from procure.audit.rules import GENESIS, ChainLink, entry_hash, verify_chain

T = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def chain(n: int) -> list[ChainLink]:
    links, prev = [], GENESIS
    for i in range(1, n + 1):
        h = entry_hash(prev, at=T, actor_name="officer", action="site.create", entity="site", entity_id=str(i),
                       before=None, after={"area_m2": f"{i}00.00"})
        links.append(ChainLink(i, T, "officer", "site.create", "site", str(i), None, {"area_m2": f"{i}00.00"}, prev, h))
        prev = h
    return links


def test_an_untouched_chain_is_intact():
    verdict = verify_chain(chain(5))
    assert verdict.intact and verdict.checked == 5


def test_an_edited_row_is_the_first_broken_one():
    links = chain(5)
    links[2] = ChainLink(**{**links[2].__dict__, "after": {"area_m2": "1.00"}})
    verdict = verify_chain(links)
    assert verdict.first_broken_id == 3 and verdict.checked == 2
    assert "edited" in verdict.reason


def test_a_removed_row_breaks_the_next_link():
    links = chain(5)
    del links[1]
    verdict = verify_chain(links)
    assert verdict.first_broken_id == 3
    assert "removed" in verdict.reason


def test_hash_depends_on_time_zone_free_instant():
    from zoneinfo import ZoneInfo

    local = T.astimezone(ZoneInfo("Asia/Shanghai"))
    a = entry_hash(GENESIS, at=T, actor_name="a", action="x", entity="e", entity_id="1", before=None, after=None)
    b = entry_hash(GENESIS, at=local, actor_name="a", action="x", entity="e", entity_id="1", before=None, after=None)
    assert a == b
