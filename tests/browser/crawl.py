"""Crawl a live Procure as one person, in one language, and report what a reader should never see.

Used by ``test_languages.py`` (issue 14): every page reachable by links from the home page, for the
public and for each role, in zh_CN and in English. A page's *visible* text is read with the standard
library's HTML parser (scripts, styles, ``<code>`` and form values are not text a reader reads as
prose); PDFs are read with pypdf.

What counts as a leak:

- a raw message key (``tender:published``, ``role:officer``), in either language;
- a field key (``bid_deadline``, ``lots[1]``, ``photo_GS-C01``) or an item code (``GS-C01``);
- on a Chinese page, English prose: three or more English words in a row;
- on an English page, Chinese in a label the interface writes (a table heading, a form label,
  a button, a term in a list of facts) — Chinese *data* (a site's or a company's name) is fine.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

RAW_KEY = re.compile(r"(?<![\w/.:-])[a-z][a-z_]*:[a-z][A-Za-z0-9_-]*(?![\w/])")
FIELD_KEY = re.compile(r"(?<![\w/.-])(?:[a-z]+_[a-z_]+(?:\[\d+\])?|[a-z]+\[\d+\](?:\.[a-z_]+)?)(?![\w/.-])")
ITEM_CODE = re.compile(r"(?<![\w-])[A-Z]{2}-[A-Z]\d{2}(?![\w-])")
ENGLISH_PROSE = re.compile(r"[A-Za-z][a-z']+(?:[ ,]+[A-Za-z][a-z']+){2,}")
HAN = re.compile(r"[\u4e00-\u9fff]")
#: A Chinese term glossed in brackets after its English ("Opening officials (开标)") is deliberate.
GLOSS = re.compile(r"\s*[(（][^()（）]*[\u4e00-\u9fff][^()（）]*[)）]")
#: English that belongs on a Chinese page: names of standards, formats and products.
ENGLISH_ALLOWED = ("Open Contracting Data Standard", "Open311 GeoReport", "Procure")
#: Elements whose text the interface itself writes (labels), as opposed to data it shows.
LABEL_TAGS = {"th", "button", "dt", "legend", "summary"}
SKIP_TAGS = {"script", "style", "code", "pre", "textarea", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Pages a crawl must not follow: they change state, stream large files, repeat another page, or are
#: people's own files (a bidder's documents, photos), which are in whatever language they wrote.
NOT_FOLLOWED = re.compile(r"^/(logout|lang/|static/|api/|open311/|ocds/|data/|favicon|documents/)|^/bids/\d+/documents/"
                          r"|\.(csv|json|zip|geojson|png|jpg|xlsx)$")


@dataclass
class Text:
    """The visible text of a page: each run of text with whether it sits in a label."""

    runs: list[tuple[str, bool]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @property
    def all(self) -> str:
        return "\n".join(text for text, _ in self.runs)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = Text()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.text.links.append(href)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text or any(t in SKIP_TAGS for t in self.stack):
            return
        self.text.runs.append((text, bool(self.stack) and self.stack[-1] in LABEL_TAGS))


def read_html(html: str) -> Text:
    reader = _Reader()
    reader.feed(html)
    return reader.text


def read_pdf(data: bytes) -> Text:
    from pypdf import PdfReader  # only the PDF pages need it

    text = Text()
    for page in PdfReader(io.BytesIO(data)).pages:
        for line in (page.extract_text() or "").splitlines():
            if line.strip():
                text.runs.append((line.strip(), False))
    return text


def leaks(text: Text, locale: str, chinese_labels: frozenset[str] = frozenset()) -> list[str]:
    """What a reader of ``locale`` should not see on a page with this text. ``chinese_labels``
    are the zh_CN catalogue's translations: on an English page, one of them is the interface
    speaking Chinese, where a site's Chinese name is only data."""
    found: list[str] = []
    for run, is_label in text.runs:
        found += [f"raw key {m!r}" for m in RAW_KEY.findall(run) if not m.startswith(("http:", "https:", "mailto:"))]
        found += [f"field key {m!r}" for m in FIELD_KEY.findall(run)]
        found += [f"item code {m!r}" for m in ITEM_CODE.findall(run)]
        if locale == "zh_CN":
            cleaned = run
            for allowed in ENGLISH_ALLOWED:
                cleaned = cleaned.replace(allowed, "")
            found += [f"English {m!r}" for m in ENGLISH_PROSE.findall(cleaned)]
        elif HAN.search(run := GLOSS.sub("", run)) and (is_label or _bare(run) in chinese_labels
                                  or any(label in run for label in chinese_labels if len(label) >= 6)):
            found.append(f"Chinese {run[:40]!r}")
    return found


def _bare(run: str) -> str:
    return run.strip(" ‹›：:*·()（）")


def pattern(path: str) -> str:
    """The page's kind: ids and months replaced, so a crawl reads one page of each kind."""
    return re.sub(r"\d+", "N", path)


@dataclass
class Finding:
    path: str
    leaks: list[str]


@dataclass
class Crawl:
    pages: int = 0
    pdfs: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{f.path}: {', '.join(sorted(set(f.leaks))[:8])}" for f in self.findings]
        return "\n".join(self.errors + lines)


def crawl(client: httpx.Client, locale: str, start: Iterable[str] = ("/",), per_kind: int = 1,
          limit: int = 400, chinese_labels: frozenset[str] = frozenset(), pdfs: bool | re.Pattern[str] = True) -> Crawl:
    """Follow links from ``start`` breadth first; read ``per_kind`` pages of each kind (and the
    PDFs they link to: all, none, or those whose path ``pdfs`` matches)."""
    result = Crawl()
    queue = list(start)
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    while queue and result.pages + result.pdfs < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if urlsplit(path).path.endswith(".pdf") and (pdfs is False or (isinstance(pdfs, re.Pattern)
                                                                        and not pdfs.search(urlsplit(path).path))):
            continue
        kind = pattern(urlsplit(path).path) + ("?" if urlsplit(path).query else "")
        if kinds.get(kind, 0) >= per_kind:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        response = client.get(path, follow_redirects=True)
        if response.status_code >= 500:
            result.errors.append(f"{path}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        content_type = response.headers.get("content-type", "")
        if content_type.startswith("application/pdf"):
            result.pdfs += 1
            text = read_pdf(response.content)
        elif content_type.startswith("text/html"):
            result.pages += 1
            text = read_html(response.text)
        else:
            continue
        found = leaks(text, locale, chinese_labels)
        if found:
            result.findings.append(Finding(path, found))
        for href in text.links:
            url = urlsplit(urljoin(str(response.url), href))
            if url.netloc and url.netloc != urlsplit(str(client.base_url)).netloc:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if not NOT_FOLLOWED.search(url.path) and target not in seen:
                queue.append(target)
    return result
