"""An officer logs in and imports sites, as a person would, in a real Chromium."""

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_officer_logs_in_and_imports_a_csv_of_sites(page, live_server, tmp_path):
    log_in(page, live_server, "officer", "officer-demo")
    assert "欢迎" in page.inner_text("h1")
    assert page.locator("text=年度养护经费测算").count() >= 1

    bad = tmp_path / "bad.csv"
    bad.write_text("编码,名称,类型,等级,属地编码,面积\nBR-1,口袋公园,公园,一级,330110002,-5\n", encoding="gbk")
    page.click("text=导入养护对象")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#import-form button[type=submit]")
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "未导入任何" in errors.inner_text() or "没有导入" in errors.inner_text() or "area_m2" in errors.inner_text()
    assert "area_m2" in errors.inner_text()

    good = tmp_path / "good.csv"
    good.write_text("code,name,kind,grade,jurisdiction_code,area_m2,length_m,width_m,handover_date\n"
                    "BR-2,仓前街道新建口袋公园,park,1,330110002,6200,,,2026-11-01\n"
                    "BR-3,良祥路（新建段）,road,2,330110002,,820,24,2026-11-15\n", encoding="utf-8")
    page.set_input_files("input[name=file]", str(good))
    page.click("#import-form button[type=submit]")
    page.locator("#import-result").wait_for()
    assert "2" in page.inner_text("#import-result")

    page.goto(f"{live_server}/sites?q=BR-")
    rows = page.locator("#sites tbody tr")
    assert rows.count() == 2
    assert "19,680.00" in page.inner_text("#sites")  # 820 m × 24 m


def test_registry_filters_and_budget_on_a_phone(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server, "inspector", "inspector-demo")
        page.goto(f"{live_server}/sites")
        page.select_option("select[name=kind]", "park")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**/sites?*kind=park*")
        kinds = page.locator("#sites tbody tr td:nth-child(3)").all_inner_texts()  # kind column
        assert kinds and set(kinds) == {"公园"}
        # Nothing wider than the phone: the table scrolls inside its wrapper, the page does not.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    finally:
        from tests.browser.conftest import ARTIFACTS

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "registry_phone.png"), full_page=True)
        context.close()
