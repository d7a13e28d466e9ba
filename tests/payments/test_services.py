"""Runs, the approval flow and its separation of duties, payments, retention, exports."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from procure.accounts.services import CurrentUser
from procure.cases import services as cases
from procure.kernel.clock import BUREAU_TZ
from procure.kernel.errors import Conflict, Forbidden, InvalidInput
from procure.inspection import services as inspection
from procure.inspection.services import FindingInput
from procure.payments import services
from procure.payments.models import PaymentStatement
from procure.payments.services import StatementFilter
from tests.factories import StatementFactory, UserFactory
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    f = build(session, clock, tmp_path)
    f.finance = CurrentUser.of(UserFactory(role="finance"))
    f.finance2 = CurrentUser.of(UserFactory(role="finance"))
    session.commit()
    return f


def inspect_october(field, session, clock, findings=()):
    at = datetime(2026, 10, 15, 10, 0, tzinfo=BUREAU_TZ)
    for site in field.sites[:2]:
        inspection.submit(session, clock, field.storage, field.inspector, site_id=site.id, inspected_at=at,
                          findings=list(findings), require_photos=False)


def test_a_run_is_idempotent_and_never_touches_submitted(field, session, clock):
    inspect_october(field, session, clock)
    first = services.run_month(session, clock, field.officer.actor, "2026-10")
    assert first.created == 1 and first.not_assessed == []
    statement = first.statements[0]
    assert statement.base == Decimal("100000.00") and statement.score == Decimal("100.00")
    assert statement.payable == Decimal("100000.00") and statement.net == Decimal("97000.00")
    again = services.run_month(session, clock, field.officer.actor, "2026-10")
    assert again.created == 0 and again.replaced == 1
    assert session.query(PaymentStatement).count() == 1
    services.submit(session, clock, field.officer, statement.id)
    third = services.run_month(session, clock, field.officer.actor, "2026-10")
    assert third.kept == 1 and third.replaced == 0


def test_not_assessed_cannot_be_submitted(field, session, clock):
    result = services.run_month(session, clock, field.officer.actor, "2026-09")
    statement = result.statements[0]
    assert result.not_assessed == [field.contract.number] and statement.payable is None
    with pytest.raises(Conflict):
        services.submit(session, clock, field.officer, statement.id)


def test_bad_months(field, session, clock):
    with pytest.raises(InvalidInput):
        services.run_month(session, clock, field.officer.actor, "2027-01")  # the future
    with pytest.raises(InvalidInput):
        services.run_month(session, clock, field.officer.actor, "2020-05")  # before any contract
    with pytest.raises(InvalidInput):
        services.run_month(session, clock, field.officer.actor, "2026/10")


def test_maker_checker_and_payment(field, session, clock):
    inspect_october(field, session, clock)
    statement = services.run_month(session, clock, field.officer.actor, "2026-10").statements[0]
    with pytest.raises(Conflict):
        services.pay(session, clock, field.finance, statement.id, None, "PZ-1")  # not approved
    services.submit(session, clock, field.finance, statement.id)  # the finance user prepared it this time
    with pytest.raises(Forbidden):
        services.approve(session, clock, field.finance, statement.id)  # approving one's own
    services.return_to_draft(session, clock, field.finance2, statement.id, "扣款依据不全")
    assert statement.state == "draft" and statement.returned_reason == "扣款依据不全"
    services.submit(session, clock, field.officer, statement.id)
    services.approve(session, clock, field.finance, statement.id)
    assert statement.due_date == date(2026, 12, 26)  # approval on 26 Nov + 30 days
    with pytest.raises(InvalidInput):
        services.pay(session, clock, field.finance, statement.id, date(2026, 11, 1), "PZ-1")  # before approval
    with pytest.raises(InvalidInput):
        services.pay(session, clock, field.finance, statement.id, None, " ")
    services.pay(session, clock, field.finance, statement.id, None, "PZ-2026-1101")
    assert statement.state == "paid" and [e.action for e in statement.events] == [
        "computed", "submitted", "returned", "submitted", "approved", "paid"]
    # every row of the certificate's approval record names the person, not the login
    assert {e.actor_name for e in statement.events} == {field.officer.display_name, field.finance.display_name,
                                                       field.finance2.display_name}
    clock.advance(days=40)
    assert not services.is_overdue(statement, date(2027, 1, 30))


def test_overdue_cases_and_complaints_become_penalties(field, session, clock):
    item = next(i for i in inspection.current_template(session, "road").items if i.rectification_hours)
    at = datetime(2026, 10, 10, 9, 0, tzinfo=BUREAU_TZ)
    done = inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                             inspected_at=at, findings=[FindingInput(item.code, 1)], require_photos=False)
    case = cases.get(session, done.cases[0])  # never answered: overdue in October
    result = services.run_month(session, clock, field.officer.actor, "2026-10")
    statement = result.statements[0]
    penalty = next(l for l in statement.lines if l.kind == "penalty_overdue")
    assert penalty.amount == Decimal("-200.00") and penalty.evidence == {"cases": [case.id]}
    assert statement.penalties == Decimal("200.00")


def test_media_exposure_and_flags(field, session, clock):
    inspect_october(field, session, clock)
    services.record_exposure(session, clock, field.officer, field.contract.id, "2026-10-08", "city", "杭州日报")
    with pytest.raises(InvalidInput):
        services.record_exposure(session, clock, field.officer, field.contract.id, "2026-10-08", "national", "x")
    statement = services.run_month(session, clock, field.officer.actor, "2026-10").statements[0]
    assert statement.penalties == Decimal("20000.00") and statement.payable == Decimal("80000.00")


def test_three_failing_months_flag_the_contract(field, session, clock):
    bad = [FindingInput(i.code, 9) for i in inspection.current_template(session, "road").items]
    for month in ("2026-08", "2026-09", "2026-10"):
        at = datetime.fromisoformat(f"{month}-12T10:00:00+08:00")
        inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id, inspected_at=at,
                          findings=bad, require_photos=False)
        statement = services.run_month(session, clock, field.officer.actor, month).statements[0]
        assert statement.failing and statement.coefficient == Decimal("0.60")
    assert services.termination_may_be_proposed(session, field.contract.id, "2026-10")
    assert not services.termination_may_be_proposed(session, field.contract.id, "2026-09")


def test_contractors_see_only_their_own(field, session, clock):
    statement = StatementFactory(contract=field.contract)
    assert [s.id for s in services.list_statements(session, clock, field.contractor, StatementFilter())] == [statement.id]
    from procure.kernel.errors import NotFound
    from tests.factories import ContractorFactory

    stranger = CurrentUser.of(UserFactory(role="contractor", contractor_id=ContractorFactory().id))
    session.commit()
    assert services.list_statements(session, clock, stranger, StatementFilter()) == []
    with pytest.raises(NotFound):
        services.get(session, statement.id, stranger)


def test_ledger_exports(field, session, clock):
    inspect_october(field, session, clock)
    rows = services.run_month(session, clock, field.officer.actor, "2026-10").statements
    text = services.ledger_csv(rows).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("合同,养护单位,月份,状态") and "97000.00" in text and ",草稿," in text
    english = services.ledger_csv(rows, "en").decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Contract,Contractor,Month,State") and ",Draft," in english
    book = load_workbook(io.BytesIO(services.ledger_xlsx(rows)))
    assert book.active["K2"].value == 97000 and book.active["A2"].value == field.contract.number
    assert book.active.title == "支付台账" and book.active["D2"].value == "草稿"


def test_retention_release_after_the_liability_period(field, session, clock):
    StatementFactory(paid=True, contract=field.contract)  # October: 3,000.00 withheld
    with pytest.raises(Conflict):
        services.release_retention(session, clock, field.finance, field.contract.id)
    clock.now = datetime(2028, 1, 2, 9, 0, tzinfo=BUREAU_TZ)  # term ends 2026-12-31, + 12 months
    release = services.release_retention(session, clock, field.finance, field.contract.id)
    assert release.net == Decimal("3000.00") and release.kind == "retention"
    with pytest.raises(Conflict):
        services.release_retention(session, clock, field.finance, field.contract.id)


def test_statement_lines_read_in_either_language_and_keep_their_chinese_record(field, session, clock):
    """Each line keeps its figures (params) and its Chinese text (the certificate's record);
    pages say it in the reader's language. A line from before the figures were kept shows its
    stored text (migration 0014)."""
    item = next(i for i in inspection.current_template(session, "road").items if i.rectification_hours)
    at = datetime(2026, 10, 10, 9, 0, tzinfo=BUREAU_TZ)
    inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                      inspected_at=at, findings=[FindingInput(item.code, 1)], require_photos=False)
    statement = services.run_month(session, clock, field.officer.actor, "2026-10").statements[0]
    base = next(l for l in statement.lines if l.kind == "base")
    assert base.label == "月度养护费 × 31/31 天" and base.params == {"days": "31", "month_days": "31"}
    assert base.text("zh_CN") == base.label
    assert base.text("en") == "Monthly fee × 31/31 days"
    overdue = next(l for l in statement.lines if l.kind == "penalty_overdue")
    assert overdue.label == "超期案卷 1 件 × 200.00" and overdue.text("en") == "Overdue cases: 1 × 200.00"
    k = next(l for l in statement.lines if l.kind == "coefficient")
    assert k.text("en").startswith("Score ") and "coefficient k = " in k.text("en")
    base.params = {}
    assert base.text("en") == "月度养护费 × 31/31 天"
