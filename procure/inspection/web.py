"""Template filters for inspections: the four categories (四化) in the reader's language."""

from __future__ import annotations

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from procure.inspection.rules import CATEGORY_TEXT
from procure.kernel.i18n import gettext
from procure.kernel.web import context_locale


@pass_context
def category_name(context: Context, code: str, name: str = "") -> str:
    """A category by its code; a template's own category (not one of the four) keeps its name."""
    text = CATEGORY_TEXT.get(code)
    return gettext(context_locale(context), text) if text else name or code


def install_template_helpers(environment: Environment) -> None:
    environment.filters.update(category_name=category_name)
