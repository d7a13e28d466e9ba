"""The audit viewer (issue 14): filters by object, actor, action and date; one entry's
before → after; the filtered trail exported as CSV in the reader's language."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from procure.audit import rules
from procure.audit import services as audit
from procure.audit.services import Actor, AuditFilter
from procure.kernel.clock import FrozenClock, local_date
from procure.kernel.pagination import PageRequest
from tests.factories import UserFactory


def _trail(session, clock):
    alice, bob = Actor(None, "alice"), Actor(None, "bob")
    audit.record(session, clock, alice, "site.create", "site", 1, None, {"name": "仓前公园", "area_m2": "1000"})
    audit.record(session, clock, bob, "site.update", "site", 1, {"name": "仓前公园", "area_m2": "1000"},
                 {"name": "仓前公园（一期）", "area_m2": "1000"})
    later = FrozenClock(clock() + timedelta(days=3))
    audit.record(session, later, bob, "tender.publish", "tender", 7, {"state": "draft"}, {"state": "published"})
    audit.record(session, later, Actor(None, "=HYPERLINK(\"x\")"), "user.update", "user", 2, None, {"note": "-1+1"})
    session.commit()
    return later


def test_filters_narrow_the_trail(session, clock):
    later = _trail(session, clock)
    everything = audit.list_entries(session, PageRequest(1, 50))
    assert everything.total == 4
    site_1 = audit.list_entries(session, PageRequest(1, 50), AuditFilter(entity="site", entity_id="1"))
    assert [e.action for e in site_1.items] == ["site.update", "site.create"]  # newest first
    by_bob = audit.list_entries(session, PageRequest(1, 50), AuditFilter(actor="BO"))
    assert {e.action for e in by_bob.items} == {"site.update", "tender.publish"}
    percent = audit.list_entries(session, PageRequest(1, 50), AuditFilter(actor="%"))
    assert percent.total == 0  # a wildcard typed by a person is a character, not "anything"
    day = local_date(later())
    since = audit.list_entries(session, PageRequest(1, 50), AuditFilter(since=day, until=day))
    assert {e.action for e in since.items} == {"tender.publish", "user.update"}
    before = audit.list_entries(session, PageRequest(1, 50), AuditFilter(until=day - timedelta(days=1)))
    assert before.total == 2
    assert AuditFilter(entity="site", since=day).query() == f"entity=site&since={day.isoformat()}"


def test_before_and_after_lists_what_changed():
    assert rules.changes({"name": "a", "area": "1"}, {"name": "b", "area": "1"}) == [("name", "a", "b")]
    assert rules.changes(None, {"state": "published"}) == [("state", None, "published")]
    assert rules.changes({"state": "draft"}, None) == [("state", "draft", None)]


def test_the_viewer_pages_in_both_languages(client, page_login, session, clock):
    _trail(session, clock)
    admin = UserFactory(role="admin")
    session.commit()
    page_login(client, admin.username)
    listed = client.get("/admin/audit?entity=site&entity_id=1")
    assert listed.status_code == 200
    table = listed.text.split('id="audit"')[1]
    assert "修改养护对象" in table and "新增养护对象" in table and "发布招标公告" not in table
    assert "site.update" not in table  # by name, not by code
    entry = next(e for e in audit.list_entries(session, PageRequest(1, 10)).items if e.action == "site.update")
    client.cookies.set("procure_lang", "en")
    shown = client.get(f"/admin/audit/{entry.id}")
    assert shown.status_code == 200 and "Site changed" in shown.text and "Before → after" in shown.text
    assert "仓前公园（一期）" in shown.text and "1000" not in shown.text.split('id="changes"')[1]  # unchanged: left out
    assert client.get("/admin/audit?since=2026-13-01").status_code == 400
    assert client.get("/admin/audit/999999").status_code == 404


def test_the_export_is_the_filtered_trail_and_runs_no_formula(client, page_login, session, clock):
    _trail(session, clock)
    admin = UserFactory(role="admin")
    session.commit()
    page_login(client, admin.username)
    client.cookies.set("procure_lang", "en")
    exported = client.get("/admin/audit/export.csv?entity=user")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["#", "Time", "Who", "Action"]
    users = [r for r in rows[1:] if r[3] == "user.update"]
    assert len(users) == 1 and users[0][2] == "'=HYPERLINK(\"x\")" and users[0][4] == "User changed"
    everything = list(csv.reader(io.StringIO(client.get("/admin/audit/export.csv").content.decode("utf-8-sig"))))
    assert [r[3] for r in everything[1:]][:2] == ["site.create", "site.update"]  # oldest first, as the chain runs
    finance = UserFactory(role="finance")
    session.commit()
    page_login(client, finance.username)
    assert client.get("/admin/audit/export.csv").status_code == 403
