"""The public portal: works without a login, shows nothing sealed or personal."""

import re
import json

import pytest
from sqlalchemy import select

from procure.bidding import services as bidding
from procure.demo import load_demo
from procure.evaluation import services as evaluation
from procure.reports import rules as report_rules
from tests.evaluation.world import full_committee, opened_lot, review_all


def test_public_pages_need_no_login_and_hide_contacts(client, session, settings):
    load_demo(session, settings)
    from procure.contractors.models import Contractor
    from procure.accounts.models import User

    phones = [c.contact_phone for c in session.query(Contractor).all() if c.contact_phone]
    names = [u.display_name for u in session.query(User).filter(User.role == "evaluator")]
    for path in ("/public", "/public/contracts", "/public/scores?month=2026-10", "/public/payments",
                 "/public/cases?month=2026-10", "/public/report", "/tenders", "/api/v1/public/ocds/releases?per_page=1000"):
        response = client.get(path)
        assert response.status_code == 200, path
        for secret in phones + names:
            assert secret not in response.text, (path, secret)
    board = client.get("/public/scores?month=2026-09").text
    assert "黑榜" in board and "红榜" in board  # one contractor failed September in the demo
    contracts = client.get("/public/contracts").text  # the sites on a map: Leaflet draws these points
    points = json.loads(re.search(r'<script type="application/json" id="contracts-map-points">(.*?)</script>',
                                  contracts, re.S).group(1))
    assert points["features"] and all(f["geometry"]["type"] == "Point" for f in points["features"])
    assert client.get("/public/boundary.geojson").json()["features"][0]["properties"]["code"] == "330110"


def test_no_evaluator_names_before_the_award(client, session, clock, settings, tmp_path):
    world = opened_lot(session, clock, settings.storage_dir.parent, sme_deduction=None)
    members = full_committee(world, session, clock)
    review_all(world, session, clock, members)
    evaluation.finalize(session, clock, world.officer.actor, world.lot.id, seed=1)
    tender = world.tender
    names = [m.display_name for m in members]
    for path in (f"/tenders/{tender.id}", f"/tenders/{tender.id}/opening", "/api/v1/public/ocds/releases",
                 f"/api/v1/tenders/{tender.id}"):
        text = client.get(path).text
        assert not any(name in text for name in names), path


def test_citizen_report_form_files_an_open311_request(client, session, settings):
    """A citizen files on the portal, with a photo, and follows the report on a page reached by a
    random code; an inspector sees the photo; the same request is GeoReport's too."""
    import io
    import re

    from PIL import Image

    from procure.cases.models import CitizenReport
    from tests.factories import UserFactory

    load_demo(session, settings)
    page = client.get("/public/report")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    picture = io.BytesIO()
    Image.new("RGB", (3000, 2000), (120, 120, 120)).save(picture, "JPEG")
    filed = client.post("/public/report", data={"service_code": "street_light", "address_string": "良渚文化村广场",
                                                "description": "广场东侧两盏灯不亮", "_csrf_token": token},
                        files={"photo": ("IMG_0042.jpg", picture.getvalue(), "image/jpeg")}, follow_redirects=False)
    assert filed.status_code in (302, 303)
    code = filed.headers["location"].removeprefix("/public/track/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", code)  # 96 random bits, not the sequential id
    tracked = client.get(f"/public/track/{code}")
    assert tracked.status_code == 200 and "广场东侧两盏灯不亮" in tracked.text and 'id="done"' in tracked.text
    assert f'src="/public/track/{code}/photo"' in tracked.text and "等待巡查员核实" in tracked.text
    photo = client.get(f"/public/track/{code}/photo")
    with Image.open(io.BytesIO(photo.content)) as small:
        assert photo.headers["content-type"] == "image/jpeg" and max(small.size) == 1280
    assert client.get("/public/track/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/public/track/x").status_code in (400, 404)
    report = session.scalar(select(CitizenReport).where(CitizenReport.tracking_code == code))
    assert client.get(f"/open311/v2/requests/{report.id}.json").json()[0]["service_code"] == "street_light"
    inspector = UserFactory(role="inspector")
    session.commit()
    from tests.conftest import csrf_token, factories

    client.cookies.clear()
    client.post("/login", data={"username": inspector.username, "password": factories.PASSWORD, "next": "/",
                                "_csrf_token": csrf_token(client)})
    assert f'src="/documents/{report.photo_id}/thumb"' in client.get("/cases").text
    client.cookies.clear()
    client.cookies.set("procure_lang", "zh_CN")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/public/report").text).group(1)
    missing = client.post("/public/report", data={"service_code": "litter", "description": "x", "_csrf_token": token})
    assert missing.status_code == 400 and "需要提供位置" in missing.text  # in the reader's language


def test_a_tender_can_exclude_or_warn_d_standing_bidders(session, clock, tmp_path, monkeypatch):
    from procure.kernel.errors import Forbidden
    from tests.tendering.world import build_world

    world = build_world(session, clock, tmp_path)
    d_card = report_rules.scorecard([report_rules.Decimal(55)], report_rules.Decimal(40), None,
                                    report_rules.Decimal(0), report_rules.Decimal(0))
    assert d_card.standing == "D"
    # The port bidding asks (reports answers it; the scorecard itself is tested in tests/reports).
    monkeypatch.setattr(bidding.company_standing, "_impl", lambda *a, **k: d_card)
    strict = world.published_tender(standing_rule="exclude")
    with pytest.raises(Forbidden) as info:
        world.bid(world.contractors[0], strict.lots[0].id)
    assert "D" in info.value.message
    from procure.tendering import services as tenders

    tenders.cancel(session, clock, world.officer.actor, strict.id, "改为提示")  # frees its sites for the next one
    lenient = world.published_tender(standing_rule="warn", title="另一个项目")
    assert world.bid(world.contractors[0], lenient.lots[0].id).state == "submitted"
    assert bidding.standing_problem(session, clock, lenient, world.contractors[0].contractor_id) == "warn"
