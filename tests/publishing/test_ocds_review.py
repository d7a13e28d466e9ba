"""libcoveocds, with every additional check, finds nothing on what Procure publishes (issue 15 §1):
the full demo's release package, a record package, a year's bulk file — each from a live server, so
the extensions are fetched from the URLs the packages declare."""

import httpx
import pytest

from procure.demo import load_demo
from procure.publishing import ocds
from tests.publishing.ocds_review import compiled_as_release_package, findings, record_package_errors, review
from tests.serving.conftest import served_live


@pytest.fixture()
def live_demo(app, session, settings):
    load_demo(session, settings)
    session.commit()
    with served_live(app) as url:
        yield url


def test_the_demo_passes_the_data_review(live_demo, tmp_path, settings):
    with httpx.Client(base_url=live_demo, timeout=60) as http:
        package = http.get("/api/v1/public/ocds/releases", params={"per_page": 1000}).json()
        result = review(package, tmp_path, "demo")
        assert findings(result) == []
        assert result["version_used"] == "1.1" and result["count"] == len(package["releases"]) > 10
        loaded = result["extensions"]["extensions"]
        assert {e["url"] for e in loaded} == set(ocds.extension_urls(live_demo))
        # Everything a reader follows is absolute, under the address the request came to.
        documents = [d["url"] for r in package["releases"] for d in r.get("tender", {}).get("documents", [])]
        assert documents and all(u.startswith(f"{live_demo}/api/v1/tenders/") for u in documents)
        assert http.get(documents[0]).status_code == 200  # and it is there

        oc = next(r["ocid"] for r in package["releases"] if "implementation" in r["tag"])
        records = http.get(f"/api/v1/public/ocds/records/{oc}").json()
        assert record_package_errors(records) == []
        assert findings(review(compiled_as_release_package(records), tmp_path, "compiled")) == []
        compiled = records["records"][0]["compiledRelease"]
        assert compiled["tag"] == ["compiled"] and compiled["ocid"] == oc
        # The merge kept every month's score side by side (observation ids carry the month).
        score = next(m for c in compiled["contracts"] for m in c["implementation"]["metrics"]
                     if m["id"] == "monthly-assessment-score")
        months = sorted(o["id"] for o in score["observations"])
        assert len(months) == sum(1 for r in package["releases"] if r["ocid"] == oc and "implementation" in r["tag"]
                                  and any(m["id"] == "monthly-assessment-score" for c in r["contracts"]
                                          for m in c["implementation"].get("metrics", [])))

        year = package["releases"][0]["date"][:4]
        bulk = http.get(f"/api/v1/public/ocds/bulk/{year}.json")
        assert bulk.status_code == 200 and "attachment" in bulk.headers["content-disposition"]
        assert findings(review(bulk.json(), tmp_path, "bulk")) == []
