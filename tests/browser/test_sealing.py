"""Sealing in a real browser (issue 13): Chromium seals a bid in the page and the server stores no
plaintext of it; the browser's Shamir and Python's combine both ways; an official makes a key in the
page; two officials open a tender in the opening hall with their key files."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyshamir
import pytest
from sqlalchemy import select

from procure.accounts.models import OpeningKey, User
from procure.accounts.services import CurrentUser
from procure.bidding import clients, sealing
from procure.bidding.models import Bid
from procure.contractors.models import Contractor
from procure.kernel.clock import FrozenClock, system_clock
from procure.tendering import services as tenders
from procure.tendering.models import Tender
from tests.browser.conftest import ARTIFACTS, LIVE, log_in
from tests.tendering.world import tender_payload

pytestmark = pytest.mark.browser
MARKER = "浏览器密封测试绝密内容"
PDF = b"%PDF-1.4\n% " + MARKER.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _database() -> Any:
    return LIVE["database"]


def _demo_key(username: str) -> Any:
    folder = Path(LIVE["settings"].storage_dir).parent / "demo-opening-keys"  # type: ignore[attr-defined]
    return folder / f"{username}.json"


def test_shares_made_in_the_browser_combine_in_python_and_back(page, live_server):
    with _database().session() as s:
        tender_id = s.scalar(select(Tender.id).where(Tender.state == "published"))
    page.goto(f"{live_server}/tenders/{tender_id}/hall")  # a page with the import map
    secret = list(range(1, 33))
    made_in_js = page.evaluate("""async (secret) => {
        const { split } = await import("shamir-secret-sharing");
        const shares = await split(new Uint8Array(secret), 3, 2);
        return shares.map((s) => Array.from(s));
    }""", secret)
    assert len(made_in_js) == 3
    for a, b in [(0, 1), (1, 2), (0, 2)]:
        assert list(pyshamir.combine([bytearray(made_in_js[a]), bytearray(made_in_js[b])])) == secret
    made_in_python = [list(s) for s in pyshamir.split(bytes(secret), 3, 2)]
    combined = page.evaluate("""async (shares) => {
        const { combine } = await import("shamir-secret-sharing");
        return Array.from(await combine([new Uint8Array(shares[0]), new Uint8Array(shares[2])]));
    }""", made_in_python)
    assert combined == secret


def test_a_bid_is_sealed_in_the_page_and_the_server_holds_no_plaintext(browser, live_server, tmp_path):
    with _database().session() as s:
        tender = s.scalars(select(Tender).where(Tender.state == "published")).first()
        lot_id, tender_id = tender.lots[0].id, tender.id
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    bidder = context.new_page()
    bidder.set_default_timeout(20000)
    log_in(bidder, live_server, "contractor", "contractor-demo")
    bidder.goto(f"{live_server}/tenders/{tender_id}")
    form = f"#lot-{lot_id} .bid-form"
    bidder.wait_for_selector(f"{form} button[type=submit]:not([disabled])")  # the sealing script is running
    document = tmp_path / "技术标.pdf"
    document.write_bytes(PDF)
    bidder.fill(f"{form} input[name=price]", "876,543.21")
    bidder.fill(f"{form} input[name=bond_reference]", "BH-浏览器-1")
    bidder.set_input_files(f"{form} input[name=documents]", str(document))
    bidder.click(f"{form} button[type=submit]")
    bidder.wait_for_selector(f"#lot-{lot_id} .my-bid")
    assert "密封投标" in bidder.inner_text(f"#lot-{lot_id} .my-bid")
    bidder.screenshot(path=str(ARTIFACTS / "bid_sealed_phone.png"), full_page=True)
    context.close()

    settings = LIVE["settings"]
    with _database().session() as s:
        company = s.scalar(select(Contractor.id).join(User, User.contractor_id == Contractor.id)
                           .where(User.username == "contractor"))
        bid = s.scalars(select(Bid).where(Bid.lot_id == lot_id).order_by(Bid.received_at.desc())).first()
        tender = s.get(Tender, tender_id)
        holders = {h.user_id: h for h in tender.holders}
        officials = {u.id: u.username for u in s.scalars(select(User).where(User.id.in_(list(holders))))}
        envelope = json.loads(bid.envelope)
        blob_keys = [d.document.storage_key for d in bid.documents]
        assert bid.contractor_id is None and bid.price is None
    # Nothing of the bid in clear on the server: not in its row, not in the storage folder.
    assert "876543" not in bid.envelope and "876,543" not in bid.envelope and "BH-" not in bid.envelope
    storage = Path(settings.storage_dir)  # type: ignore[attr-defined]
    for path in storage.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert MARKER.encode() not in content and b"876543.21" not in content, path
    # And it opens with two officials' keys, as the opening will: what the browser sealed, Python opens.
    ctx = sealing.context(tender_id, lot_id)
    shares = []
    for share in envelope["shares"][:2]:
        username = officials[share["holder"]]
        private = sealing.open_key_file(json.loads(_demo_key(username).read_text()), f"{username}-demo-key")
        shares.append(sealing.decrypt_share(private, share["holder"], ctx, share))
    key = sealing.combine(shares)
    manifest = sealing.open_manifest(key, ctx, sealing.unb64(envelope["manifest"]))
    assert manifest["price"] == "876543.21" and manifest["bond_reference"] == "BH-浏览器-1"
    assert manifest["contractor"] == company
    assert manifest["documents"][0]["sha256"] == sealing.sha256_hex(PDF)
    stored = next(p for p in (storage / "blobs").rglob("*") if p.is_file() and blob_keys[0] in p.as_posix())
    assert sealing.open_document(key, ctx, 1, stored.read_bytes()) == PDF


def test_an_official_makes_an_opening_key_in_the_page(browser, live_server):
    context = browser.new_context(locale="en", viewport={"width": 390, "height": 844}, accept_downloads=True)
    official = context.new_page()
    official.set_default_timeout(30000)
    log_in(official, live_server, "inspector2", "inspector2-demo")
    official.on("dialog", lambda dialog: dialog.accept())  # "is the key file saved?" — yes
    official.goto(f"{live_server}/account/opening-key")
    official.fill("input[name=passphrase]", "a long passphrase for keys")
    official.fill("input[name=passphrase2]", "a long passphrase for keys")
    with official.expect_download() as download:
        official.click("#make-key")
    official.wait_for_selector("#key-fingerprint")
    key_file = json.loads(Path(download.value.path()).read_text())
    context.close()
    private = sealing.open_key_file(key_file, "a long passphrase for keys")  # the browser's file opens in Python
    with _database().session() as s:
        registered = s.scalar(select(OpeningKey).join(User, User.id == OpeningKey.user_id)
                              .where(User.username == "inspector2", OpeningKey.retired_at.is_(None)))
    assert registered.public_key == key_file["public_key"]
    assert sealing.b64(sealing.public_point(private.public_key())) == registered.public_key
    assert "private" not in registered.public_key


def _tender_awaiting_opening() -> tuple[int, list[str]]:
    """A tender whose deadline passed five minutes ago, with three sealed bids, settled."""
    now = system_clock()
    deadline = now - timedelta(minutes=5)
    published = FrozenClock(deadline - timedelta(days=21))
    settings = LIVE["settings"]
    with _database().session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        officer = CurrentUser.of(users["officer"])
        site_ids = [site.id for site in tenders.candidate_sites(s, published, None)[:2]]
        payload = tender_payload(site_ids, deadline, title="浏览器开标测试采购")
        tender = tenders.create_tender(s, published, officer.actor, payload)
        tenders.publish(s, published, officer.actor, tender.id)
        lot = tender.lots[0]
        bidding_clock = FrozenClock(deadline - timedelta(hours=1))
        for n, username in enumerate(("contractor", "contractor2", "contractor3")):
            clients.submit_sealed(s, bidding_clock, _storage(), settings.bid_index_mac_key(),  # type: ignore[attr-defined]
                                  CurrentUser.of(users[username]), lot, price=f"{700000 + n * 1000}.00",
                                  documents=[clients.plain_document(f"投标{n}.pdf", PDF)])
        tenders.tick(s, system_clock)
        holders = [users_by_id.username for users_by_id in
                   (next(u for u in users.values() if u.id == h.user_id) for h in tender.holders)]
        return tender.id, holders


def _storage() -> Any:
    from procure.documents.storage import LocalStorage  # the live server's storage folder, opened here too

    return LocalStorage(Path(LIVE["settings"].storage_dir))  # type: ignore[attr-defined]


def test_two_officials_open_the_bids_in_the_opening_hall(browser, live_server):
    tender_id, holders = _tender_awaiting_opening()
    hall = f"{live_server}/tenders/{tender_id}/hall"
    for n, username in enumerate(holders[:2]):
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
        official = context.new_page()
        official.set_default_timeout(30000)
        log_in(official, live_server, username, f"{username}-demo")
        official.goto(hall)
        official.set_input_files("#present-form input[name=key_file]", str(_demo_key(username)))
        official.fill("#present-form input[name=passphrase]", f"{username}-demo-key")
        official.click("#present")
        if n == 0:
            official.wait_for_selector("#waiting-for-others")
            assert "已提交" in official.inner_text("#hall-state")
            with _database().session() as s:
                assert s.get(Tender, tender_id).opened_at is None  # one of two opens nothing
        else:
            official.wait_for_selector("#opening-link")
            official.screenshot(path=str(ARTIFACTS / "opening_hall_phone.png"), full_page=True)
            official.click("#opening-link")
            text = official.inner_text("main")
            assert "700,000.00" in text and "702,000.00" in text and "柒拾万元整" in text  # separated, and in capitals
        context.close()
    with _database().session() as s:
        prices = sorted(b.price for b in s.scalars(select(Bid).join(Bid.documents)
                                                   .where(Bid.price.is_not(None))) if b.lot_id)
        assert Decimal("701000.00") in prices
