"""Notifications that lead somewhere (issue 14): each links to its object and is sent when a case
opens, a case or a tender falls due within 24 hours (once), a contract is varied, and a statement
is submitted, returned, approved or paid; the header counts the unread; with SMTP configured the
worker mails each once, through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import dataclasses
import socket
from email.header import decode_header, make_header
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from procure.accounts import mail
from procure.accounts.models import Notification
from procure.accounts.services import CurrentUser
from procure.cases import services as cases
from procure.contracts import services as contracts
from procure.inspection import services as inspection
from procure.inspection.services import FindingInput
from procure.kernel.clock import BUREAU_TZ
from procure.payments import services as payments
from procure.tendering import services as tendering
from tests.factories import TenderFactory, UserFactory
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    f = build(session, clock, tmp_path)
    f.finance = CurrentUser.of(UserFactory(role="finance"))
    session.commit()
    return f


def notices(session, user) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def find_defect(session, field, at=datetime(2026, 11, 20, 9, 0, tzinfo=BUREAU_TZ)):
    item = next(i for i in inspection.current_template(session, "road").items if i.rectification_hours)
    done = inspection.submit(session, lambda: at, field.storage, field.inspector, site_id=field.sites[0].id,
                             inspected_at=at, findings=[FindingInput(item.code, 1)], require_photos=False)
    session.commit()
    return cases.get(session, done.cases[0]), at


def test_a_new_case_tells_its_company_and_links_to_it(client, page_login, session, field):
    case, _ = find_defect(session, field)
    told = notices(session, field.contractor)
    assert [(n.message, n.link) for n in told] == [("New case {number} at {site}: fix it by {deadline}.", f"/cases/{case.id}")]
    assert told[0].params["number"] == case.number and told[0].params["site"] == field.sites[0].name
    page_login(client, field.contractor.username)
    page = client.get("/notifications")
    assert f'href="/cases/{case.id}"' in page.text and f"新案卷 {case.number}" in page.text
    assert '<span class="count" title="1 条未读">1</span>' in client.get("/").text  # the header's count


def test_a_case_falling_due_is_reminded_once(session, field):
    case, found = find_defect(session, field)
    early = case.deadline - timedelta(hours=30)
    assert cases.remind_due(session, lambda: early) == 0  # not yet within 24 hours
    soon = case.deadline - timedelta(hours=3)
    assert cases.remind_due(session, lambda: soon) == 1
    assert cases.remind_due(session, lambda: soon + timedelta(minutes=15)) == 0  # once
    assert cases.remind_due(session, lambda: case.deadline + timedelta(minutes=1)) == 0  # past due: no reminder
    reminders = [n for n in notices(session, field.contractor) if n.key == f"case-due:{case.id}"]
    assert len(reminders) == 1 and reminders[0].link == f"/cases/{case.id}"


def test_a_tender_closing_tomorrow_is_told_to_every_company_once(session, clock, field):
    tender = TenderFactory(state="published", bid_deadline=clock() + timedelta(hours=20))
    TenderFactory(state="published", bid_deadline=clock() + timedelta(days=3))  # not yet
    other_company = UserFactory(role="contractor", contractor_id=field.contract.contractor.id)
    session.commit()
    assert tendering.remind_closing(session, clock) == 2  # the two company logins
    assert tendering.remind_closing(session, clock) == 0
    told = notices(session, other_company)
    assert [n.link for n in told] == [f"/tenders/{tender.id}"] and told[0].params["reference"] == tender.reference
    assert notices(session, field.officer) == []


def test_a_statement_tells_whoever_acts_next(session, clock, field):
    at = datetime(2026, 10, 15, 10, 0, tzinfo=BUREAU_TZ)
    inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=at,
                      findings=[], require_photos=False)
    statement = payments.run_month(session, clock, field.officer.actor, "2026-10").statements[0]
    link = f"/payments/statements/{statement.id}"
    payments.submit(session, clock, field.officer, statement.id)
    assert [n.link for n in notices(session, field.finance)] == [link]
    payments.return_to_draft(session, clock, field.finance, statement.id, "缺少检查记录")
    returned = notices(session, field.officer)[-1]
    assert returned.params["reason"] == "缺少检查记录" and returned.link == link
    payments.submit(session, clock, field.officer, statement.id)
    payments.approve(session, clock, field.finance, statement.id)
    approved = notices(session, field.contractor)[-1]
    assert approved.message.startswith("Statement {number} {month} is approved") and approved.params["due"] == "2026-12-26"
    assert notices(session, field.officer)[-1].message == approved.message  # the officer who submitted it
    payments.pay(session, clock, field.finance, statement.id, None, "PZ-1")
    paid = notices(session, field.contractor)[-1]
    assert paid.message.startswith("Statement {number} {month} is paid") and paid.link == link


def test_a_variation_tells_the_company(session, clock, field):
    from tests.factories import SiteFactory

    new_site = SiteFactory(kind="road", area_m2=Decimal("5000"))
    session.commit()
    contracts.add_variation(session, clock, field.officer.actor, field.contract.id, {
        "kind": "add_site", "site_id": new_site.id, "effective_date": "2026-12-01", "monthly_fee_delta": "1000.00",
        "reason": "新建道路移交"})
    varied = notices(session, field.contractor)[-1]
    assert varied.link == f"/contracts/{field.contract.id}" and varied.params["delta"] == "1,000.00"


def subject(message) -> str:  # type: ignore[no-untyped-def]
    return str(make_header(decode_header(message["Subject"])))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


@pytest.fixture()
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_notices_are_mailed_once_through_smtp(session, clock, settings, field, smtp_server):
    controller, inbox = smtp_server
    staff = UserFactory(role="officer")
    session.commit()
    from procure.accounts import services as accounts

    accounts.update_user(session, clock, field.officer.actor, staff.id, {"email": "wang@yuhang.example"})
    case, _ = find_defect(session, field, clock())  # tells the company login, which has no address of its own
    accounts.notify(session, clock, [staff.id], "Tender {reference} closes for bids at {deadline}.", "/tenders/3",
                    reference="YHCG-2026-0009", deadline="2026-12-07 09:00")
    accounts.notify(session, clock, [field.inspector.id], "Tender {reference} closes for bids at {deadline}.",
                    "/tenders/3", reference="YHCG-2026-0009", deadline="2026-12-07 09:00")  # no address: not mailed
    session.commit()
    configured = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{controller.port}",
                                     mail_from="notices@yuhang.example", public_base_url="https://procure.yuhang.example")
    assert mail.send_pending(session, clock, settings) == 0  # no SMTP configured: in-app only
    assert mail.send_pending(session, clock, configured) == 2
    assert mail.send_pending(session, clock, configured) == 0  # each once
    by_to = {m["X-RcptTo"]: m for m in inbox.messages}
    company_mail = by_to[field.contract.contractor.contact_email]
    assert subject(company_mail).startswith("[城管养护采购平台] 新案卷 " + case.number)
    body = company_mail.get_payload(decode=True).decode()
    assert f"New case {case.number}" in body and f"https://procure.yuhang.example/cases/{case.id}" in body
    staff_mail = by_to["wang@yuhang.example"]
    assert "YHCG-2026-0009" in subject(staff_mail) and "Tender YHCG-2026-0009 closes for bids" in \
        staff_mail.get_payload(decode=True).decode()
    assert all(n.emailed_at is not None for n in session.scalars(select(Notification)))


def test_a_bad_address_is_refused(client, page_login, session, field):
    from procure.accounts import services as accounts
    from procure.kernel.errors import InvalidInput

    with pytest.raises(InvalidInput):
        accounts.update_user(session, lambda: datetime(2026, 11, 26, tzinfo=BUREAU_TZ), field.officer.actor,
                             field.inspector.id, {"email": "not-an-address"})
