"""The scripted clients (issue 13 §7): officials make keys with ``procure opening-key new``,
companies seal and submit with ``procure seal-bid`` exactly as the bid page does, and two officials
open with ``procure present-shares`` — all against a live server, over HTTP."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from click.testing import CliRunner
from sqlalchemy import select

from procure.accounts import services as accounts
from procure.accounts.models import Jurisdiction
from procure.app import create_app
from procure.audit.services import SYSTEM
from procure.bidding.models import Bid, OpeningRecord
from procure.cli import main
from procure.contractors.models import Contractor
from procure.kernel.clock import FrozenClock, system_clock
from procure.kernel.db import Database
from procure.kernel.settings import Settings
from procure.sites.models import Site
from procure.tendering import services as tenders
from tests.dbutil import scratch_database
from tests.factories import make_uscc
from tests.serving.conftest import served_live
from tests.tendering.world import PDF, tender_payload

PASSPHRASE = "a passphrase long enough"


def test_keys_bids_and_the_opening_from_the_command_line(tmp_path):
    now = system_clock().replace(microsecond=0)
    clock = FrozenClock(now)
    with scratch_database(tmp_path) as url:
        database = Database(url)
        tokens: dict[str, str] = {}
        with database.session() as s:
            street = Jurisdiction(code="330110002", name="仓前街道", name_en="", level="street")
            s.add(street)
            s.flush()
            site = Site(code="R-1", name="良睦路", kind="road", grade=1, jurisdiction_id=street.id, area_m2=1000,
                        address="", created_at=now, updated_at=now)
            s.add(site)
            s.flush()
            people = {"officer": "officer", "witness": "finance"}
            for name, role in people.items():
                user = accounts.create_user(s, clock, SYSTEM, username=name, password=f"{name}-password", role=role)
                tokens[name] = accounts.issue_token(s, system_clock, user, "api", 3600)
            for n in range(3):
                company = Contractor(company_name=f"命令行{n}号公司", uscc=make_uscc(700 + n), state="approved",
                                     registered_at=now, decision_reason="")
                s.add(company)
                s.flush()
                user = accounts.create_user(s, clock, SYSTEM, username=f"bidder{n}", password="bidder-password",
                                            role="contractor")
                user.contractor_id = company.id
                tokens[f"bidder{n}"] = accounts.issue_token(s, system_clock, user, "api", 3600)
            s.commit()
            site_id = site.id
        settings = Settings(database_url=url, storage_dir=tmp_path / "storage", secret_key="cli-sealing",
                            bid_index_key="cli-bid-index-key-0123456789abcdef", clock=clock)
        with served_live(create_app(settings, database)) as base:
            runner = CliRunner()
            # Each official makes a key on "their machine" and registers its public half.
            for name in people:
                key_path = tmp_path / f"{name}.json"
                made = runner.invoke(main, ["opening-key", "new", "--holder", name, "--out", str(key_path),
                                            "--passphrase", PASSPHRASE])
                assert made.exit_code == 0, made.output
                public = re.search(r"public_key: (\S+)", made.output).group(1)
                assert json.loads(key_path.read_text())["public_key"] == public
                assert (key_path.stat().st_mode & 0o777) == 0o600
                registered = httpx.post(f"{base}/api/v1/me/opening-key", json={"public_key": public},
                                        headers={"authorization": f"Bearer {tokens[name]}"})
                assert registered.status_code == 200, registered.text
            again = runner.invoke(main, ["opening-key", "new", "--holder", "officer", "--out",
                                         str(tmp_path / "officer.json"), "--passphrase", PASSPHRASE])
            assert again.exit_code != 0 and "never overwritten" in again.output

            with database.session() as s:
                officer = accounts.CurrentUser.of(s.scalar(select(accounts.User).where(accounts.User.username == "officer")))
                tender = tenders.create_tender(s, clock, officer.actor, tender_payload([site_id], now + timedelta(days=21)))
                tenders.publish(s, clock, officer.actor, tender.id)
                tender_id, lot_id = tender.id, tender.lots[0].id

            document = tmp_path / "技术标.pdf"
            document.write_bytes(PDF + "命令行投标".encode())
            for n, price in enumerate(["880000.00", "890000.00", "900000.00"]):
                sealed_dir = tmp_path / f"sealed{n}"
                result = runner.invoke(main, ["seal-bid", "--server", base, "--token", tokens[f"bidder{n}"],
                                              "--lot", str(lot_id), "--price", price, "--bond-reference", f"BH{n}",
                                              "--out", str(sealed_dir), str(document)])
                assert result.exit_code == 0, result.output
                receipt = json.loads(result.output[result.output.index("{"):])
                assert receipt["sealed"] is True and receipt["price"] is None
                envelope = (sealed_dir / "envelope.json").read_text()
                assert price not in envelope and "命令行" not in envelope
                assert "命令行投标".encode() not in (sealed_dir / "sealed-1.bin").read_bytes()
            bad = runner.invoke(main, ["seal-bid", "--server", base, "--token", tokens["bidder0"], "--lot", str(lot_id),
                                       "--price", "12.345", str(document)])
            assert bad.exit_code != 0 and "price" in bad.output
            not_a_company = runner.invoke(main, ["seal-bid", "--server", base, "--token", tokens["officer"],
                                                 "--lot", str(lot_id), "--price", "1.00", str(document)])
            assert not_a_company.exit_code != 0 and "company" in not_a_company.output

            clock.now = now + timedelta(days=21, minutes=2)
            with database.session() as s:
                tenders.tick(s, clock)
                for name in people:  # three weeks later: new logins
                    user = s.scalar(select(accounts.User).where(accounts.User.username == name))
                    tokens[name] = accounts.issue_token(s, clock, user, "api", 3600)
                s.commit()
            wrong = runner.invoke(main, ["present-shares", "--server", base, "--token", tokens["officer"],
                                         "--tender", str(tender_id), "--key-file", str(tmp_path / "officer.json"),
                                         "--passphrase", "not the passphrase"])
            assert wrong.exit_code != 0 and "Wrong passphrase" in wrong.output
            outputs = []
            for name in people:
                done = runner.invoke(main, ["present-shares", "--server", base, "--token", tokens[name],
                                            "--tender", str(tender_id), "--key-file", str(tmp_path / f"{name}.json"),
                                            "--passphrase", PASSPHRASE])
                assert done.exit_code == 0, done.output
                outputs.append(done.output)
            assert "1 of 2" in outputs[0] and "The bids are open" in outputs[1]
        with database.session() as s:
            record = s.scalar(select(OpeningRecord).where(OpeningRecord.tender_id == tender_id))
            assert sorted(b["price"] for b in record.record["lots"][0]["bids"]) == ["880000.00", "890000.00", "900000.00"]
            prices = sorted(b.price for b in s.scalars(select(Bid).where(Bid.lot_id == lot_id)))
            assert prices == [Decimal("880000.00"), Decimal("890000.00"), Decimal("900000.00")]
            assert Path(settings.storage_dir).exists()
        database.dispose()
