"""The zh_CN catalogue covers every msgid the app uses, keeps placeholders, and has no leftovers.

When one of these fails, run ``python -m procure.i18n_catalog`` (add ``--prune`` to drop unused
msgids), translate the msgids it lists in procure/locale/zh_CN/LC_MESSAGES/messages.po, and rerun.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from procure.kernel.i18n import gettext
from procure.i18n_catalog import Extraction, catalog_msgids, extract, is_translated, load_catalog, placeholders

ROOT = Path(__file__).resolve().parent.parent
FIX = "Run `python -m procure.i18n_catalog` and translate what it lists in procure/locale/zh_CN/LC_MESSAGES/messages.po."


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract(ROOT)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT)


def _listing(msgids: dict[str, list[str]], keys: list[str]) -> str:
    return "\n".join(f"  {k!r}  ({', '.join(msgids.get(k, [])[:3])})" for k in keys)


def test_every_msgid_has_a_chinese_translation(extraction: Extraction, catalog: Catalog) -> None:
    missing = sorted(m for m in extraction.msgids if not is_translated(catalog, m))
    assert not missing, f"{len(missing)} msgid(s) without a zh_CN translation:\n{_listing(extraction.msgids, missing)}\n{FIX}"


def test_translations_keep_their_placeholders(catalog: Catalog) -> None:
    wrong = [
        f"  {m.id!r}: {sorted(placeholders(m.id))} → {m.string!r}: {sorted(placeholders(m.string))}"
        for m in catalog
        if m.id and m.string and placeholders(m.id) != placeholders(m.string)
    ]
    assert not wrong, "translations must keep the msgid's {placeholders} exactly:\n" + "\n".join(wrong)


def test_gettext_uses_the_catalogue() -> None:
    assert gettext("zh_CN", "Log in") == "登录"
    assert gettext("en", "Log in") == "Log in"
    assert gettext("zh_CN", "Welcome, {name}", name="张三") == "欢迎您，张三"


def test_catalogue_has_no_unused_msgids(extraction: Extraction, catalog: Catalog) -> None:
    unused = sorted(catalog_msgids(catalog) - set(extraction.msgids))
    assert not unused, (
        f"{len(unused)} msgid(s) in messages.po are no longer used anywhere:\n"
        + "\n".join(f"  {m!r}" for m in unused)
        + "\nRun `python -m procure.i18n_catalog --prune` to remove them."
    )


def test_template_msgids_are_all_extractable(extraction: Extraction) -> None:
    """``_(variable)`` in a template can only be translated when the extractor knows its values."""
    dynamic = [p for p in extraction.problems if p.startswith("templates/")]
    assert not dynamic, "\n".join(dynamic) + "\nAdd the prefix to DYNAMIC_PREFIXES in procure/i18n_catalog.py."


def test_extraction_finds_each_kind_of_source(extraction: Extraction) -> None:
    where = extraction.msgids
    assert any(w.startswith("templates/home.html:") for w in where["Welcome, {name}"])  # _() with kwargs
    assert {f"role:{r}" for r in ("officer", "contractor", "evaluator", "inspector", "finance", "admin")} <= set(where)
    assert "Wrong username or password." in where  # NotAuthenticated("...")
    assert "Unknown site kind." in where  # {"message": "..."}
    assert "Your role ({role}) may not do this." in where  # gettext(locale, "...")
    assert "Log in first." in where  # gettext(locale, message) with message = ... else "..."
    assert "Not a date; use YYYY-MM-DD." in where  # errs.add(column, "...") in rules.py
    assert "A password needs at least {n} characters." in where  # return "..." in rules.py


def test_every_key_style_msgid_has_an_english_label(catalog: Catalog) -> None:
    """Keys like ``tender:published`` are not English: the English catalogue names each one, so an
    English page never shows a raw key (issue 14)."""
    import re

    from babel.messages.pofile import read_po

    keys = {m.id for m in catalog if isinstance(m.id, str) and re.fullmatch(r"[a-z_]+:[A-Za-z0-9_-]+", m.id)}
    with (ROOT / "procure/locale/en/LC_MESSAGES/messages.po").open("rb") as handle:
        english = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(k for k in keys if not english.get(k))
    assert not missing, f"key msgids without an English label in procure/locale/en: {missing}"
    assert len(keys) > 70


def test_a_field_is_named_by_its_label_on_pages() -> None:
    """Pages name a field of a problem by its label, in the reader's language, the row from 1."""
    from procure.kernel.i18n import field_label

    assert field_label("zh_CN", "monthly_fee_delta") == "月费变动"
    assert field_label("en", "lots[2].ceiling_price") == "Ceiling price (row 2)"
    assert field_label("zh_CN", "findings[3].count") == "次数（第3行）"
    assert field_label("en", "photo_RD-C01") == "photo_RD-C01"  # no label: the field as sent
