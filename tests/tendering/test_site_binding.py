"""One site, one maintainer: a site is in at most one live procurement or contract in force, and
publication, re-tendering and the site picker know it (issue 11 §6)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from procure.kernel.errors import Conflict, InvalidInput
from procure.sites.models import Site
from procure.tendering import services as tenders
from tests.factories import LotFactory
from tests.tendering.world import build_world, tender_payload


@pytest.fixture()
def world(session, clock, tmp_path):  # type: ignore[no-untyped-def]
    return build_world(session, clock, tmp_path)


def _draft(world, site_ids, title="另一个采购项目"):  # type: ignore[no-untyped-def]
    payload = tender_payload(site_ids, world.clock() + timedelta(days=20), title=title)
    return tenders.create_tender(world.session, world.clock, world.officer.actor, payload)


def test_publication_names_the_tender_that_already_buys_a_site(world):  # type: ignore[no-untyped-def]
    first = world.published_tender()
    second = _draft(world, world.site_ids[:1])
    with pytest.raises(InvalidInput) as info:
        tenders.publish(world.session, world.clock, world.officer.actor, second.id)
    problems = [e for e in info.value.errors if e["message"] == "Site {site} is already in tender {holder}."]
    assert len(problems) == 1 and problems[0]["params"]["holder"] == first.reference
    assert problems[0]["field"] == "lots[1]"


def test_drafts_bind_nothing_and_the_picker_leaves_out_bound_sites(world):  # type: ignore[no-untyped-def]
    _draft(world, world.site_ids, "草稿一")
    _draft(world, world.site_ids, "草稿二")  # two drafts may share sites: neither is buying yet
    free = {s.id for s in tenders.candidate_sites(world.session, world.clock)}
    assert set(world.site_ids) <= free
    world.published_tender()
    free = {s.id for s in tenders.candidate_sites(world.session, world.clock)}
    assert not set(world.site_ids) & free


def test_cancelling_frees_the_sites(world):  # type: ignore[no-untyped-def]
    first = world.published_tender()
    tenders.cancel(world.session, world.clock, world.officer.actor, first.id, "规划调整")
    second = _draft(world, world.site_ids)
    assert tenders.publish(world.session, world.clock, world.officer.actor, second.id).state == "published"


def test_a_failed_lot_cannot_be_retendered_once_its_sites_are_bought_elsewhere(world):  # type: ignore[no-untyped-def]
    session, clock = world.session, world.clock
    lot = LotFactory(unsuccessful=True, sites=[session.get(Site, i) for i in world.site_ids])  # 流标: sites free again
    other = _draft(world, world.site_ids[:1], "并入其他项目")
    tenders.publish(session, clock, world.officer.actor, other.id)
    with pytest.raises(Conflict) as info:
        tenders.retender(session, clock, world.officer.actor, lot.id)
    assert other.reference in info.value.params["names"]


def test_the_tender_form_marks_a_chosen_site_bound_elsewhere(client, page_login, session, world):  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    draft = _draft(world, world.site_ids[:1], "先起草的项目")
    world.published_tender()  # now buys the same sites
    UserFactory(role="officer", username="picker")
    session.commit()
    page_login(client, "picker")
    page = client.get(f"/tenders/{draft.id}/edit")
    assert page.status_code == 200 and "已在招标" in page.text
