"""Every role's main pages on a phone (390×844), in Chromium, in both languages (issue 14): the
header folds into one row no taller than 64 px, the menu opens with a tap, and no page scrolls
sideways — tables become cards with their key column (net amount, score, deadline) first."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PEOPLE = {"public": None, "officer": "officer-demo", "contractor": "contractor-demo", "evaluator": "evaluator-demo",
          "inspector": "inspector-demo", "finance": "finance-demo", "admin": "admin-demo-2026"}


def _main_pages(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The role's menu, and the first record each menu page links to (a tender, a contract …)."""
    menu = page.eval_on_selector_all("#site-menu nav a", "links => links.map(a => a.getAttribute('href'))")
    pages = ["/", *menu]
    for path in list(pages):
        page.goto(base + path)
        for href in page.eval_on_selector_all("main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"):
            if re.search(r"/\d+$", href) and href not in pages:
                pages.append(href)
                break
    return list(dict.fromkeys(pages))


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("who", list(PEOPLE))
def test_main_pages_fit_a_phone(browser, live_server, who, locale):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "procure_lang", "value": locale, "url": live_server}])
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        if PEOPLE[who]:
            log_in(page, live_server, who, PEOPLE[who])
        else:
            page.goto(f"{live_server}/public")
        pages = _main_pages(page, live_server)
        assert len(pages) >= 4, pages
        too_wide, too_tall = [], []
        for path in pages:
            page.goto(live_server + path)
            header = page.eval_on_selector(".topbar", "bar => bar.getBoundingClientRect().height")
            width = page.evaluate("document.documentElement.scrollWidth")
            if header > 64:
                too_tall.append(f"{path}: {header:.0f} px")
            if width > PHONE["width"]:
                too_wide.append(f"{path}: {width} px")
        print(f"\n{who} {locale}: {len(pages)} pages at 390 px, header ≤ 64 px on each")
        assert not too_tall, f"header taller than 64 px: {too_tall}"
        assert not too_wide, f"pages wider than the phone: {too_wide}"
        assert not errors, errors
        # The menu: hidden until tapped, then every link in it can be tapped.
        page.goto(f"{live_server}/")
        first = page.locator("#site-menu nav a").first
        assert not first.is_visible()
        page.tap(".menu-toggle")
        assert first.is_visible() and page.get_attribute(".menu-toggle", "aria-expanded") == "true"
        box = first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        page.screenshot(path=str(ARTIFACTS / f"phone_{who}_{locale}.png"))
        context.close()


def test_statements_are_cards_with_the_net_amount_first(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server, "finance", "finance-demo")
        page.goto(f"{live_server}/payments?month=2026-11&state=")
        page.wait_for_selector("#statements.cards")
        first_card = page.locator("#statements tbody tr").first
        cells = first_card.locator("td")
        top = min(range(cells.count()), key=lambda i: cells.nth(i).bounding_box()["y"])  # type: ignore[index]
        assert cells.nth(top).get_attribute("data-label") == "实付金额"
        assert re.fullmatch(r"[\d,]+\.\d\d", cells.nth(top).inner_text().split()[-1])
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(ARTIFACTS / "phone_statement_cards.png"), full_page=True)
    finally:
        context.close()


def test_finance_approves_on_a_phone_after_a_question_and_is_told_it_is_done(browser, live_server):  # type: ignore[no-untyped-def]
    from tests.browser.conftest import DIALOGS

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server, "finance", "finance-demo")
        page.goto(f"{live_server}/payments?month=2026-11&state=submitted")
        page.locator("#statements tbody tr a[href^='/payments/statements/']").first.click()
        net = page.inner_text("#net")
        asked = len(DIALOGS)
        page.tap("#approve")
        page.wait_for_selector("#done")
        assert DIALOGS[asked:] == [f"确认审批通过，支付 {net} 元？"]
        assert page.inner_text("#done") == "✓ 已审批通过：须在30日内付款。"
        assert page.inner_text("#statement-state") == "已审批"
        page.reload()
        assert page.locator("#done").count() == 0
    finally:
        context.close()
