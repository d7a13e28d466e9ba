"""The public tender page on a phone, and the 考评 table for an officer, in a real Chromium."""

import re

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_public_tender_page_on_a_phone(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server}/public")
        page.click(".portal-nav >> text=招标项目")
        page.wait_for_selector("#tenders")
        page.locator("#tenders a", has_text="余杭区2026年度新建道路保洁养护服务采购").click()
        page.wait_for_selector("#tender-state")
        assert "评标中" in page.inner_text("#tender-state")
        page.click("text=开标记录")
        page.wait_for_selector("table.opening")
        assert page.locator("table.opening tbody tr").count() >= 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.goto(f"{live_server}/tenders")
        page.locator("#tenders a", has_text="仓前街道新建公园绿地养护服务采购").click()
        page.wait_for_selector("#tender-state")
        content = page.content()
        assert "招标中" in page.inner_text("#tender-state") and "开标记录" not in content  # sealed: nothing to show
        page.screenshot(path=str(ARTIFACTS / "public_tender_phone.png"), full_page=True)
    finally:
        context.close()


def test_officer_reads_the_kaoping_table(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        log_in(page, live_server, "officer", "officer-demo")
        page.goto(f"{live_server}/reports/kaoping?month=2026-09")
        page.wait_for_selector("#kaoping")
        rows = page.locator("#kaoping tbody tr")
        assert rows.count() >= 10
        assert page.locator(".chart svg").count() >= 1  # the trend chart, rendered by the server
        text = page.inner_text("#kaoping")
        assert "闲林街道" in text and "良渚街道" in text
        page.screenshot(path=str(ARTIFACTS / "kaoping.png"), full_page=True)
    finally:
        context.close()


def test_a_citizen_reports_from_a_phone_with_its_location_and_follows_it(browser, live_server, tmp_path):  # type: ignore[no-untyped-def]
    from PIL import Image

    photo = tmp_path / "IMG_0007.jpg"
    Image.new("RGB", (1200, 900), (90, 90, 90)).save(photo, "JPEG")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  geolocation={"latitude": 30.421512, "longitude": 120.298731}, permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server}/public/report")
        page.select_option("select[name=service_code]", "road_damage")
        page.click("#use-location")
        page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
        assert page.input_value("input[name=lat]") == "30.421512" and page.input_value("input[name=long]") == "120.298731"
        page.fill("textarea[name=description]", "人行道板松动，雨天踩上去溅水")
        page.set_input_files("input[name=photo]", str(photo))
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#report-status")
        assert re.search(r"/public/track/[A-Za-z0-9_-]{16}$", page.url)
        assert page.inner_text("#report-status") == "处理中" and page.locator("img.report-photo").count() == 1
        # The photo loads after the page: wait for it before reading its size.
        page.wait_for_function("(() => { const i = document.querySelector('img.report-photo');"
                               " return i && i.complete && i.naturalWidth > 0; })()")
        assert page.evaluate("document.querySelector('img.report-photo').naturalWidth") == 1200
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.screenshot(path=str(ARTIFACTS / "citizen_tracking_phone.png"), full_page=True)
    finally:
        context.close()


def test_the_public_contract_map_draws_every_site_on_the_district_outline(browser, live_server):  # type: ignore[no-untyped-def]
    """No tiles configured (the embedded default): Leaflet draws the district outline, a marker per
    site under contract, and asks nothing of any other host."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server) else None)
    try:
        page.goto(f"{live_server}/public/contracts")
        page.wait_for_selector("#contracts-map.ready")
        page.wait_for_selector("#contracts-map path.leaflet-interactive")
        points = page.evaluate("JSON.parse(document.getElementById('contracts-map-points').textContent).features.length")
        markers = page.locator("#contracts-map path.leaflet-interactive").count()
        assert points > 0 and markers == points
        assert page.locator("#contracts-map .leaflet-overlay-pane path").count() == points + 1  # and the outline
        assert "区界示意" in page.inner_text("#contracts-map .leaflet-control-attribution")
        page.locator("#contracts-map path.leaflet-interactive").first.click(force=True)
        assert "YHHT-" in page.inner_text(".leaflet-popup-content")
        assert not elsewhere, elsewhere
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
    finally:
        context.close()
