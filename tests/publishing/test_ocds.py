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

    count = services.export(session, clock, demo.ocds_prefix, tmp_path / "ocds", "https://procure.example.gov.cn")
    import json

    full = json.loads((tmp_path / "ocds" / "release-package.json").read_text(encoding="utf-8"))
    assert len(full["releases"]) == count and not list(ocds.validator().iter_errors(full))
    assert full["uri"] == "https://procure.example.gov.cn/api/v1/public/ocds/releases"
    assert len(list((tmp_path / "ocds").glob("ocds-*-record.json"))) >= 5
    years = sorted((tmp_path / "ocds").glob("releases-*.json"))
    by_year = [json.loads(p.read_text(encoding="utf-8"))["releases"] for p in years]
    assert years and sum(len(r) for r in by_year) == count  # every release in exactly one year's file
    assert all(r["date"].startswith(p.stem[-4:]) for p, rs in zip(years, by_year) for r in rs)


def test_records_compile_by_the_standard_merge_routine():
    first = {"ocid": "ocds-x-1-1", "id": "a", "date": "2026-01-01T00:00:00+08:00", "tag": ["tender"],
             "tender": {"id": "t", "status": "active", "items": [{"id": "1", "quantity": 1}]},
             "parties": [{"id": "x", "roles": ["buyer"]}]}
    second = {"ocid": "ocds-x-1-1", "id": "b", "date": "2026-02-01T00:00:00+08:00", "tag": ["tenderUpdate"],
              "tender": {"status": "complete", "items": [{"id": "1", "quantity": 2}, {"id": "2"}]},
              "parties": [{"id": "y", "roles": ["tenderer"]}]}
    compiled = ocds.compile_record([second, first])  # in date order, whatever order they come in
    assert compiled["tag"] == ["compiled"] and compiled["date"] == second["date"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["items"] == [{"id": "1", "quantity": 2}, {"id": "2"}]   # merged by id
    assert [p["id"] for p in compiled["parties"]] == ["x", "y"]
    # An extension's array merges by id too (metrics from the extended schema).
    month = lambda m: {"ocid": "ocds-x-1-1", "id": m, "date": f"{m}-28T00:00:00+08:00", "tag": ["implementation"],  # noqa: E731
                       "contracts": [{"id": "c", "implementation": {"metrics": [
                           {"id": "score", "observations": [{"id": m, "measure": 90}]}]}}]}
    both = ocds.compile_record([month("2026-01"), month("2026-02")])
    assert [o["id"] for o in both["contracts"][0]["implementation"]["metrics"][0]["observations"]] == ["2026-01", "2026-02"]


def test_cursor_pages_stay_put_and_bad_input_is_a_400(client, demo):
    first = client.get("/api/v1/public/ocds/releases?per_page=4").json()
    everything = client.get("/api/v1/public/ocds/releases?per_page=1000").json()["releases"]
    seen = list(first["releases"])
    following = first["links"]["next"]
    assert following.startswith("http://testserver.local/api/v1/public/ocds/releases?cursor=")
    while following:
        page = client.get(following).json()
        seen += page["releases"]
        following = page.get("links", {}).get("next")
    assert [r["id"] for r in seen] == [r["id"] for r in everything]  # each once, in the stable order
    import base64

    deep = base64.urlsafe_b64encode(b"[" * 300).decode()  # nested deep enough to trouble a parser
    for bad in ("nonsense", "e30", "WyJhIl0", deep, "W" * 5000):  # not base64 JSON, {}, ["a"], …
        assert client.get("/api/v1/public/ocds/releases", params={"cursor": bad}).status_code == 400
    assert client.get("/api/v1/public/ocds/bulk/26.json").status_code == 404
    assert client.get("/api/v1/public/ocds/bulk/1999.json").status_code == 404
    assert client.get("/api/v1/public/ocds/extensions/bids/../../settings.py").status_code == 404
    assert client.get("/api/v1/public/ocds/extensions/nope/extension.json").status_code == 404
    served = client.get("/api/v1/public/ocds/extensions/bids/extension.json")
    assert served.status_code == 200 and served.json()["codelists"]
    assert client.get("/api/v1/public/ocds/extensions/partyScale/codelists/partyScale.csv").text.startswith("Code")


@pytest.mark.parametrize("given, kept", [("https://procure.yuhang.gov.cn/", "https://procure.yuhang.gov.cn"),
                                         ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
                                         ("https://gov.cn/procure", "https://gov.cn/procure")])
def test_the_public_base_url_is_checked(given, kept):
    from procure.kernel.settings import Settings

    assert Settings.from_env({"PROCURE_PUBLIC_BASE_URL": given, "PROCURE_SECRET_KEY": "k"}).public_base_url == kept


@pytest.mark.parametrize("bad", ["procure.yuhang.gov.cn", "ftp://x.cn", "https://", "https://x.cn/?a=1", "https://x.cn/#f"])
def test_a_wrong_public_base_url_stops_the_start(bad):
    from procure.kernel.settings import Settings

    with pytest.raises(ValueError, match="PROCURE_PUBLIC_BASE_URL"):
        Settings.from_env({"PROCURE_PUBLIC_BASE_URL": bad, "PROCURE_SECRET_KEY": "k"})
