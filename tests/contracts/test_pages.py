"""Pages decide nothing: the contract and case pages show their forms from the read model's flags."""

from procure.contracts.rules import ContractState
from tests.factories import CaseFactory, ContractFactory, UserFactory


def test_who_may_sign_a_draft_and_who_may_answer_a_case(client, session, page_login):
    contract = ContractFactory(state=ContractState.DRAFT.value)
    case = CaseFactory(contract=contract)
    UserFactory(username="sign-company", role="contractor", contractor_id=contract.contractor_id)
    UserFactory(username="sign-rival", role="contractor", contractor_id=ContractFactory().contractor_id)
    UserFactory(username="sign-officer", role="officer")
    session.commit()

    page_login(client, "sign-company")
    assert 'id="sign"' in client.get(f"/contracts/{contract.id}").text
    assert f'action="/cases/{case.id}/respond"' in client.get(f"/cases/{case.id}").text

    page_login(client, "sign-officer")
    assert 'id="sign"' in client.get(f"/contracts/{contract.id}").text  # the bureau's side has not signed
    assert f'action="/cases/{case.id}/respond"' not in client.get(f"/cases/{case.id}").text

    page_login(client, "sign-rival")  # another company: neither page exists for it
    assert client.get(f"/contracts/{contract.id}").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 404
