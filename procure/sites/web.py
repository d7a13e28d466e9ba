"""Template filters for sites: kinds and grades in the reader's language."""

from __future__ import annotations

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from procure.kernel.web import context_locale
from procure.sites.rules import GRADE_NAMES_ZH, KIND_NAMES_ZH, SiteKind


@pass_context
def kind_name(context: Context, kind: str) -> str:
    if context_locale(context) == "zh_CN":
        try:
            return KIND_NAMES_ZH[SiteKind(kind)]
        except ValueError:
            return kind
    return kind.replace("_", " ")


@pass_context
def grade_name(context: Context, grade: int) -> str:
    return GRADE_NAMES_ZH.get(grade, str(grade)) if context_locale(context) == "zh_CN" else f"Grade {grade}"



def install_template_helpers(environment: Environment) -> None:
    environment.filters.update(kind_name=kind_name, grade_name=grade_name)
    environment.globals["kinds"] = [k.value for k in SiteKind]
