"""Template filters for cases and citizen reports: the Open311 services in the reader's language."""

from __future__ import annotations

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from procure.cases.open311 import in_language
from procure.kernel.web import context_locale


@pass_context
def service_text(context: Context, text: str) -> str:
    return in_language(text, context_locale(context))


def install_template_helpers(environment: Environment) -> None:
    environment.filters.update(service_text=service_text)
