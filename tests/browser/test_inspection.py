"""An inspector on a 390×844 phone submits an inspection with a photo; the score updates as they go."""


import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_inspector_submits_from_a_phone(browser, live_server, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    photo = tmp_path / "defect.jpg"
    Image.new("RGB", (64, 48), "saddlebrown").save(photo, "JPEG")
    try:
        log_in(page, live_server, "inspector", "inspector-demo")
        page.goto(f"{live_server}/inspect")
        page.locator("section.plan a.button").first.click()
        page.wait_for_selector("#inspection-form")
        assert page.inner_text("#live-score") == "100.00"
        first = page.locator(".item").first
        first.locator("button.plus").tap()
        first.locator("button.plus").tap()
        score = page.inner_text("#live-score")
        assert score != "100.00"  # the score follows the counts before anything is sent
        first.locator("input.note").fill("东侧非机动车道")
        first.locator("input[type=file]").set_input_files(str(photo))
        page.screenshot(path=str(ARTIFACTS / "inspection_form_phone.png"), full_page=False)
        page.click("#submit-inspection")
        page.wait_for_selector("#saved")
        assert page.inner_text("#inspection-score") == score  # the server agrees with the live score
        assert page.locator("a[href^='/documents/']").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "inspection_saved_phone.png"), full_page=True)
        context.close()
