"""Settlement over HTTP: run, submit, approve, pay; certificate and ledgers; clear refusals."""

import io
from datetime import datetime

import pypdf

from procure.kernel.clock import BUREAU_TZ
from procure.inspection import services as inspection
from tests.conftest import api_login, csrf_token
from tests.factories import UserFactory
from tests.inspection.world import build


def test_settlement_over_http(client, session, clock, settings, page_login):
    field = build(session, clock, settings.storage_dir.parent)
    UserFactory(username="fin1", role="finance")
    session.commit()
    for site in field.sites[:2]:
        inspection.submit(session, clock, field.storage, field.inspector, site_id=site.id,
                          inspected_at=datetime(2026, 10, 12, 9, tzinfo=BUREAU_TZ), findings=[], require_photos=False)
    officer, finance = api_login(client, field.officer.username), api_login(client, "fin1")
    assert client.post("/api/v1/payments/runs", json={"month": "2027-02"}, headers=officer).status_code == 400
    assert client.post("/api/v1/payments/runs", json={"month": "2026-10"}, headers=finance).status_code == 403
    run = client.post("/api/v1/payments/runs", json={"month": "2026-10"}, headers=officer)
    assert run.status_code == 201, run.text
    s = run.json()["statements"][0]
    assert (s["base"], s["score"], s["coefficient"], s["payable"], s["retention"], s["net"]) == \
        ("100000.00", "100.00", "1.0000", "100000.00", "3000.00", "97000.00")
    sid = s["id"]
    assert client.post(f"/api/v1/payment-statements/{sid}/pay", json={"reference": "x"}, headers=finance).status_code == 409
    assert client.post(f"/api/v1/payment-statements/{sid}/submit", headers=officer).json()["state"] == "submitted"
    approved = client.post(f"/api/v1/payment-statements/{sid}/approve", headers=finance).json()
    assert approved["state"] == "approved" and approved["due_date"] == "2026-12-26"
    # The payment date is a typed date, the same on the API and the page: a bad one is a 400 naming it.
    bad = client.post(f"/api/v1/payment-statements/{sid}/pay", json={"reference": "PZ-9", "paid_on": "2026-13-01"},
                      headers=finance)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "paid_on", bad.text
    page_login(client, "fin1")
    form = client.post(f"/payments/statements/{sid}/pay", data={"reference": "PZ-9", "paid_on": "26/11/2026",
                                                                 "_csrf_token": csrf_token(client, f"/payments/statements/{sid}")})
    assert form.status_code == 400 and "YYYY-MM-DD" in form.text
    client.cookies.clear()
    paid = client.post(f"/api/v1/payment-statements/{sid}/pay", json={"reference": "PZ-9", "paid_on": "2026-11-26"},
                       headers=finance).json()
    assert paid["state"] == "paid" and [e["action"] for e in paid["events"]][-1] == "paid"
    pdf = client.get(f"/api/v1/payment-statements/{sid}/certificate.pdf", headers=finance)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "养护经费支付证书" in text and "97,000.00" in text and "审批通过" in text
    assert "本期实付（大写）：人民币玖万柒仟元整" in text  # 会计基础工作规范 第五十二条
    assert "经办人（签字）" in text and "收款单位（盖章）" in text and "付款单位（盖章）" in text
    contractor = api_login(client, field.contractor.username)
    assert [x["id"] for x in client.get("/api/v1/payment-statements", headers=contractor).json()] == [sid]
    assert client.get("/api/v1/payments/ledger.csv?month=2026-10", headers=contractor).status_code == 403
    ledger = client.get("/api/v1/payments/ledger.xlsx?month=2026-10", headers=finance)
    assert ledger.status_code == 200 and ledger.content.startswith(b"PK")


def test_maker_checker_over_http(client, session, clock, settings):
    field = build(session, clock, settings.storage_dir.parent)
    UserFactory(username="fin-a", role="finance")
    session.commit()
    inspection.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                      inspected_at=datetime(2026, 10, 12, 9, tzinfo=BUREAU_TZ), findings=[], require_photos=False)
    officer = api_login(client, field.officer.username)
    sid = client.post("/api/v1/payments/runs", json={"month": "2026-10"}, headers=officer).json()["statements"][0]["id"]
    client.post(f"/api/v1/payment-statements/{sid}/submit", headers=officer)
    finance = api_login(client, "fin-a")
    returned = client.post(f"/api/v1/payment-statements/{sid}/return", json={"reason": "  "}, headers=finance)
    assert returned.status_code == 400
    assert client.post(f"/api/v1/payment-statements/{sid}/return", json={"reason": "请补充依据"},
                       headers=finance).json()["state"] == "draft"


def test_bad_payment_tables_and_retention_are_refused(client, session, clock, settings):
    from procure.contracts.models import Contract

    field = build(session, clock, settings.storage_dir.parent)
    field.contract.state = "draft"
    session.commit()
    officer = api_login(client, field.officer.username)
    overlapping = {"kind": "bands", "bands": [{"min": "90", "k": "1"}, {"min": "90", "k": "0.8"}, {"min": "0", "k": "0.6"}]}
    r = client.patch(f"/api/v1/contracts/{field.contract.id}", json={"payment_table": overlapping}, headers=officer)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "payment_table"
    r = client.patch(f"/api/v1/contracts/{field.contract.id}", json={"retention_rate": "0.05"}, headers=officer)
    assert r.status_code == 400
    assert session.get(Contract, field.contract.id).retention_rate == field.contract.retention_rate
