"""招标投标法 第22条: before the opening nobody but the bidder can learn a bid's price, its
documents, or even how many bids a lot has — through any page or API, as any role.

The test walks every GET route of the app as every role, before and after three companies bid,
and demands byte-identical answers; after the opening the same walk finds the prices.
"""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from litestar.routes import HTTPRoute
from openpyxl import load_workbook

from procure.accounts import services as accounts
from procure.kernel.settings import Settings
from tests.factories import UserFactory
from procure.bidding import clients
from tests.tendering.world import INDEX_KEY, SECRET, build_world, pdf

PRICES = ["912345.67", "923456.78", "934567.89"]
SECRET_NAME = "绝密投标书"


@pytest.fixture()
def settings(tmp_path, clock, engine):
    # The world's documents and the app must share the storage folder and the secret.
    return Settings(database_url=str(engine.url), storage_dir=tmp_path / "storage", secret_key=SECRET,
                    bid_index_key=INDEX_KEY.decode(), clock=clock)


def get_routes(app):
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods and not route.path.startswith(("/static", "/schema")):
            yield route.path_format if hasattr(route, "path_format") else route.path


def fill(path, ids):
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    if any(n not in ids for n in names):
        return None
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(ids[m.group(1)]), path)


def walk(client, app, ids, auth):
    seen = {}
    for template in sorted(set(get_routes(app))):
        path = fill(template, ids)
        if path is None or path.startswith("/lang"):
            continue
        headers, cookies = auth
        client.cookies.clear()
        for k, v in cookies.items():
            client.cookies.set(k, v)
        response = client.get(path, headers=headers, follow_redirects=False)
        body = response.content
        if response.headers.get("content-type", "").startswith("text/html"):
            body = re.sub(rb'name="_csrf_token" value="[^"]+"', b"", body)
            body = re.sub(rb' nonce="[^"]+"', b"", body)  # each answer has its own script nonce
        if body.startswith(b"PK"):  # an XLSX carries its creation time: compare the cells
            book = load_workbook(io.BytesIO(body))
            body = repr([[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]).encode()
        seen[path] = (response.status_code, body)
    return seen


def test_nothing_of_a_bid_leaks_before_opening(client, app, session, clock, settings, tmp_path):
    world = build_world(session, clock, settings.storage_dir.parent, contractors=4)
    world.storage = app.state.storage
    tender = world.published_tender()
    lot = tender.lots[0]
    staff = {role: UserFactory(role=role) for role in ("officer", "admin", "evaluator", "inspector", "finance")}
    session.commit()

    def auth(user):
        if user is None:
            return {}, {}
        api = accounts.issue_token(session, clock, user, "api", 3600)
        page = accounts.issue_token(session, clock, user, "session", 3600)
        session.commit()
        return {"Authorization": f"Bearer {api}"}, {"procure_session": page}

    from procure.accounts.models import User

    outsider = session.get(User, world.contractors[3].id)  # a company that does not bid
    viewers = {"public": None, "outsider": outsider} | staff
    ids = {"tender_id": tender.id, "lot_id": lot.id, "site_id": world.site_ids[0], "user_id": staff["officer"].id,
           "contractor_id": world.contractors[0].contractor_id}

    before = {name: walk(client, app, ids, auth(user)) for name, user in viewers.items()}
    assert len(before["officer"]) > 25  # the walk really covers the app

    bids = [world.bid(who, lot.id, price, documents=[clients.plain_document(f"{SECRET_NAME}{i}.pdf", pdf(price).getvalue())])
            for i, (who, price) in enumerate(zip(world.contractors[:3], PRICES))]
    hashes = [b.documents[0].document.sha256 for b in bids] + [hashlib.sha256(pdf(p).getvalue()).hexdigest() for p in PRICES]

    after = {name: walk(client, app, ids, auth(user)) for name, user in viewers.items()}
    for name in viewers:
        for path, (status, body) in after[name].items():
            assert before[name][path] == (status, body), f"{name} GET {path} changed when bids arrived"
            for secret in PRICES + hashes + [SECRET_NAME, "912,345.67"]:
                assert secret.encode() not in body, f"{name} GET {path} shows {secret}"

    # Routes about a bid itself: other people get the same 404 as for a bid that does not exist.
    for name, user in viewers.items():
        headers, _ = auth(user)
        for path in (f"/api/v1/bids/{bids[0].id}/receipt.pdf",
                     f"/api/v1/bids/{bids[0].id}/documents/{bids[0].documents[0].document_id}"):
            response = client.get(path, headers=headers)
            assert response.status_code in (401, 403, 404), (name, path)
            assert SECRET_NAME.encode() not in response.content

    # The bidder sees its own bid.
    own = auth(session.get(User, world.contractors[0].id))
    mine = client.get(f"/api/v1/lots/{lot.id}/bids", headers=own[0]).json()
    assert [(b["id"], b["sealed"], b["price"]) for b in mine] == [(bids[0].id, True, None)]  # sealed to Procure too

    # After the opening, the same walk finds every price.
    clock.now = tender.bid_deadline + timedelta(minutes=2)
    world.open(tender.id)
    opened = walk(client, app, ids, auth(staff["officer"]))
    everything = b"".join(body for _, body in opened.values())
    for price in PRICES:
        assert price.encode() in everything
    public = walk(client, app, ids, auth(None))
    assert PRICES[0].encode() in public[f"/api/v1/tenders/{tender.id}/opening"][1]
