"""Every page reachable by links, for the public and each role, in 简体中文 and in English: no raw
key, field key or item code, no English prose on a Chinese page, no interface Chinese on an
English page (issue 14). Chinese PDFs are read too: they must not leak a key or English either.

The crawl reads one page of each kind (ids replaced), over the demo district the live server
serves, with plain HTTP: what it checks is the text the server writes.
"""

from __future__ import annotations

import re

import httpx
import pytest
from babel.messages.pofile import read_po

from procure.kernel.i18n import LOCALE_DIR
from tests.browser.crawl import Crawl, crawl

pytestmark = pytest.mark.browser

#: Who walks the site, with the demo's logins (fixtures/users.csv).
PEOPLE = {"public": None, "officer": "officer-demo", "contractor": "contractor-demo", "evaluator": "evaluator-demo",
          "inspector": "inspector-demo", "finance": "finance-demo", "admin": "admin-demo-2026"}


def _chinese_labels() -> frozenset[str]:
    with (LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return frozenset(m.string.strip() for m in read_po(handle) if m.id and isinstance(m.string, str)
                         and "{" not in m.string and len(m.string.strip()) >= 2)


def walk(base: str, who: str, locale: str) -> Crawl:
    with httpx.Client(base_url=base, cookies={"procure_lang": locale}, timeout=120) as client:
        if PEOPLE[who]:
            form = client.get("/login").text
            token = re.search(r'name="_csrf_token" value="([^"]+)"', form)
            assert token, "the login form has no CSRF field"
            answer = client.post("/login", data={"username": who, "password": PEOPLE[who],
                                                 "_csrf_token": token.group(1)})
            assert answer.status_code in (200, 302, 303) and "procure_session" in str(client.cookies), who
        # Names are data even where the catalogue has them too: the signed-in person's own (系统管理员
        # reads like a role) and the bureau's official name, open data's publisher.
        names = frozenset({"杭州市余杭区城市管理局"} | ({"系统管理员"} if who == "admin" else set()))
        return crawl(client, locale, per_kind=3, chinese_labels=_chinese_labels() - names,
                     pdfs=True)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("who", list(PEOPLE))
def test_every_page_speaks_the_readers_language(live_server: str, who: str, locale: str) -> None:
    result = walk(live_server, who, locale)
    print(f"\n{who} {locale}: {result.pages} pages, {result.pdfs} PDFs, "
          f"{sum(len(f.leaks) for f in result.findings)} leaks")
    assert result.pages >= (10 if who in ("public", "evaluator") else 15), f"the crawl found too little: {result.pages}"
    assert not result.errors and not result.findings, result.report()
    if who in ("officer", "finance"):
        assert result.pdfs >= 2, "the crawl read no PDF"


def test_the_crawler_sees_what_it_must() -> None:
    """The checks themselves: each kind of leak is found, and data is not mistaken for one."""
    from tests.browser.crawl import leaks, read_html

    page = read_html("<h1>Tender</h1><p>State: tender:published · lots[1] · bid_deadline · GS-C01</p>"
                     "<th>养护单位</th><p>云会街头绿地</p><code>per_page=</code>"
                     "<label>Opening officials (开标)</label><script>var a = 'role:officer';</script>")
    found = leaks(page, "en", frozenset({"养护单位"}))
    assert "raw key 'tender:published'" in found
    assert "field key 'lots[1]'" in found and "field key 'bid_deadline'" in found
    assert "item code 'GS-C01'" in found
    assert "Chinese '养护单位'" in found
    assert not [f for f in found if "云会" in f or "per_page" in f or "开标" in f or "role:officer" in f]
    chinese = read_html("<p>招标公告 The tender cannot be published</p><p>Open Contracting Data Standard 1.1</p>")
    assert leaks(chinese, "zh_CN") == ["English 'The tender cannot be published'"]


def _token(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_refusals_speak_the_readers_language(live_server: str, locale: str) -> None:
    """Forms refused for the reasons people really meet: what the page says back is in the reader's
    language too (the crawl only follows links, so it never sees these)."""
    from tests.browser.crawl import leaks, read_html

    labels = _chinese_labels() - {"杭州市余杭区城市管理局"}
    refused: dict[str, str] = {}
    with httpx.Client(base_url=live_server, cookies={"procure_lang": locale}, timeout=120) as public:
        answer = public.post("/register", data={"username": "x1", "password": "short", "company_name": "测试",
                                                "uscc": "91330110MA2H3K5P1Y", "_csrf_token": _token(public, "/register")})
        assert answer.status_code == 400
        refused["registration"] = answer.text
        answer = public.post("/public/report", data={"service_code": "litter", "description": "x",
                                                     "_csrf_token": _token(public, "/public/report")})
        assert answer.status_code == 400
        refused["citizen report"] = answer.text
        answer = public.post("/public/report", data={"service_code": "litter", "description": "x", "address_string": "良睦路",
                                                     "_csrf_token": _token(public, "/public/report")},
                             files={"photo": ("a.jpg", b"not a photo", "image/jpeg")})
        assert answer.status_code == 400
        refused["citizen report's photo"] = answer.text
    with httpx.Client(base_url=live_server, cookies={"procure_lang": locale}, timeout=120) as officer:
        officer.post("/login", data={"username": "officer", "password": "officer-demo",
                                     "_csrf_token": _token(officer, "/login")})
        contract = re.search(r'href="/contracts/(\d+)"', officer.get("/contracts").text).group(1)
        answer = officer.post(f"/contracts/{contract}/variations", data={
            "kind": "add_site", "site_id": "1", "effective_date": "2026-12-20", "monthly_fee_delta": "9000000",
            "reason": "x", "_csrf_token": _token(officer, f"/contracts/{contract}")})
        assert answer.status_code == 400
        refused["variation over 10%"] = answer.text
        answer = officer.post("/tenders/new", data={"title": "", "bid_deadline": "2020-01-01T09:00",
                                                    "_csrf_token": _token(officer, "/tenders/new")})
        assert answer.status_code == 400
        refused["tender form"] = answer.text
    found = {what: leaks(read_html(page), locale, labels) for what, page in refused.items()}
    assert not any(found.values()), found
