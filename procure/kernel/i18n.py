"""UI languages: 简体中文 (default) and English.

Message ids in code and templates are English; ``procure/locale/zh_CN/LC_MESSAGES/messages.po``
holds the Chinese. Catalogues are compiled in memory at start-up from the ``.po`` files, so no
binary ``.mo`` files live in the repository.
"""

from __future__ import annotations

import io
import re
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


_ROW = re.compile(r"\[(\d+)\]")


def field_label(locale: str, field: str) -> str:
    """How a page names a field in its list of problems: the label of the field's last name
    (msgid ``field:<name>``, declared with the domain's input) in the reader's language, with the
    row counted from 1 when the field is in a list ("Ceiling price (row 2)" for
    ``lots[2].ceiling_price``); the field as sent when it has no label. The API keeps the field."""
    rows = _ROW.findall(field)
    key = f"field:{_ROW.sub('', field).rsplit('.', 1)[-1]}"
    label = translations(locale).gettext(key)
    if label == key:
        return field
    return gettext(locale, "{label} (row {row})", label=label, row=rows[-1]) if rows else label


def role_label(locale: str, role: str) -> str:
    """A role's name in the UI language (msgids ``role:<role>``, taken from ``accounts.rules.Role``)."""
    return key_label(locale, "role", role)


def key_label(locale: str, prefix: str, value: str) -> str:
    """A state or kind by its key msgid (``statement:paid``) in the reader's language; the keys are
    extracted from their StrEnums (``i18n_catalog.DYNAMIC_PREFIXES``)."""
    return translations(locale).gettext(f"{prefix}:{value}")
