"""OCDS 1.1 over a full demo run: every package validates against the official schemas."""

import pytest

from procure.demo import load_demo
from procure.publishing import ocds


@pytest.fixture()
def demo(session, settings):
    load_demo(session, settings)
    return settings


def test_the_whole_demo_publishes_valid_ocds(client, demo):
    body = client.get("/api/v1/public/ocds/releases?per_page=1000").json()
    errors = sorted(ocds.validator().iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    tags = {t for r in body["releases"] for t in r["tag"]}
    assert {"tender", "tenderAmendment", "award", "contract", "implementation"} <= tags
    roles = {role for r in body["releases"] for p in r.get("parties", []) for role in p["roles"]}
    assert {"buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee"} <= roles
    ocids = {r["ocid"] for r in body["releases"]}
    assert all(o.startswith(f"ocds-{demo.ocds_prefix}-") for o in ocids)
    transactions = [t for r in body["releases"] for c in r.get("contracts", []) for t in
                    c.get("implementation", {}).get("transactions", [])]
    milestones = [m for r in body["releases"] for c in r.get("contracts", []) for m in
                  c.get("implementation", {}).get("milestones", [])]
    assert transactions and milestones and all(t["value"]["currency"] == "CNY" for t in transactions)


def test_no_bids_before_the_opening(client, demo):
    body = client.get("/api/v1/public/ocds/releases?per_page=1000").json()
    opened = {r["ocid"] for r in body["releases"] if "bids" in r}
    from procure.tendering.models import Tender

    # The demo's open tender (仓前…) has sealed bids: none of its ocids may carry bids.
    session = client.app.state.database.sessionmaker()
    open_tender = session.query(Tender).filter(Tender.state == "published").one()
    assert not any(o.startswith(f"ocds-{demo.ocds_prefix}-{open_tender.id}-") for o in opened)
    assert opened  # the opened tenders do
    session.close()


def test_filters_paging_and_records(client, demo):
    everything = client.get("/api/v1/public/ocds/releases?per_page=1000").json()["releases"]
    first_page = client.get("/api/v1/public/ocds/releases?per_page=5")
    assert len(first_page.json()["releases"]) == 5 and "next" in first_page.json()["links"]
    assert int(first_page.headers["x-total-count"]) == len(everything)
    second = client.get(first_page.json()["links"]["next"]).json()["releases"]
    assert second[0]["id"] == everything[5]["id"]
    oc = next(r["ocid"] for r in everything if "contract" in r["tag"])
    only = client.get(f"/api/v1/public/ocds/releases?ocid={oc}&per_page=1000").json()
    assert {r["ocid"] for r in only["releases"]} == {oc} and not list(ocds.validator().iter_errors(only))
    cut = everything[len(everything) // 2]["date"]
    since = client.get("/api/v1/public/ocds/releases", params={"since": cut, "per_page": 1000}).json()["releases"]
    assert since and all(r["date"] >= cut for r in since)
    record = client.get(f"/api/v1/public/ocds/records/{oc}").json()["records"][0]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and compiled["contracts"][0]["status"] == "active"
    assert not list(ocds.validator("release").iter_errors(compiled))
    assert client.get("/api/v1/public/ocds/records/ocds-nope-1-1").status_code in (400, 404)
    assert client.get("/api/v1/public/ocds/releases?since=yesterday").status_code == 400


def test_export_writes_the_same(session, demo, tmp_path, clock):
    from procure.publishing import services

    count = services.export(session, clock, demo.ocds_prefix, tmp_path / "ocds")
    import json

    full = json.loads((tmp_path / "ocds" / "release-package.json").read_text(encoding="utf-8"))
    assert len(full["releases"]) == count and not list(ocds.validator().iter_errors(full))
    assert len(list((tmp_path / "ocds").glob("ocds-*.json"))) >= 5


def test_merge_rules():
    a = {"tender": {"id": "t", "status": "active", "items": [{"id": "1", "q": 1}]}, "parties": [{"id": "x", "roles": ["buyer"]}]}
    b = {"tender": {"status": "complete", "items": [{"id": "1", "q": 2}, {"id": "2"}]}, "parties": [{"id": "y"}]}
    merged = ocds.merge(a, b)
    assert merged["tender"] == {"id": "t", "status": "complete", "items": [{"id": "1", "q": 2}, {"id": "2"}]}
    assert [p["id"] for p in merged["parties"]] == ["x", "y"]
