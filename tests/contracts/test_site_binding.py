"""A variation cannot add a site that another procurement is buying or another contract keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from procure.contracts import services as contracts
from procure.kernel.errors import Conflict
from procure.tendering import services as tenders
from tests.contracts.test_services import _signed, contract  # noqa: F401  (the signed-contract fixture)
from tests.factories import SiteFactory
from tests.tendering.world import tender_payload


def test_a_variation_cannot_add_a_site_in_a_live_tender(contract, session, clock):  # type: ignore[no-untyped-def]  # noqa: F811
    _signed(contract, session, clock)
    officer = contract.world.officer
    park = SiteFactory(kind="park", name="招标中的公园", handover_date=contract.start_date)
    session.commit()
    draft = tenders.create_tender(session, clock, officer.actor, tender_payload([park.id], clock() + timedelta(days=20), title="公园养护采购"))
    tender = tenders.publish(session, clock, officer.actor, draft.id)
    with pytest.raises(Conflict) as info:
        contracts.add_variation(session, clock, officer.actor, contract.id, {
            "kind": "add_site", "site_id": park.id, "effective_date": contract.start_date + timedelta(days=25),
            "monthly_fee_delta": "1000", "reason": "新公园"})
    assert info.value.params["reference"] == tender.reference
