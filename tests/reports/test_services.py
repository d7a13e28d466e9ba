"""Report aggregates against hand-computed figures."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from procure.cases import services as cases
from procure.kernel.clock import BUREAU_TZ
from procure.inspection import services as inspection
from procure.inspection.services import FindingInput
from procure.payments import services as payments
from procure.reports import services
from procure.sites.models import Site
from tests.factories import SiteFactory, UnitRateFactory
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    return build(session, clock, tmp_path)


def at(day: int) -> datetime:
    return datetime(2026, 10, day, 9, 0, tzinfo=BUREAU_TZ)


def test_kaoping_by_street(field, session, clock):
    template = inspection.current_template(session, "road")
    defect = next(i for i in template.items if i.rectification_hours)
    # site 0 inspected twice: 100 and (100 − deduction); site 1 once: a failing score.
    inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=at(5),
                      findings=[], require_photos=False)
    first = inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                              inspected_at=at(20), findings=[FindingInput(defect.code, 1)], require_photos=False)
    bad = [FindingInput(i.code, 9) for i in template.items]
    worst = inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[1].id,
                              inspected_at=at(12), findings=bad, require_photos=False)
    case_id = first.cases[0]
    cases.respond(session, clock, field.storage, field.contractor, case_id, "done")  # answered now: late
    row = next(r for r in services.kaoping(session, clock, "2026-10") if r.jurisdiction.code == "330110002")
    site0 = (Decimal(100) + first.inspection.score) / 2
    expected_mean = ((site0.quantize(Decimal("0.01")) + worst.inspection.score) / 2).quantize(Decimal("0.01"))
    assert row.sites == 4 and row.inspected == 2 and row.failing_sites == 1
    assert row.mean_score == expected_mean
    due = [c for c in first.cases + worst.cases if cases.get(session, c).deadline < datetime(2026, 11, 1, tzinfo=BUREAU_TZ)]
    assert row.cases.due == len(due) and row.cases.on_time == 0


def test_contractor_trend_and_scorecard(field, session, clock):
    for day, site in ((5, 0), (6, 1)):
        inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[site].id,
                          inspected_at=at(day), findings=[], require_photos=False)
    payments.run_month(session, clock, field.officer.actor, "2026-10")
    row = services.contractor_report(session, clock, "2026-11")[0]
    assert [m for m, _ in row.trend][-2:] == ["2026-10", "2026-11"] and len(row.trend) == 12
    assert dict(row.trend)["2026-10"] == Decimal("100.00") and dict(row.trend)["2026-09"] is None
    assert row.card.standing == "A" and row.failing_months == 0 and row.penalties == Decimal("0.00")


def test_budget_against_spend(field, session, clock):
    UnitRateFactory(kind="road", grade=2, yuan_per_m2_year=Decimal("10.00"))
    new = SiteFactory(jurisdiction=field.sites[0].jurisdiction, kind="road", grade=2, area_m2=Decimal("5000"),
                      handover_date=clock().date() - timedelta(days=30))
    session.commit()
    rows = services.budget_vs_spend(session, clock, 2026)
    road = next(r for r in rows if r.jurisdiction.code == "330110002" and r.kind == "road")
    # four sites of 10,000 … 40,000 m² handed over in 2025: 100,000 m² × 10 = 1,000,000; next year adds 5,000 m²
    assert road.area == Decimal("100000.00") and road.estimate == Decimal("1000000.00")
    assert road.next_year == Decimal("1050000.00")
    assert road.contracted == Decimal("1200000.00")  # the contract's 100,000 a month, all on these sites
    assert session.get(Site, new.id).handover_date.year == 2026
