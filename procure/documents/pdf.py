"""PDF rendering with WeasyPrint: notices, opening records and award letters the bureau prints.

One long-lived ``PdfRenderer`` per process keeps the font configuration and image cache warm,
refuses every resource that is not a local file or inline data (a remote or missing image
must fail a test, not vanish from a published notice), and caches finished PDFs by the hash of
their HTML, since the same notice is downloaded many times. See STYLE.md "WeasyPrint".
"""

from __future__ import annotations

from decimal import Decimal

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import anyio.to_thread
import weasyprint
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from procure.kernel.db import rendering
from procure.kernel.clock import BUREAU_TZ
from procure.kernel.i18n import gettext
from procure.kernel.money import chinese_capitals, format_amount


class PdfResourceError(Exception):
    """A template referred to a resource the renderer may not or cannot load."""


money = format_amount  # the PDF templates' filter


def capitals(value: Decimal | None) -> str:
    """The PDF templates' 大写 filter (a dash for no amount)."""
    return "—" if value is None else chinese_capitals(value)


def dt(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        # A naive time has no place in a signed notice: which zone would it be in?
        raise ValueError("dt needs an aware datetime")
    return value.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M")


@pass_context
def _pdf_gettext(context: Context, message: str, **params: Any) -> str:
    return gettext(context.get("locale") or "zh_CN", message, **params)


class _LocalOnlyFetcher(URLFetcher):
    """Fetches ``data:`` URLs and ``file:`` URLs inside the allowed folders; nothing else."""

    def __init__(self, roots: Iterable[Path]) -> None:
        # fail_on_errors turns any refusal into FatalURLFetchingError, which stops the render
        # instead of WeasyPrint logging a warning and leaving a hole in the page.
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self._roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: Any = None) -> Any:  # Any: WeasyPrint's own (untyped) signature
        parts = urlsplit(url)
        if parts.scheme.lower() == "file":
            # Templates are trusted, but a context value could end up in an href or src;
            # confining file: URLs keeps /etc or the blob store out of a printed document.
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise PermissionError(f"file outside the allowed folders: {path}")
        return super().fetch(url, headers)


class PdfRenderer:
    def __init__(self, templates_dir: Path, cache_dir: Path | None = None, *,
                 file_roots: Iterable[Path] = ()) -> None:
        self.templates_dir = Path(templates_dir).resolve()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.environment = Environment(loader=FileSystemLoader(self.templates_dir), autoescape=True)
        self.environment.filters.update(money=money, dt=dt, capitals=capitals)
        # A document prints in the language its context names (``locale``, 简体中文 by default): the
        # same catalogue as the pages. Documents of record not yet translated stay in Chinese.
        self.environment.globals["_"] = self.environment.globals["translate"] = _pdf_gettext
        self.font_config = FontConfiguration()
        self._url_fetcher = _LocalOnlyFetcher([self.templates_dir, *map(Path, file_roots)])
        self._base_url = self.templates_dir.as_uri() + "/"
        self._image_cache: dict[str, Any] = {}  # WeasyPrint's image objects (an untyped library)
        # The font configuration and image cache are shared; WeasyPrint does not promise they
        # are thread-safe, and a bureau prints few enough PDFs that one at a time is plenty.
        self._lock = threading.Lock()

    def render(self, template: str, context: dict[str, Any]) -> bytes:
        with rendering(template):
            html = self.environment.get_template(template).render(context)
        cached = self._cache_path(html)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        pdf = self._write_pdf(html)
        if cached is not None:
            _write_atomically(cached, pdf)
        return pdf

    async def render_async(self, template: str, context: dict) -> bytes:
        return await anyio.to_thread.run_sync(self.render, template, context)

    def _write_pdf(self, html: str) -> bytes:
        document = weasyprint.HTML(string=html, base_url=self._base_url, url_fetcher=self._url_fetcher)
        with self._lock:
            try:
                return document.write_pdf(font_config=self.font_config, cache=self._image_cache)
            except FatalURLFetchingError as exc:
                # FatalURLFetchingError is a BaseException; callers expect an ordinary error.
                raise PdfResourceError(f"{exc} ({exc.__cause__})") from exc

    def _cache_path(self, html: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{hashlib.sha256(html.encode('utf-8')).hexdigest()}.pdf"


def _write_atomically(path: Path, data: bytes) -> None:
    # Two workers may render the same notice at once; a reader must never see half a file.
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".pdf-", delete=False)
    try:
        with handle:
            handle.write(data)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
