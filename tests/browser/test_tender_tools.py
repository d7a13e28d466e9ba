"""The officer's tools (issue 14): the tender form filters its sites in the page (what was typed
stays), puts the ticked ones into a lot at once and totals each lot's area and unit-rate estimate
against its ceiling; the variation form offers every uncovered site, by name, with a fee from the
unit rates."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_sites_go_into_lots_in_bulk_and_the_lot_is_totalled(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server, "officer", "officer-demo")
        page.goto(f"{live_server}/tenders/new")
        page.fill("input[name=title]", "良渚街道新建公园养护服务采购")
        page.fill("input[name=l1_title]", "公园")
        page.fill("input[name=l1_ceiling_price]", "100000")
        page.fill("input[name=l1_term_months]", "12")
        total = int(page.inner_text("#site-shown").split("/")[1])
        statuses = page.eval_on_selector_all("#candidates tbody tr", "rows => rows.map(r => r.dataset.status)")
        assert {"free", "contract"} <= set(statuses) and len(statuses) == total  # every handed-over site, with its status
        page.select_option("#site-kind", "park")
        parks = int(page.inner_text("#site-shown").split("/")[0])
        assert 0 < parks < total
        assert page.input_value("input[name=title]") == "良渚街道新建公园养护服务采购"  # filtering reloads nothing
        page.check("#tick-all")
        page.select_option("#bulk-lot", "1")
        page.click("#bulk-assign")
        line = page.locator("#lot-totals tbody tr").first
        assert line.locator("[data-total=count]").inner_text() == str(parks)
        year = float(line.locator("[data-total=year]").inner_text().split(" ")[0].replace(",", ""))
        assert year > 100000 and "over-ceiling" in (line.get_attribute("class") or "")  # the estimate is over the ceiling
        page.fill("input[name=l1_ceiling_price]", f"{year * 2:.2f}")
        assert "over-ceiling" not in (line.get_attribute("class") or "")
        chosen = page.eval_on_selector_all("#candidates select", "s => s.filter(x => x.value === '1').length")
        assert chosen == parks
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
    finally:
        context.close()


def test_the_variation_form_offers_uncovered_sites_with_a_fee(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server, "officer", "officer-demo")
        page.goto(f"{live_server}/contracts")
        page.locator("#contracts a[href^='/contracts/']").first.click()
        page.wait_for_selector("#variation-site")
        group = page.locator("#variation-site optgroup").nth(1)
        uncovered = int(re.search(r"（(\d+)）", group.get_attribute("label") or "").group(1))
        assert group.locator("option").count() == uncovered > 50  # all of them, not the first 50
        last = group.locator("option").last
        page.select_option("#variation-site", last.get_attribute("value"))
        monthly = float(last.get_attribute("data-monthly"))
        assert page.input_value("input[name=monthly_fee_delta]") == f"{monthly:.2f}"
        assert f"{monthly:,.2f}" in page.inner_text("#fee-suggestion")
    finally:
        context.close()
