"""Typed inputs: the same ``msgspec.Struct`` for a JSON body and for a page form.

A domain declares each input once (``<domain>/schemas.py``: ``Decimal``, ``int``, ``list[int]``
fields). The API receives it decoded by Litestar; a page form, or a partial change merged into
stored values, goes through ``convert`` here. Either way a value of the wrong type
becomes the same ``InvalidInput`` (400, or the form shown again) naming the field as the API
names it — ``lots[1].ceiling_price``, counted from 1 as people count rows — in the reader's
language. Range checks (a column's precision, 1–120 months) stay with the domain's parser, on
values that already have their types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from procure.kernel.errors import InvalidInput
from procure.kernel.i18n import N_

S = TypeVar("S", bound=msgspec.Struct)

#: A number someone typed with thousands separators (1,000,000.00 or 1，000): separators dropped.
_GROUPED_NUMBER = re.compile(r"\s*[+-]?[0-9][0-9,，]*(\.[0-9]*)?\s*")

#: msgspec's messages → the bureau's (msgids in procure/locale), by the start of the message.
_MESSAGES = (
    ("Invalid decimal", N_("Not a number.")),
    ("Expected `int", N_("A whole number is required.")),
    ("Expected `decimal", N_("Not a number.")),
    ("Expected `array`", N_("A list is required.")),
    ("Expected `object`", N_("An object is required.")),
    ("Expected `str", N_("Text is required.")),
    ("Object missing required field", N_("Required.")),
    ("Object contains unknown field", N_("Unknown field.")),
)

_BOUND = re.compile(r"^Expected `\w+` (?P<op>>=|<=) (?P<value>\S+)")
_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def field_of(path: str) -> str:
    """msgspec's ``.lots[0].site_ids[2]`` → ``lots[1].site_ids``: rows counted from 1, and a
    list of plain values named as the whole field (the form has one field for it)."""
    path = re.sub(r"\[(\d+)\]$", "", path.lstrip("."))
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + 1}]", path)


def _invalid(error: msgspec.ValidationError) -> InvalidInput:
    found = _PATH.match(str(error))
    text = found.group("message") if found else str(error)
    path = (found.group("path") or "") if found else ""
    missing = re.search(r"required field `([^`]+)`", text)
    if missing:
        path = f"{path}.{missing.group(1)}"
    field = field_of(path) or "body"
    bound = _BOUND.search(text)
    if bound:
        at_least = bound.group("op") == ">="
        key = "lower" if at_least else "upper"
        message = N_("Must be at least {lower}.") if at_least else N_("Must be at most {upper}.")
        return InvalidInput("The input has errors.", errors=[{"field": field, "message": message,
                                                               "params": {key: bound.group("value")}}])
    message = next((ours for start, ours in _MESSAGES if text.startswith(start)), N_("Not valid."))
    return InvalidInput("The input has errors.", errors=[{"field": field, "message": message}])


def _form_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _form_value(v) for k, v in value.items() if not (isinstance(v, str) and v.strip() == "")}
    if isinstance(value, list):
        return [_form_value(v) for v in value]
    if isinstance(value, str) and _GROUPED_NUMBER.fullmatch(value):
        return value.strip().replace(",", "").replace("，", "")
    return value


def convert(into: type[S], data: Mapping[str, Any]) -> S:
    """A page form (already gathered into the input's shape), or stored values merged with a
    change someone sent, as the typed input: an empty field means "not given" (the struct's
    default), numbers may carry thousands separators, text converts to numbers
    (``strict=False``). ``InvalidInput`` naming the field otherwise."""
    try:
        return msgspec.convert(_form_value(dict(data)), into, strict=False)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from None
