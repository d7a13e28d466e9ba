import hashlib
import hmac
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from procure.audit.rules import (
    GENESIS, KEYED, LEGACY, Anchor, BadAnchor, ChainHead, ChainLink, anchor_from_json, entry_mac, legacy_hash,
    link_mac, parse_anchor, verify_chain,
)

T = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
KEY = b"k" * 32
OTHER_KEY = b"x" * 32


def fields(i: int) -> dict:
    return {"id": i, "at": T + timedelta(minutes=i), "actor_id": 3, "actor_name": "officer", "action": "site.create",
            "entity": "site", "entity_id": str(i), "before": None, "after": {"area_m2": f"{i}00.00"},
            "sealed_tender_id": None}


def chain(n: int, key: bytes = KEY, start: int = 1, prev: str = GENESIS) -> list[ChainLink]:
    links = []
    for i in range(start, start + n):
        mac = entry_mac(key, prev, **fields(i))
        links.append(ChainLink(**fields(i), prev_hash=prev, hash=mac, scheme=KEYED))
        prev = mac
    return links


def legacy_chain(n: int) -> list[ChainLink]:
    links, prev = [], GENESIS
    for i in range(1, n + 1):
        f = fields(i)
        h = legacy_hash(prev, at=f["at"], actor_name=f["actor_name"], action=f["action"], entity=f["entity"],
                        entity_id=f["entity_id"], before=f["before"], after=f["after"])
        links.append(ChainLink(**f, prev_hash=prev, hash=h, scheme=LEGACY))
        prev = h
    return links


# --- the MAC and the old hash, exactly --------------------------------------------------------------


def test_entry_mac_is_hmac_sha256_over_every_column():
    f = fields(1) | {"at": T, "after": {"area_m2": "100.00"}}
    mac = entry_mac(KEY, GENESIS, **f)
    assert mac == "819e579288cdfcb52fd5405beed0c9cd8ffb240ddf903200b4eb4d5dcb3ae1a3"
    payload = json.dumps(["procure.audit_entry.v1", GENESIS, 1, "2026-11-26T02:00:00+00:00", 3, "officer",
                          "site.create", "site", "1", None, {"area_m2": "100.00"}, None],
                         separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    assert mac == hmac.new(KEY, payload.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("column, value", [
    ("id", 2), ("at", T + timedelta(microseconds=1)), ("actor_id", 4), ("actor_id", None), ("actor_name", "x"),
    ("action", "site.update"), ("entity", "lot"), ("entity_id", "2"), ("before", {}), ("after", {"area_m2": "1.00"}),
    ("sealed_tender_id", 5),
])
def test_every_column_changes_the_mac(column, value):
    assert entry_mac(KEY, GENESIS, **(fields(1) | {column: value})) != entry_mac(KEY, GENESIS, **fields(1))


def test_the_mac_depends_on_the_key_and_the_previous_mac():
    base = entry_mac(KEY, GENESIS, **fields(1))
    assert entry_mac(OTHER_KEY, GENESIS, **fields(1)) != base
    assert entry_mac(KEY, "1" * 64, **fields(1)) != base


def test_the_mac_depends_on_the_instant_not_its_time_zone():
    local = fields(1) | {"at": T.astimezone(ZoneInfo("Asia/Shanghai"))}
    assert entry_mac(KEY, GENESIS, **local) == entry_mac(KEY, GENESIS, **(fields(1) | {"at": T}))


def test_legacy_hash_is_the_rule_of_rows_before_0009():
    h = legacy_hash(GENESIS, at=T, actor_name="officer", action="site.create", entity="site", entity_id="1",
                    before=None, after={"area_m2": "100.00"})
    assert h == "ac41900dc2f732988754b36051a43b775075e3529bcd11cf6b8933995f3c9446"
    payload = json.dumps([GENESIS, "2026-11-26T02:00:00+00:00", "officer", "site.create", "site", "1", None,
                          {"area_m2": "100.00"}], separators=(",", ":"))
    assert h == hashlib.sha256(payload.encode()).hexdigest()


# --- verify_chain ---------------------------------------------------------------------------------


def test_an_untouched_chain_is_intact():
    verdict = verify_chain(chain(5), KEY)
    assert verdict.intact and verdict.checked == 5 and verdict.first_broken_id is None


def test_an_empty_chain_is_intact():
    assert verify_chain([], KEY).intact


def test_an_edited_row_is_the_first_broken_one():
    links = chain(5)
    links[2] = replace(links[2], after={"area_m2": "1.00"})
    verdict = verify_chain(links, KEY)
    assert (verdict.first_broken_id, verdict.checked) == (3, 2)
    assert verdict.reason == "content does not match its MAC (the row was edited, or written without the audit key)"


@pytest.mark.parametrize("column, value", [("actor_id", 99), ("sealed_tender_id", 8), ("id", 30)])
def test_columns_the_old_hash_left_out_are_covered(column, value):
    links = chain(5)
    links[3] = replace(links[3], **{column: value})
    assert verify_chain(links, KEY).first_broken_id == links[3].id


def test_a_removed_row_breaks_the_next_link():
    links = chain(5)
    del links[1]
    verdict = verify_chain(links, KEY)
    assert (verdict.first_broken_id, verdict.checked) == (3, 1)
    assert verdict.reason == "prev_hash does not match the previous row (a row was removed, inserted or reordered)"


def test_a_chain_rebuilt_under_another_key_fails_at_its_first_row():
    assert verify_chain(chain(3, OTHER_KEY), KEY).first_broken_id == 1


def test_a_row_appended_under_another_key_is_named():
    links = chain(3)
    links += chain(1, OTHER_KEY, start=4, prev=links[-1].hash)
    verdict = verify_chain(links, KEY)
    assert (verdict.first_broken_id, verdict.checked) == (4, 3)


def test_old_rows_verify_by_the_old_rule_and_keyed_rows_follow_them():
    old = legacy_chain(3)
    links = old + chain(2, start=4, prev=old[-1].hash)
    assert verify_chain(links, KEY).intact


def test_a_plain_sha256_row_after_keyed_rows_is_refused():
    old = legacy_chain(2)
    links = old + chain(2, start=3, prev=old[-1].hash)
    f = fields(5)
    forged = legacy_hash(links[-1].hash, at=f["at"], actor_name=f["actor_name"], action=f["action"],
                         entity=f["entity"], entity_id=f["entity_id"], before=f["before"], after=f["after"])
    links.append(ChainLink(**f, prev_hash=links[-1].hash, hash=forged, scheme=LEGACY))
    verdict = verify_chain(links, KEY)
    assert verdict.first_broken_id == 5
    assert verdict.reason.startswith("an unkeyed SHA-256 row after keyed rows")


def test_an_old_row_rewritten_is_caught_by_the_first_keyed_row():
    """Re-hashing old rows needs no key, but the first keyed row MACs the last old hash."""
    old = legacy_chain(3)
    keyed = chain(2, start=4, prev=old[-1].hash)
    rewritten, prev = [], GENESIS
    for link in old:
        link = replace(link, after={"area_m2": "0.00"}, prev_hash=prev)
        h = legacy_hash(prev, at=link.at, actor_name=link.actor_name, action=link.action, entity=link.entity,
                        entity_id=link.entity_id, before=link.before, after=link.after)
        rewritten.append(replace(link, hash=h))
        prev = h
    keyed[0] = replace(keyed[0], prev_hash=prev)
    assert verify_chain(rewritten + keyed, KEY).first_broken_id == 4


def test_an_unknown_scheme_is_refused():
    links = chain(2)
    links[1] = replace(links[1], scheme="md5")
    assert verify_chain(links, KEY).reason == "unknown scheme 'md5'"


def test_link_mac_is_entry_mac_of_the_link():
    link = chain(1)[0]
    assert link_mac(KEY, link) == link.hash


# --- anchors ----------------------------------------------------------------------------------------


def test_an_anchor_the_chain_still_holds():
    links = chain(5)
    assert verify_chain(links, KEY, [Anchor(links[2].hash, 3), Anchor(links[4].hash, 5)]).intact
    assert verify_chain(links, KEY, [Anchor(links[3].hash)]).intact  # a published head: no count


def test_rows_deleted_from_the_end_show_against_the_anchor():
    links = chain(5)
    anchor = Anchor(links[-1].hash, 5)
    assert verify_chain(links[:3], KEY).intact  # without an anchor nothing can tell
    verdict = verify_chain(links[:3], KEY, [anchor])
    assert not verdict.intact and verdict.first_broken_id is None and verdict.checked == 3
    assert verdict.reason == ("the anchor counts 5 entries but the chain has 3 (it ends at entry 3): "
                              "entries were deleted from its end")


def test_every_row_deleted_shows_against_the_anchor():
    verdict = verify_chain([], KEY, [Anchor(chain(5)[-1].hash, 5)])
    assert verdict.reason == ("the anchor counts 5 entries but the chain has 0 (it is empty): "
                              "entries were deleted from its end")


def test_a_chain_rebuilt_with_the_key_shows_at_the_anchored_row():
    links = chain(5)
    anchor = Anchor(links[-1].hash, 5)
    edited = links[:2]
    prev = edited[-1].hash
    for link in links[2:]:
        f = {k: getattr(link, k) for k in fields(1)} | ({"after": {"area_m2": "1.00"}} if link.id == 3 else {})
        mac = entry_mac(KEY, prev, **f)
        edited.append(ChainLink(**f, prev_hash=prev, hash=mac))
        prev = mac
    assert verify_chain(edited, KEY).intact  # the key holder can: only an anchor shows it
    verdict = verify_chain(edited, KEY, [anchor])
    assert verdict.first_broken_id == 5 and verdict.checked == 4
    assert verdict.reason.startswith(f"entry number 5 is not the anchored one (MAC {anchor.mac[:16]}…)")


def test_a_published_head_no_longer_in_the_chain_names_the_last_row_of_its_time():
    links = chain(5)
    published = Anchor(links[3].hash, at=links[3].at)
    verdict = verify_chain(links[:2], KEY, [published])
    assert not verdict.intact and verdict.first_broken_id is None
    assert verdict.reason == (f"the published head of 2026-11-26T02:04:00+00:00 (MAC {published.mac[:16]}…) is "
                              "not in the chain (it ends at entry 2); entry 2 is the last one written by then: it "
                              "or an entry before it was rewritten, or the entries after it were deleted")


def test_the_empty_heads_hold_anywhere():
    assert verify_chain([], KEY, [Anchor(GENESIS), Anchor(GENESIS, 0)]).intact


# --- heads and their text -----------------------------------------------------------------------------


def test_a_head_as_json():
    assert ChainHead(5, "a" * 64, T).as_json() == {"count": 5, "mac": "a" * 64, "at": "2026-11-26T02:00:00+00:00",
                                                    "anchor": "5:" + "a" * 64}
    assert ChainHead(None, "a" * 64, T).as_json() == {"mac": "a" * 64, "at": "2026-11-26T02:00:00+00:00"}
    assert ChainHead(0, GENESIS, None).as_json() == {"count": 0, "mac": GENESIS, "at": None, "anchor": "0:" + GENESIS}


def test_anchors_from_the_command_line():
    assert parse_anchor("5:" + "A" * 64) == Anchor("a" * 64, 5)
    assert parse_anchor(" " + "b" * 64 + " ") == Anchor("b" * 64)
    for bad in ("5:abc", "x:" + "a" * 64, "-1:" + "a" * 64, "0:" + "a" * 64, "g" * 64, ""):
        with pytest.raises(BadAnchor):
            parse_anchor(bad)


def test_anchors_from_a_head_file():
    at = "2026-11-26T02:00:00+00:00"
    assert anchor_from_json({"date": "2026-11-26", "mac": "c" * 64, "at": at}) == Anchor("c" * 64, None, T)
    assert anchor_from_json(ChainHead(7, "d" * 64, T).as_json()) == Anchor("d" * 64, 7, T)
    for bad in ([], {}, {"mac": "zz"}, {"mac": "c" * 64, "at": "yesterday"}, {"mac": "c" * 64, "at": "2026-11-26T02:00"},
                {"mac": "c" * 64, "count": "many"}):
        with pytest.raises(BadAnchor):
            anchor_from_json(bad)
