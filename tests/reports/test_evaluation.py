"""The 数字城管 evaluation read from the database: who found what, who missed what, month by month."""

from datetime import datetime, timedelta
from decimal import Decimal as D

from sqlalchemy import select

from procure.accounts.models import User
from procure.inspection.models import Inspection
from procure.cases.rules import CaseSource, CaseState
from procure.kernel.clock import BUREAU_TZ
from procure.reports import services
from tests.factories import ContractFactory, JurisdictionFactory, SiteFactory, UserFactory
from tests.factories.cases import CaseFactory
from tests.factories.inspection import InspectionFactory


def at(day: int, month: int = 9) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=BUREAU_TZ)


def test_the_month_by_area_contractor_and_inspector(session):
    north, south = JurisdictionFactory(name="北街道"), JurisdictionFactory(name="南街道")
    clean_site, dirty_site = SiteFactory(jurisdiction=north, road=True), SiteFactory(jurisdiction=north, road=True)
    far_site = SiteFactory(jurisdiction=south, road=True)
    contract = ContractFactory()
    careful, careless = UserFactory(role="inspector"), UserFactory(role="inspector")
    # careless passes clean_site as clean on the 3rd; careful finds two problems on dirty_site.
    InspectionFactory(site=clean_site, inspector=careless, inspected_at=at(3))
    finding = InspectionFactory(site=dirty_site, inspector=careful, inspected_at=at(4), with_findings=True)
    found = dict(source=CaseSource.INSPECTION.value, inspection_id=finding.id, site=dirty_site, contract=contract)
    CaseFactory(**found, opened_at=at(4), state=CaseState.CLOSED.value, first_responded_at=at(4) + timedelta(hours=5),
                closed_at=at(4) + timedelta(hours=8))                                         # on time, closed on time
    CaseFactory(**found, opened_at=at(4), state=CaseState.VOID.value, void_reason="重复立案")  # not valid
    # Citizens report a problem on clean_site on the 20th (careless missed it) and one on far_site.
    CaseFactory(source=CaseSource.CITIZEN.value, site=clean_site, contract=contract, opened_at=at(20),
                state=CaseState.RESPONDED.value, first_responded_at=at(22))                   # answered late
    CaseFactory(source=CaseSource.CITIZEN.value, site=far_site, opened_at=at(21))             # never answered
    session.flush()

    found_month = services.evaluation(session, "2026-09")
    assert [m for m, _ in found_month.district.trend][0] == "2025-10" and len(found_month.district.trend) == 12
    district = found_month.district.counts
    assert (district.registered, district.found_by_bureau, district.reported_by_public) == (3, 1, 2)
    assert (district.due, district.handled, district.handled_on_time, district.closed, district.closed_on_time) == (3, 2, 1, 1, 1)
    assert district.discovery_rate == D("33.33") and district.public_report_rate == D("66.67")

    by_area = {e.subject.name: e for e in found_month.areas}
    assert by_area["北街道"].counts.registered == 2 and by_area["南街道"].counts.registered == 1
    # South: one public case, never answered: discovery 0, handled 0, closed 0 → composite 0, band E.
    assert by_area["南街道"].composite == D("0.00") and by_area["南街道"].band == "E"

    (company,) = found_month.contractors
    assert company.subject.id == contract.contractor_id
    assert (company.counts.due, company.counts.handled_on_time, company.counts.closed) == (2, 1, 1)
    assert company.composite == D("60.00")   # 0.5 × 50 + 0.3 × 50 + 0.2 × 100
    assert company.band == "C"

    people = {e.subject.id: e for e in found_month.inspectors}
    assert people[careful.id].counts.reported == 2 and people[careful.id].counts.valid == 1
    assert people[careful.id].counts.missed == 0 and people[careful.id].composite == D("70.00")  # 0.6×50 + 0.4×100
    assert people[careless.id].counts.reported == 0 and people[careless.id].counts.missed == 1
    assert people[careless.id].counts.miss_rate == D("100.00") and people[careless.id].band == "E"
    assert found_month.all_inspectors.counts.reported == 2 and found_month.all_inspectors.counts.missed == 1

    # October has nothing: not evaluated; September is the last point of October's trend.
    october = services.evaluation(session, "2026-10")
    assert october.district.composite is None and october.district.band is None
    assert dict(october.district.trend)["2026-09"] == found_month.district.composite


def test_a_correction_replaces_the_clean_pass(session):
    """An inspection corrected later (superseded) no longer counts as passing a site clean."""
    site, inspector = SiteFactory(road=True), UserFactory(role="inspector")
    old = InspectionFactory(site=site, inspector=inspector, inspected_at=at(3))
    new = InspectionFactory(site=site, inspector=inspector, inspected_at=at(3), with_findings=True, supersedes_id=old.id)
    old.superseded_by_id = new.id
    CaseFactory(source=CaseSource.CITIZEN.value, site=site, opened_at=at(10))
    session.flush()
    (person,) = services.evaluation(session, "2026-09").inspectors
    assert person.counts.missed == 0


def test_the_bureau_sees_its_inspectors_and_the_public_sees_them_together(client, session, settings, page_login):
    from procure.demo import load_demo

    load_demo(session, settings)
    session.commit()
    inspector = session.scalars(select(User).join(Inspection, Inspection.inspector_id == User.id).limit(1)).one()
    public = client.get("/public/cases", params={"month": "2026-11"})
    assert public.status_code == 200
    assert "数字城管绩效评价" in public.text and "全体监督员" in public.text and "发现率" in public.text
    assert inspector.display_name not in public.text          # staff are not ranked in public
    assert 'class="badge standing-' in public.text and "<svg" in public.text
    title = public.text.split("<title>")[1].split("</title>")[0]
    assert "<" not in title and public.text.count('id="evaluation"') == 1  # once, in the page, not the title
    client.cookies.set("procure_lang", "en")
    english = client.get("/public/cases", params={"month": "2026-11"}).text
    assert "City management evaluation" in english and "Whole district" in english and "数字城管绩效评价" not in english

    page_login(client, "officer", "officer-demo")
    bureau = client.get("/reports/kaoping", params={"month": "2026-11"})
    assert bureau.status_code == 200 and 'id="evaluation-inspectors"' in bureau.text
    assert inspector.display_name in bureau.text
    pdf = client.get("/reports/kaoping.pdf", params={"month": "2026-11"})
    assert pdf.status_code == 200
    from pypdf import PdfReader
    import io

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    assert "数字城管绩效评价" in text and "按期结案率" in text and inspector.display_name in text
    assert text.count("数字城管绩效评价") == 1  # once, after the tables, not inside the title


def test_the_sheet_carries_the_evaluation(client, session, settings, page_login):
    import io

    from openpyxl import load_workbook

    from procure.demo import load_demo

    load_demo(session, settings)
    session.commit()
    page_login(client, "officer", "officer-demo")
    sheet = client.get("/reports/kaoping.xlsx", params={"month": "2026-11"})
    book = load_workbook(io.BytesIO(sheet.content))
    rows = list(book["数字城管评价"].iter_rows(values_only=True))
    assert rows[0][:3] == ("区域", "立案数", "发现率%") and rows[1][0] == "全区"
    district = services.evaluation(session, "2026-11").district
    assert rows[1][1] == district.counts.registered and rows[1][-1] == district.band
