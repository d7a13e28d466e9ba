import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from procure.audit.models import AuditEntry
from procure.audit.services import Actor
from procure.kernel.errors import Conflict, InvalidInput
from procure.kernel.pagination import PageRequest
from procure.sites import services
from procure.sites.models import Site
from procure.sites.services import SiteFilter
from tests.factories import JurisdictionFactory, SiteFactory, UnitRateFactory

ACTOR = Actor(None, "officer")
HEADER = "code,name,kind,grade,jurisdiction_code,area_m2,length_m,width_m,handover_date\n"


@pytest.fixture()
def street(session):
    return JurisdictionFactory(code="330110002", name="仓前街道")


def site_count(session):
    return session.scalar(select(func.count()).select_from(Site))


def test_create_and_update_are_audited(session, clock, street):
    site = services.create_site(session, clock, ACTOR, {"code": "N-1", "name": "新公园", "kind": "park", "grade": "1",
                                                        "jurisdiction_code": "330110002", "area_m2": "50000"})
    services.update_site(session, clock, ACTOR, site.id, {"area_m2": "52000.25"})
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "site", AuditEntry.entity_id == str(site.id))
                              .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["site.create", "site.update"]
    assert entries[1].before["area_m2"] == "50000.00" and entries[1].after["area_m2"] == "52000.25"


def test_duplicate_code_is_a_conflict(session, clock, street):
    SiteFactory(code="DUP-1", jurisdiction=street)
    with pytest.raises(Conflict):
        services.create_site(session, clock, ACTOR, {"code": "DUP-1", "name": "x", "kind": "park", "grade": "1",
                                                     "jurisdiction_code": "330110002", "area_m2": "1"})


def test_update_rejects_unknown_fields_and_bad_values(session, clock, street):
    site = SiteFactory(jurisdiction=street)
    session.commit()
    with pytest.raises(InvalidInput):
        services.update_site(session, clock, ACTOR, site.id, {"colour": "green"})
    with pytest.raises(InvalidInput):
        services.update_site(session, clock, ACTOR, site.id, {"area_m2": "-1"})
    session.rollback()
    assert session.get(Site, site.id).area_m2 == Decimal("10000.00")


def test_import_utf8_csv(session, clock, street):
    content = (HEADER + "I-1,良睦路,road,1,330110002,,1000,24,2026-05-01\n"
               "I-2,仓前公园,公园,二级,330110002,88000,,,\n").encode()
    result = services.import_sites(session, clock, ACTOR, content, "sites.csv")
    assert result.created == 2
    road = session.scalar(select(Site).where(Site.code == "I-1"))
    assert road.area_m2 == Decimal("24000.00") and road.handover_date == date(2026, 5, 1)


def test_import_gbk_csv_with_chinese_headers(session, clock, street):
    content = "编码,名称,类型,等级,属地编码,面积\nG-1,文一西路绿带,绿地,一级,330110002,3000\n".encode("gbk")
    assert services.import_sites(session, clock, ACTOR, content, "sites.csv").created == 1
    assert session.scalar(select(Site.name).where(Site.code == "G-1")) == "文一西路绿带"


def test_import_xlsx(session, clock, street):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "kind", "grade", "jurisdiction_code", "area_m2", "handover_date"])
    sheet.append(["X-1", "梦想小镇广场", "square", 1, 330110002, 12345.6, date(2026, 7, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = services.import_sites(session, clock, ACTOR, buffer.getvalue(), "anything.bin")
    assert result.created == 1
    square = session.scalar(select(Site).where(Site.code == "X-1"))
    assert square.area_m2 == Decimal("12345.60") and square.handover_date == date(2026, 7, 1)


def test_xlsx_missing_a_column_is_rejected(session, clock, street):
    book = Workbook()
    book.active.append(["code", "name", "kind", "area_m2"])
    book.active.append(["X-2", "x", "park", 10])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InvalidInput) as info:
        services.import_sites(session, clock, ACTOR, buffer.getvalue(), "s.xlsx")
    assert {e["column"] for e in info.value.errors} == {"grade", "jurisdiction_code"}


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_error(session, clock, street):
    SiteFactory(code="OLD-1", jurisdiction=street)
    session.commit()
    before = site_count(session)
    content = (HEADER + "B-1,好的,park,1,330110002,100,,,\n"
               "B-2,坏面积,park,1,330110002,-3,,,\n"
               "B-3,坏属地,park,1,999999,100,,,\n"
               "OLD-1,重复,park,1,330110002,100,,,\n"
               "B-1,文件内重复,park,1,330110002,100,,,\n"
               "B-6,坏类型,forest,9,330110002,100,,,\n").encode()
    with pytest.raises(InvalidInput) as info:
        services.import_sites(session, clock, ACTOR, content, "s.csv")
    got = {(e["row"], e["column"]) for e in info.value.errors}
    assert got == {(3, "area_m2"), (4, "jurisdiction_code"), (5, "code"), (6, "code"), (7, "kind"), (7, "grade")}
    session.rollback()
    assert site_count(session) == before


def test_binary_garbage_is_refused(session, clock):
    with pytest.raises(InvalidInput):
        services.import_sites(session, clock, ACTOR, b"\x00\x01\x02garbage", "s.csv")
    with pytest.raises(InvalidInput):
        services.import_sites(session, clock, ACTOR, b"PK\x03\x04 not really a zip", "s.xlsx")
    with pytest.raises(InvalidInput):
        services.import_sites(session, clock, ACTOR, b"", "s.csv")


def test_filters_and_paging(session, clock):
    a = JurisdictionFactory(code="A1")
    community = JurisdictionFactory(code="A1001", level="community", parent_id=None)
    session.flush()
    community.parent_id = a.id
    b = JurisdictionFactory(code="B1")
    for i in range(30):
        SiteFactory(jurisdiction=a if i % 2 else b, kind="park" if i % 3 == 0 else "green_space", grade=1 + i % 3,
                    handover_date=None if i % 5 == 0 else date(2025, 1, 1))
    SiteFactory(jurisdiction=community, kind="park", grade=1)
    session.flush()
    page1 = services.list_sites(session, clock, SiteFilter(jurisdiction="A1"), PageRequest(1, 10))
    assert page1.total == 16 and len(page1.items) == 10 and page1.pages == 2
    assert services.list_sites(session, clock, SiteFilter(kind="park"), PageRequest(1, 50)).total == 11
    assert services.list_sites(session, clock, SiteFilter(handed_over=False), PageRequest(1, 50)).total == 6
    assert services.list_sites(session, clock, SiteFilter(jurisdiction="A1", grade=1, kind="park"),
                               PageRequest(1, 50)).total == 6


def test_future_handover_counts_as_not_handed_over(session, clock):
    j = JurisdictionFactory()
    SiteFactory(jurisdiction=j, handover_date=date(2026, 12, 31))
    assert services.list_sites(session, clock, SiteFilter(jurisdiction=j.code, handed_over=False),
                               PageRequest()).total == 1


def test_budget_of_a_selection(session, clock):
    j = JurisdictionFactory()
    UnitRateFactory(kind="road", grade=1, yuan_per_m2_year=Decimal("14.00"))
    UnitRateFactory(kind="park", grade=2, yuan_per_m2_year=Decimal("16.50"))
    SiteFactory(jurisdiction=j, road=True, grade=1)  # 20,000 m² × 14.00 = 280,000.00
    SiteFactory(jurisdiction=j, kind="park", grade=2, area_m2=Decimal("333.33"))  # 5,499.945 → 5,499.95
    estimate = services.estimate_budget(session, clock, SiteFilter(jurisdiction=j.code))
    assert estimate.total == Decimal("285499.95")


def test_unit_rate_validation(session, clock):
    with pytest.raises(InvalidInput):
        services.set_unit_rate(session, clock, ACTOR, {"kind": "road", "grade": 1, "yuan_per_m2_year": "-1"})
    with pytest.raises(InvalidInput) as info:
        services.set_unit_rate(session, clock, ACTOR, {"kind": "road", "grade": 1, "yuan_per_m2_year": "1.234"})
    assert info.value.errors == [{"field": "yuan_per_m2_year", "message": "At most two decimals."}]
    with pytest.raises(InvalidInput) as info:
        services.set_unit_rate(session, clock, ACTOR, {"kind": "road", "grade": 4, "yuan_per_m2_year": "1"})
    assert info.value.errors == [{"field": "grade", "message": "Unknown grade; use 1, 2 or 3."}]
    rate = services.set_unit_rate(session, clock, ACTOR, {"kind": "道路", "grade": "一级", "yuan_per_m2_year": "1,015.5"})
    assert rate.yuan_per_m2_year == Decimal("1015.50")


def test_a_users_own_jurisdiction_comes_first_on_every_page_in_code_order(session, clock, street):
    """属地管理: the sites under the user's jurisdiction (a street and its communities) first, the
    rest after, each part in code order — across the page where one part ends and the other begins."""
    town = JurisdictionFactory(code="330110099", name="别的街道")
    community = JurisdictionFactory(code="330110002001", name="社区", parent_id=street.id)
    homes = [SiteFactory(code=f"Z-{n:02d}", jurisdiction=street if n % 2 else community) for n in range(7)]
    others = [SiteFactory(code=f"A-{n:02d}", jurisdiction=town) for n in range(6)]
    session.commit()
    expected = [s.id for s in sorted(homes, key=lambda s: s.code)] + [s.id for s in sorted(others, key=lambda s: s.code)]
    for per_page in (1, 3, 5, 13, 50):
        seen, page_no = [], 1
        while page := services.list_sites(session, clock, SiteFilter(), PageRequest(page_no, per_page), street.id).items:
            seen += [s.id for s in page]
            page_no += 1
        assert seen == expected, per_page
    # Without a home, or for a user whose home holds every site, plain code order.
    plain = [s.id for s in sorted(homes + others, key=lambda s: s.code)]
    assert [s.id for s in services.list_sites(session, clock, SiteFilter(), PageRequest(1, 50)).items] == plain
    only_home = services.list_sites(session, clock, SiteFilter(jurisdiction="330110002"), PageRequest(2, 4), street.id)
    assert only_home.total == 7 and [s.id for s in only_home.items] == expected[4:7]
