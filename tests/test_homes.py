"""Each role lands on its day's work (issue 14): finance on statements to approve and payments
overdue, the inspector on this month's plan and the fixes to check, the company on its cases by
deadline, the officer on questions to answer and sites no contract covers, the evaluator on what
to declare and score. Month pickers start on the last complete month."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from procure.accounts.services import CurrentUser
from procure.cases import services as cases
from procure.inspection import services as inspection
from procure.inspection.services import FindingInput
from procure.kernel.clock import BUREAU_TZ, last_complete_month
from procure.payments import services as payments
from tests.factories import TenderFactory, UserFactory
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    f = build(session, clock, tmp_path)
    f.finance = CurrentUser.of(UserFactory(role="finance"))
    session.commit()
    return f


def test_last_complete_month():
    assert last_complete_month(datetime(2026, 12, 6, 9, tzinfo=BUREAU_TZ)) == "2026-11"
    assert last_complete_month(datetime(2026, 1, 1, 0, 30, tzinfo=BUREAU_TZ)) == "2025-12"


def test_finance_lands_on_its_queue_and_overdue_payments(client, page_login, session, clock, field):
    inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                      inspected_at=datetime(2026, 10, 15, 10, tzinfo=BUREAU_TZ), findings=[], require_photos=False)
    statement = payments.run_month(session, clock, field.officer.actor, "2026-10").statements[0]
    payments.submit(session, clock, field.officer, statement.id)
    page_login(client, field.finance.username)
    home = client.get("/").text
    queue = home.split('id="awaiting-approval"')[1].split("</section>")[0]
    assert f'href="/payments/statements/{statement.id}"' in queue and "97,000.00" in queue
    payments.approve(session, clock, field.finance, statement.id)
    clock.advance(days=45)  # past the 30 days of 保障中小企业款项支付条例
    page_login(client, field.finance.username)  # a new day, a new login
    home = client.get("/").text
    overdue = home.split('id="overdue-payments"')[1].split("</section>")[0]
    assert f'href="/payments/statements/{statement.id}"' in overdue


def test_the_inspector_lands_on_the_months_plan_and_the_fixes_to_check(client, page_login, session, clock, field):
    month = clock().astimezone(BUREAU_TZ).strftime("%Y-%m")
    inspection.ensure_plans(session, clock, month, field.officer.actor)
    item = next(i for i in inspection.current_template(session, "road").items if i.rectification_hours)
    done = inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                             inspected_at=None, findings=[FindingInput(item.code, 1)], require_photos=False)
    cases.respond(session, clock, field.storage, field.contractor, done.cases[0], "已整改", [])
    page_login(client, field.inspector.username)
    home = client.get("/").text
    plan = home.split('id="month-plan"')[1].split("</section>")[0]
    assert 'href="/inspect/site/' in plan
    assert f'href="/inspections/{done.inspection.id}"' in home.split('id="today"')[1].split("</section>")[0]
    assert f'href="/cases/{done.cases[0]}"' in home.split('id="to-check"')[1].split("</section>")[0]


def test_the_company_lands_on_its_cases_by_deadline(client, page_login, session, clock, field):
    item = next(i for i in inspection.current_template(session, "road").items if i.rectification_hours)
    done = inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                             inspected_at=None, findings=[FindingInput(item.code, 1)], require_photos=False)
    page_login(client, field.contractor.username)
    due = client.get("/").text.split('id="cases-due"')[1].split("</section>")[0]
    case = cases.get(session, done.cases[0])
    assert f'href="/cases/{case.id}"' in due and case.deadline.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M") in due


def test_the_officer_lands_on_questions_and_uncovered_sites(client, page_login, session, clock, field):
    from procure.tendering import services as tendering
    from tests.factories import SiteFactory

    tender = TenderFactory(state="published", bid_deadline=clock() + timedelta(days=5))
    company = UserFactory(role="contractor", contractor_id=field.contract.contractor.id)
    uncovered = SiteFactory(name="新建未覆盖口袋公园", handover_date=clock().date() - timedelta(days=10))
    session.commit()
    tendering.ask(session, clock, CurrentUser.of(company).actor, tender.id, field.contract.contractor.id, "是否含夜间保洁？")
    page_login(client, field.officer.username)
    home = client.get("/").text
    assert f'href="/tenders/{tender.id}#enquiries"' in home.split('id="enquiries"')[1].split("</section>")[0]
    assert uncovered.name in home.split('id="uncovered"')[1].split("</section>")[0]


def test_month_pickers_start_on_the_last_complete_month(client, page_login, session, field):
    page_login(client, field.officer.username)
    assert 'value="2026-10"' in client.get("/payments").text  # the suite's clock is in November 2026
    assert "2026-10" in client.get("/reports/kaoping").text.split("<h1")[1][:300]
