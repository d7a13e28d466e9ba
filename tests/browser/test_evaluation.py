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
        # One sheet for every bid: points typed for one bid survive saving, and a refusal keeps them all.
        sheet = page.locator("#sheet-form")
        first, second = sheet.locator("fieldset").nth(0), sheet.locator("fieldset").nth(1)
        first.locator("input[name$=_T1]").fill("27.5")
        first.locator("input[name$=_T2]").fill("18")
        first.locator("input[name$=_B1]").fill("15.25")
        second.locator("input[name$=_T1]").fill("20")
        page.click("#save-sheet")
        page.wait_for_selector("#done")
        first, second = page.locator("#sheet-form fieldset").nth(0), page.locator("#sheet-form fieldset").nth(1)
        assert first.locator("input[name$=_T1]").input_value() == "27.50"
        assert first.locator("input[name$=_B1]").input_value() == "15.25"
        assert second.locator("input[name$=_T1]").input_value() == "20.00"
        # Others' sheets stay hidden until this evaluator submits their own.
        assert page.locator("#all-sheets").count() == 0
        second.locator("input[name$=_T1]").fill("99")
        first.locator("input[name$=_T2]").fill("19")
        page.click("#save-sheet")
        page.wait_for_selector("#page-error")
        assert "30" in page.inner_text("#page-error")  # the maximum is named
        assert page.locator("#sheet-form fieldset").nth(0).locator("input[name$=_T2]").input_value() == "19"  # kept
        assert page.locator("#sheet-form fieldset").nth(1).locator("input[name$=_T1]").input_value() == "99"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "evaluator_scoring_phone.png"), full_page=True)
        context.close()
