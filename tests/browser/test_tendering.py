"""An officer publishes a tender, a contractor uploads a PDF bid, the receipt downloads."""

from datetime import datetime, timedelta

import pypdf
import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_publish_bid_and_download_the_receipt(browser, live_server, tmp_path):
    officer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    officer = officer_ctx.new_page()
    officer.set_default_timeout(15000)
    log_in(officer, live_server, "officer", "officer-demo")
    officer.goto(f"{live_server}/tenders/new?jurisdiction=330110002")
    officer.fill("input[name=title]", "仓前街道新建口袋公园养护服务采购（浏览器测试）")
    deadline = (datetime.now() + timedelta(days=25)).strftime("%Y-%m-%dT%H:%M")
    officer.fill("input[name=bid_deadline]", deadline)
    officer.fill("input[name=l1_title]", "仓前片区")
    officer.fill("input[name=l1_ceiling_price]", "800000")
    officer.fill("input[name=l1_bid_bond]", "16000")
    selects = officer.locator("#candidates select")
    assert selects.count() >= 2
    selects.nth(0).select_option("1")
    selects.nth(1).select_option("1")
    officer.click("#tender-form button[type=submit]")
    officer.wait_for_selector("#publication-check")
    assert "可以发布" in officer.inner_text("#publication-check")
    officer.click("#publish")
    officer.wait_for_selector("#notice-pdf")
    assert "招标中" in officer.inner_text("#tender-state")
    tender_url = officer.url
    officer.screenshot(path=str(ARTIFACTS / "tender_published.png"), full_page=True)

    contractor_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                         accept_downloads=True)
    bidder = contractor_ctx.new_page()
    bidder.set_default_timeout(15000)
    log_in(bidder, live_server, "contractor", "contractor-demo")
    bidder.goto(tender_url)
    bid_pdf = tmp_path / "技术标.pdf"
    bid_pdf.write_bytes(b"%PDF-1.4\n% browser test bid\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    bidder.fill(".bid-form input[name=price]", "765432.10")
    bidder.fill(".bid-form input[name=bond_reference]", "BH-2026-0099")
    bidder.set_input_files(".bid-form input[name=documents]", str(bid_pdf))
    bidder.click(".bid-form button[type=submit]")
    bidder.wait_for_selector(".my-bid")
    assert "密封投标" in bidder.inner_text(".my-bid") and "765432.10" not in bidder.content()  # sealed to Procure too
    with bidder.expect_download() as download_info:
        bidder.click(".receipt-link", modifiers=["Alt"])  # Alt-click: download instead of opening
    receipt = tmp_path / "receipt.pdf"
    download_info.value.save_as(receipt)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(str(receipt)).pages)
    assert "投标文件递交回执" in text and "765432.10" not in text and "密文" in text
    bidder.screenshot(path=str(ARTIFACTS / "bid_submitted_phone.png"), full_page=True)

    # The officer still sees no bid at all.
    officer.reload()
    assert "765432.10" not in officer.content() and "BH-2026-0099" not in officer.content()
    officer_ctx.close()
    contractor_ctx.close()
