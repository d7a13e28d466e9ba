"""UI languages: 简体中文 (default) and English.

Message ids in code and templates are English; ``procure/locale/zh_CN/LC_MESSAGES/messages.po``
holds the Chinese. Catalogues are compiled in memory at start-up from the ``.po`` files, so no
binary ``.mo`` files live in the repository.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LOCALES = {"zh_CN": "简体中文", "en": "English"}
LOCALE_COOKIE = "procure_lang"


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def N_(message: str) -> str:  # noqa: N802 — the gettext convention for "translate later"
    """Mark a msgid where it is written; it is translated where it is shown."""
    return message


def gettext(locale: str, message: str, **params: Any) -> str:
    text = translations(locale).gettext(message)
    return text.format(**params) if params else text


def pick_locale(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The cookie wins (the user's explicit choice); then the browser's first known language."""
    if cookie in LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default


def role_label(locale: str, role: str) -> str:
    """A role's name in the UI language (msgids ``role:<role>``, taken from ``accounts.rules.Role``)."""
    return translations(locale).gettext(f"role:{role}")
