"""The compliance review decided by the committee (issue 11 §6): each member's own view, the
majority's result (少数服从多数, 87号令 第61条), dissent in the report, locked once sheets are in."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from procure.kernel.errors import Conflict
from procure.evaluation import services as evaluation
from procure.evaluation.models import ComplianceView
from procure.evaluation.services import report_view
from procure.documents.pdf import PdfRenderer
from tests.evaluation.world import full_committee, opened_lot, review_compliance

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PRICES = ("1000000.00", "1100000.00", "1200000.00", "1250000.00")
#: (member, bid) → the reason that member finds the bid non-compliant; every other view is "compliant".
SPLIT = {(3, 1): "资质证书已过期", (4, 1): "缺少类似项目业绩证明",
         (2, 2): "未提供社保缴纳证明", (3, 2): "养护方案缺少夜间作业安排", (4, 2): "未提供社保缴纳证明"}


@pytest.fixture()
def world(session, clock, tmp_path):
    return opened_lot(session, clock, tmp_path, prices=PRICES, sme_deduction=None)


def test_each_member_records_their_own_view_and_the_majority_decides(world, session, clock):
    lot, bids = world.lot, world.bids
    members = full_committee(world, session, clock)
    review_compliance(world, session, clock, members[:4], SPLIT)
    # Four of five have spoken: no result yet, whatever they said (3 : 1 on bid 1 is not the committee's).
    state = evaluation.progress(session, clock, lot.id)
    assert state.unreviewed == [b.id for b in bids]
    assert evaluation.compliant_ids(session, lot) == set()
    review = evaluation.compliance_of(session, lot)
    assert review[bids[1].id].votes == (3, 1) and review[bids[1].id].result is None and review[bids[1].id].waiting == 1
    review_compliance(world, session, clock, members[4:], {(0, b): r for (m, b), r in SPLIT.items() if m == 4})
    review = evaluation.compliance_of(session, lot)
    assert [review[b.id].result for b in bids] == [True, True, False, True]
    assert [review[b.id].votes for b in bids] == [(5, 0), (3, 2), (2, 3), (5, 0)]
    assert [(v.name, v.reason) for v in review[bids[1].id].dissent] == [
        (members[3].display_name, "资质证书已过期"), (members[4].display_name, "缺少类似项目业绩证明")]
    assert [(v.name, v.compliant) for v in review[bids[2].id].dissent] == [
        (members[0].display_name, True), (members[1].display_name, True)]
    assert evaluation.progress(session, clock, lot.id).unreviewed == []
    assert evaluation.compliant_ids(session, lot) == {bids[0].id, bids[1].id, bids[3].id}


def test_a_member_changes_their_own_view_until_a_sheet_is_submitted(world, session, clock):
    lot, bids = world.lot, world.bids
    members = full_committee(world, session, clock)
    review_compliance(world, session, clock, members, SPLIT)
    mine = evaluation.record_compliance(session, clock, members[2], lot.id, bids[2].id, True, "")
    assert mine.committee.result is True and mine.committee.votes == (3, 2)  # member 2 changed their mind
    assert session.scalar(select(func.count()).select_from(ComplianceView)) == 5 * 4  # one view per member and bid
    mine = evaluation.record_compliance(session, clock, members[2], lot.id, bids[2].id, False, "未提供社保缴纳证明")
    assert mine.committee.result is False
    for m in members:
        for bid in (bids[0], bids[1], bids[3]):
            evaluation.record_scores(session, clock, m, lot.id, bid.id, {"T1": "30", "T2": "20"})
    evaluation.submit_sheet(session, clock, members[0], lot.id)
    for m in (members[0], members[1]):  # locked for everyone once a sheet is in
        with pytest.raises(Conflict) as info:
            evaluation.record_compliance(session, clock, m, lot.id, bids[2].id, True, "")
        assert "locked" in info.value.message
    assert evaluation.compliance_of(session, lot)[bids[2].id].result is False


def test_no_sheet_before_the_review_has_a_result_for_every_bid(world, session, clock):
    lot = world.lot
    members = full_committee(world, session, clock)
    review_compliance(world, session, clock, members[:4])
    with pytest.raises(Conflict) as info:
        evaluation.submit_sheet(session, clock, members[0], lot.id)
    assert info.value.params == {"bids": ", ".join(f"#{b.id}" for b in world.bids)}


def test_the_ranking_reads_the_majority_and_the_report_keeps_the_dissent(world, session, clock):
    lot, bids = world.lot, world.bids
    members = full_committee(world, session, clock)
    review_compliance(world, session, clock, members, SPLIT)
    for m in members:
        for bid in (bids[0], bids[1], bids[3]):
            evaluation.record_scores(session, clock, m, lot.id, bid.id, {"T1": "30", "T2": "20"})
        evaluation.submit_sheet(session, clock, m, lot.id)
    rows = {r.bid_id: r for r in evaluation.finalize(session, clock, world.officer.actor, lot.id, seed=4)}
    assert rows[bids[1].id].compliant and rows[bids[1].id].rank == 2  # 3 : 2 compliant, ranked
    assert not rows[bids[2].id].compliant and rows[bids[2].id].rank is None and "non_compliant" in rows[bids[2].id].flags
    assert rows[bids[0].id].rank == 1 and rows[bids[3].id].rank == 3
    with pytest.raises(Conflict):  # the lot's result cannot change after finalisation
        evaluation.record_compliance(session, clock, members[0], lot.id, bids[2].id, True, "")
    context = report_view(session, clock, lot.id, world.officer)
    assert [v.reason for v in context["compliance"][bids[1].id].dissent] == ["资质证书已过期", "缺少类似项目业绩证明"]
    html = PdfRenderer(TEMPLATES).environment.get_template("pdf/evaluation_report.html").render(context)
    assert f"{members[3].display_name}认为不符合：资质证书已过期" in html
    assert f"{members[0].display_name}认为符合" in html  # the minority on bid 2
    assert "（3 : 2）" in html and "（2 : 3）" in html and "第六十一条" in html


def test_a_tie_on_a_short_committee_is_no_result(world, session, clock):
    lot, bids = world.lot, world.bids
    members = world.experts[:5]
    evaluation.form_committee(session, clock, world.officer.actor, lot.id, members=[m.id for m in members])
    evaluation.declare(session, clock, members[0], lot.id, False, "前雇主")
    for m in members[1:]:
        evaluation.declare(session, clock, m, lot.id, True)
    review_compliance(world, session, clock, members[1:], {(2, 0): "资质不符", (3, 0): "资质不符"})
    review = evaluation.compliance_of(session, lot)
    assert review[bids[0].id].votes == (2, 2) and review[bids[0].id].waiting == 0 and review[bids[0].id].result is None
    assert review[bids[1].id].result is True  # 4 : 0 of the four present
    assert evaluation.progress(session, clock, lot.id).unreviewed == [bids[0].id]
