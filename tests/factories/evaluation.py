"""评标委员会: committees of an opened lot, as ``evaluation.services.form_committee`` forms them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory

from procure.accounts.rules import Role
from procure.evaluation.models import Committee, CommitteeMember
from tests.factories.accounts import UserFactory
from tests.factories.base import NOW, BaseFactory
from tests.factories.tendering import LotFactory

FORMED_AT = NOW - timedelta(hours=1)  # after the opening of ``LotFactory(opened=True)``
DECLARED_AT = FORMED_AT + timedelta(minutes=10)


class CommitteeMemberFactory(BaseFactory):
    """An expert on a committee: ``CommitteeMemberFactory(committee=...)`` joins a stored one;
    ``CommitteeFactory`` builds its members with it."""

    class Meta:
        model = CommitteeMember
        exclude = ("committee",)

    committee = None
    committee_id = factory.LazyAttribute(lambda o: o.committee.id if o.committee is not None else None)
    user = factory.SubFactory(UserFactory, evaluator=True)
    is_expert = factory.LazyAttribute(lambda o: o.user.role == Role.EVALUATOR)
    declared_at = None
    sheet_submitted_at = None
    withdrawn_at = None
    conflict = ""
    draw_seed = None

    class Params:
        #: Declared no conflict of interest: may see the lot's bids (accounts.policy).
        declared = factory.Trait(declared_at=DECLARED_AT)
        #: Declared a conflict and withdrew (回避); stays on record, counts for nothing else.
        withdrawn = factory.Trait(withdrawn_at=DECLARED_AT, conflict="前雇主")

    @factory.post_generation
    def seat(obj: CommitteeMember, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A member added to a stored committee shows in its (already loaded) members at once."""
        if create and obj.committee_id is not None:
            committee = CommitteeMemberFactory._meta.sqlalchemy_session.get(Committee, obj.committee_id)
            if obj not in committee.members:
                committee.members.append(obj)


def _members(o: Any) -> list[CommitteeMember]:
    """``size`` members, the first ``experts`` of them experts (evaluators), the others the
    purchaser's representatives (officers); built here, stored with the committee."""
    return [CommitteeMemberFactory.build(user=UserFactory.build(role=Role.EVALUATOR if i < o.experts else Role.OFFICER),
                                         declared_at=DECLARED_AT if o.declared else None)
            for i in range(o.size)]


class CommitteeFactory(BaseFactory):
    """The committee of an opened lot: five experts, formed an hour ago, not yet declared."""

    class Meta:
        model = Committee
        exclude = ("lot", "size", "experts", "declared")

    lot = factory.SubFactory(LotFactory, opened=True)
    size = 5
    experts = factory.SelfAttribute("size")
    declared = False

    lot_id = factory.SelfAttribute("lot.id")
    formed_at = FORMED_AT
    formed_by_id = None
    draw_seed = None
    ranking_seed = None
    finalized_at = None
    unsuccessful = False
    members = factory.LazyAttribute(_members)

    class Params:
        #: The committee sits: every member has declared no conflict of interest (87号令 第47条 size).
        seated = factory.Trait(declared=True)


__all__ = ["CommitteeFactory", "CommitteeMemberFactory"]
