"""An evaluator declares no conflict and scores a bid, in a real Chromium on a phone-sized screen."""

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_evaluator_declares_and_scores_a_bid(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 915}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server, "evaluator", "evaluator-demo")
        page.goto(f"{live_server}/evaluations")
        page.click("ul.plain a >> nth=0")
        page.wait_for_selector("#declaration")
        assert page.locator("#bids").count() == 0  # nothing of the bids before the declaration
        page.check("#no-conflict")
        page.click("#declare")
        page.wait_for_selector("#bids")
        for row in range(page.locator("#bids form.inline").count()):  # this member's compliance views
            page.locator("#bids form.inline").nth(row).locator("button[type=submit]").click()
            page.wait_for_selector("#bids")
        form = page.locator("form.score-form").first
        form.locator("input[name=p_T1]").fill("27.5")
        form.locator("input[name=p_T2]").fill("18")
        form.locator("input[name=p_B1]").fill("15.25")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("form.score-form")
        saved = page.locator("form.score-form").first
        assert saved.locator("input[name=p_T1]").input_value() == "27.50"
        assert saved.locator("input[name=p_B1]").input_value() == "15.25"
        # Others' sheets stay hidden until this evaluator submits their own.
        assert page.locator("#all-sheets").count() == 0
        bad = page.locator("form.score-form").nth(1)
        bad.locator("input[name=p_T1]").fill("99")
        bad.locator("button[type=submit]").click()
        page.wait_for_selector("#page-error")
        assert "30" in page.inner_text("#page-error")  # the maximum is named
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "evaluator_scoring_phone.png"), full_page=True)
        context.close()
