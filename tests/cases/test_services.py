"""Cases: respond, close, reopen, void, rates; citizen reports through Open311 into cases."""

from datetime import timedelta
from decimal import Decimal

import pytest

from procure.accounts.services import CurrentUser
from procure.cases import services
from procure.cases.services import CaseFilter, Open311Error
from procure.kernel.errors import Conflict, Forbidden, InvalidInput
from procure.inspection import services as inspection
from procure.inspection.services import FindingInput
from procure.kernel.pagination import PageRequest
from tests.factories import CaseFactory, ContractorFactory, UserFactory
from tests.factories.cases import LIMIT_HOURS
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    return build(session, clock, tmp_path)


def open_case(field, session, clock):
    template = inspection.current_template(session, "road")
    defect = next((i for i in template.items if i.rectification_hours and not i.photo_required), None) \
        or next(i for i in template.items if i.rectification_hours)
    done = inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                             inspected_at=None, findings=[FindingInput(defect.code, 1)], require_photos=False)
    return services.get(session, done.cases[0]), defect


def test_the_case_loop(field, session, clock):
    case, defect = open_case(field, session, clock)
    other = CurrentUser.of(UserFactory(role="contractor", contractor_id=ContractorFactory().id))
    session.commit()
    with pytest.raises(Forbidden):  # another contractor's case
        services.respond(session, clock, field.storage, other, case.id, "修好了")
    with pytest.raises(InvalidInput):
        services.respond(session, clock, field.storage, field.contractor, case.id, "")
    with pytest.raises(Conflict):
        services.close(session, clock, field.inspector, case.id)  # not answered yet
    services.respond(session, clock, field.storage, field.contractor, case.id, "已清理")
    services.reopen(session, clock, field.inspector, case.id, "仍有积泥")
    assert case.state == "open" and case.reopened == 1
    clock.advance(hours=defect.rectification_hours + 1)
    services.respond(session, clock, field.storage, field.contractor, case.id, "再次清理")
    services.close(session, clock, field.inspector, case.id, "合格")
    assert case.state == "closed" and not services.overdue(case, clock())  # first answer was on time
    assert [e.action for e in case.events] == ["open", "respond", "reopen", "respond", "close"]
    with pytest.raises(Conflict):
        services.void(session, clock, field.officer, case.id, "x")


def test_overdue_and_contractor_view(field, session, clock):
    case = CaseFactory(contract=field.contract, site=field.sites[0], opened_at=clock())
    assert services.timer(case, clock()) == "green"
    clock.advance(hours=LIMIT_HOURS, seconds=1)
    assert services.timer(case, clock()) == "red" and services.overdue(case, clock())
    mine = services.list_cases(session, clock, field.contractor, CaseFilter(), PageRequest())
    assert [c.id for c in mine.items] == [case.id]
    other = CurrentUser.of(UserFactory(role="contractor", contractor_id=ContractorFactory().id))
    session.commit()
    assert services.list_cases(session, clock, other, CaseFilter(), PageRequest()).total == 0
    assert services.list_cases(session, clock, field.officer, CaseFilter(overdue=True), PageRequest()).total == 1


def test_rates_for_a_month(field, session, clock):
    first, second, third = CaseFactory.create_batch(3, contract=field.contract, site=field.sites[0], opened_at=clock())
    services.respond(session, clock, field.storage, field.contractor, first.id, "done")
    services.close(session, clock, field.inspector, first.id)
    services.respond(session, clock, field.storage, field.contractor, second.id, "done")
    services.reopen(session, clock, field.inspector, second.id, "返工")
    services.void(session, clock, field.officer, third.id, "重复立案")
    by_contract, by_street = services.month_rates(session, inspection.month_of(first.deadline))
    rates = by_contract[0].rates
    assert (rates.due, rates.on_time, rates.closed, rates.reworked) == (2, 2, 1, 1)
    assert (rates.on_time_rate, rates.closure_rate, rates.rework_rate) == (Decimal("100.00"), Decimal("50.00"), Decimal("50.00"))
    assert by_street[0].label == "仓前街道"


def test_open311_report_routed_verified_and_closed(field, session, clock):
    key = services.create_api_key(session, clock, "portal", "k-123")
    site = field.sites[2]
    report = services.file_report(session, clock, {"api_key": key, "service_code": "litter", "lat": str(site.lat),
                                                   "long": str(site.lon), "description": "路边有一堆建筑垃圾"})
    assert report.site_id == site.id and report.status == "open"
    named = services.file_report(session, clock, {"api_key": key, "service_code": "street_light",
                                                  "address_string": f"{field.sites[1].name}北口",
                                                  "description": "路灯不亮"})
    assert named.site_id == field.sites[1].id
    services.verify_report(session, clock, field.inspector, report.id, accept=True, note="")
    from procure.cases.models import Case

    case = session.query(Case).filter_by(report_id=report.id).one()
    assert case.source == "citizen" and case.deadline == clock() + timedelta(hours=24)
    services.respond(session, clock, field.storage, field.contractor, case.id, "已清运")
    services.close(session, clock, field.inspector, case.id)
    assert report.status == "closed"
    services.verify_report(session, clock, field.inspector, named.id, accept=False, note="经核实路灯正常")
    assert named.status == "closed" and named.status_notes == "经核实路灯正常"


@pytest.mark.parametrize(("form", "status"), [
    ({"service_code": "litter", "lat": "30.29", "long": "119.98", "description": "x"}, 400),
    ({"api_key": "wrong", "service_code": "litter", "lat": "30.29", "long": "119.98", "description": "x"}, 403),
    ({"api_key": "k-1", "service_code": "litter", "description": "x"}, 400),
    ({"api_key": "k-1", "service_code": "nope", "lat": "30.29", "long": "119.98", "description": "x"}, 400),
    ({"api_key": "k-1", "service_code": "litter", "lat": "30.29", "long": "119.98", "description": "x" * 4001}, 400),
    ({"api_key": "k-1", "service_code": "litter", "lat": "91", "long": "119.98", "description": "x"}, 400),
])
def test_open311_refusals(field, session, clock, form, status):
    services.create_api_key(session, clock, "portal", "k-1")
    with pytest.raises(Open311Error) as info:
        services.file_report(session, clock, form)
    assert info.value.status == status
