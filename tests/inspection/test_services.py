"""Field inspections through the services: scoring, cases, corrections, plans, month scores."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest

from procure.inspection.schemas import InspectionIn
from procure.kernel import inputs
from PIL import Image

from procure.cases.models import Case
from procure.kernel.errors import Conflict, InvalidInput
from procure.inspection import services
from procure.inspection.services import FindingInput
from tests.factories import SiteFactory
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    return build(session, clock, tmp_path)


def jpeg(rotated: bool = False) -> io.BytesIO:
    image = Image.new("RGB", (40, 20), "green")
    out = io.BytesIO()
    exif = Image.Exif()
    if rotated:
        exif[0x0112] = 6  # the camera held sideways
    image.save(out, "JPEG", exif=exif)
    out.seek(0)
    return out


def item(session, code_prefix="RD-C"):
    template = services.current_template(session, "road")
    return next(i for i in template.items if i.code.startswith(code_prefix) and i.rectification_hours)


def test_a_clean_inspection_scores_100(field, session, clock):
    done = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                           inspected_at=None, findings=[])
    assert done.inspection.score == Decimal("100.00") and done.inspection.contract_id == field.contract.id
    assert done.cases == [] and done.warnings == []


def test_findings_score_open_cases_and_need_photos(field, session, clock):
    defect = item(session)
    findings = [FindingInput(defect.code, 3, "东侧人行道")]
    if defect.photo_required:
        with pytest.raises(InvalidInput):
            services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                            inspected_at=None, findings=findings)
    done = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                           findings=findings, photos={defect.code: [("p.jpg", jpeg(rotated=True))]})
    expected = Decimal(100) - min(defect.deduction * 3, defect.cap)
    assert done.inspection.score == expected
    case = session.get(Case, done.cases[0])
    assert case.deadline == clock() + timedelta(hours=defect.rectification_hours)
    assert case.contractor_id == field.contract.contractor_id and case.state == "open"
    photo = done.inspection.photos[0].document
    with field.storage.open(photo.storage_key) as handle:
        upright = Image.open(handle)
        assert upright.size == (20, 40)  # turned by its EXIF orientation


def test_bad_input(field, session, clock):
    site = field.sites[0].id
    for count, message in ((-1, "Must be at least {lower}."), (1000, "Must be at most {upper}."),
                           ("两", "A whole number is required.")):
        with pytest.raises(InvalidInput) as info:
            inputs.convert(InspectionIn, {"site_id": site, "findings": [{"item_code": "RD-C01", "count": 0},
                                                                        {"item_code": "RD-C02", "count": count}]})
        assert [(e["field"], e["message"]) for e in info.value.errors] == [("findings[2].count", message)]
    with pytest.raises(InvalidInput):
        services.submit(session, clock, field.storage, field.inspector, site_id=site, inspected_at=None,
                        findings=[FindingInput("PK-G01", 1)])  # not in the road template
    with pytest.raises(InvalidInput):
        services.submit(session, clock, field.storage, field.inspector, site_id=site,
                        inspected_at=clock() + timedelta(minutes=5), findings=[])
    defect = item(session)
    with pytest.raises(InvalidInput):
        services.submit(session, clock, field.storage, field.inspector, site_id=site, inspected_at=None,
                        findings=[FindingInput(defect.code, 1)],
                        photos={defect.code: [("x.jpg", io.BytesIO(b"%PDF-1.4 not a photo"))]})
    assert session.query(Case).count() == 0


def test_a_site_under_no_contract_is_recorded_with_a_warning(field, session, clock):
    loose = SiteFactory(kind="road")
    session.commit()
    done = services.submit(session, clock, field.storage, field.inspector, site_id=loose.id, inspected_at=None, findings=[])
    assert done.inspection.contract_id is None and "feeds no payment" in done.warnings[0]


def test_a_correction_supersedes(field, session, clock):
    first = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                            findings=[FindingInput(item(session, "RD-O").code, 2)], require_photos=False).inspection
    with pytest.raises(InvalidInput):
        services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                        findings=[], supersedes_id=first.id)
    fixed = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                            findings=[], supersedes_id=first.id, correction_reason="误判").inspection
    assert first.superseded_by_id == fixed.id
    with pytest.raises(Conflict):
        services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                        findings=[], supersedes_id=first.id, correction_reason="again")
    month = services.contract_month(session, field.contract, services.month_of(clock()))
    assert month.score == Decimal("100.00")  # the superseded 2-finding inspection no longer counts


def test_month_score_is_area_weighted_and_plans_replay(field, session, clock):
    month = services.month_of(clock())
    plan = services.plan_month(session, clock, field.inspector.actor, field.contract.id, month, seed=5)
    assert len(plan.site_ids) == 2 and services.plan_month(session, clock, field.inspector.actor,
                                                          field.contract.id, month).seed == 5
    assert services.contract_month(session, field.contract, month).score is None  # not assessed
    defect = item(session, "RD-O")
    a = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                        findings=[], require_photos=False).inspection  # 100 on 10,000 m²
    b = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[1].id, inspected_at=None,
                        findings=[FindingInput(defect.code, 1)], require_photos=False).inspection  # on 20,000 m²
    expected = ((Decimal(10000) * a.score + Decimal(20000) * b.score) / Decimal(30000)).quantize(Decimal("0.01"))
    cm = services.contract_month(session, field.contract, month)
    assert cm.score == expected
    assert {r.site.id: r.score for r in cm.sites if r.score is not None} == {field.sites[0].id: a.score,
                                                                             field.sites[1].id: b.score}
    assert a.planned == (field.sites[0].id in plan.site_ids)


def test_a_new_template_version_leaves_old_inspections_alone(field, session, clock):
    old = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=None,
                          findings=[]).inspection
    current = services.current_template(session, "road")
    data = {"kind": "road", "name": "新版", "categories": current.categories,
            "items": [{"code": i.code, "category": i.category, "standard": i.standard, "deduction": str(i.deduction),
                       "cap": str(i.cap), "photo_required": i.photo_required, "rectification_hours": i.rectification_hours}
                      for i in current.items]}
    new = services.save_template(session, clock, field.officer.actor, data)
    assert new.version == current.version + 1 and old.template_id == current.id
    assert services.current_template(session, "road").id == new.id


def test_batch_month_scores_agree_with_contract_month(field, session, clock):
    defect = item(session, "RD-O")
    for site, count in ((0, 0), (1, 2), (2, 1)):
        services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[site].id, inspected_at=None,
                        findings=[FindingInput(defect.code, count)] if count else [], require_photos=False)
    month = services.month_of(clock())
    batch = services.month_scores(session, [field.contract], [month, "2026-01"])
    assert batch[(field.contract.id, month)] == services.contract_month(session, field.contract, month).score
    assert batch[(field.contract.id, "2026-01")] is None
