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
    ("Invalid RFC3339 encoded date", N_("Not a date; use YYYY-MM-DD.")),
    ("Expected `date", N_("Not a date; use YYYY-MM-DD.")),
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


def named_in(text: str, path: str) -> str:
    """The path of the field a message is about: msgspec names a missing or unknown field in the
    message ("Object contains unknown field `amount`"), not in the path of its object."""
    named = re.search(r"(?:required|unknown) field `([^`]+)`", text)
    return f"{path}.{named.group(1)}" if named else path


def _invalid(error: msgspec.ValidationError) -> InvalidInput:
    found = _PATH.match(str(error))
    text = found.group("message") if found else str(error)
    path = (found.group("path") or "") if found else ""
    message, params = described(text)
    entry: dict[str, Any] = {"field": field_of(named_in(text, path)) or "body", "message": message}
    return InvalidInput("The input has errors.", errors=[entry | {"params": params} if params else entry])


def described(text: str) -> tuple[str, dict[str, str]]:
    """msgspec's message (from ``convert`` or Litestar's decoding) as the bureau's msgid and its
    parameters: "Expected `int` >= 1" is "Must be at least {lower}.", lower 1."""
    bound = _BOUND.search(text)
    if bound:
        if bound.group("op") == ">=":
            return N_("Must be at least {lower}."), {"lower": bound.group("value")}
        return N_("Must be at most {upper}."), {"upper": bound.group("value")}
    return next((ours for start, ours in _MESSAGES if text.startswith(start)), N_("Not valid.")), {}


def _numeric(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, (msgspec.inspect.DecimalType, msgspec.inspect.IntType, msgspec.inspect.FloatType)):
        return True
    return isinstance(info, msgspec.inspect.UnionType) and any(_numeric(t) for t in info.types)


def _inner(info: msgspec.inspect.Type, kind: type) -> Any:
    """The struct or list type inside ``info`` (through ``X | None``), if any."""
    if isinstance(info, kind):
        return info
    if isinstance(info, msgspec.inspect.UnionType):
        return next((t for t in info.types if isinstance(t, kind)), None)
    return None


def _prepared(value: Any, info: msgspec.inspect.Type) -> Any:
    """Ready a value for conversion, led by the input's own types: in an object, an empty or null
    field is "not given" (its default); in a number field, thousands separators are dropped. Text
    fields are left exactly as typed (a title "2,026" stays "2,026")."""
    struct = _inner(info, msgspec.inspect.StructType)
    if struct is not None and isinstance(value, Mapping):
        fields = {f.encode_name: f.type for f in struct.fields}
        return {k: _prepared(v, fields[k]) if k in fields else v for k, v in value.items()
                if not (v is None or (isinstance(v, str) and v.strip() == ""))}
    listed = _inner(info, msgspec.inspect.ListType)
    if listed is not None and isinstance(value, (list, tuple)):
        return [_prepared(v, listed.item_type) for v in value]
    if isinstance(value, str) and _numeric(info) and _GROUPED_NUMBER.fullmatch(value):
        return value.strip().replace(",", "").replace("，", "")
    return value


def typed(into: type[S], given: S | Mapping[str, Any]) -> S:
    """A service's input as given: the Struct itself (the API), or a mapping (a page form) converted
    with ``convert``'s errors."""
    return convert(into, given) if isinstance(given, Mapping) else given  # a Struct is no Mapping


def sent(change: msgspec.Struct) -> dict[str, Any]:
    """The fields of a partial change (a PATCH Struct whose fields default to ``msgspec.UNSET``)
    that were sent, by name."""
    return {f: v for f in change.__struct_fields__ if (v := getattr(change, f)) is not msgspec.UNSET}


def convert(into: type[S], data: Mapping[str, Any]) -> S:
    """A page form (already gathered into the input's shape), or stored values merged with a
    change someone sent, as the typed input: an empty field means "not given" (the struct's
    default), numbers may carry thousands separators, text converts to numbers
    (``strict=False``). ``InvalidInput`` naming the field otherwise."""
    try:
        return msgspec.convert(_prepared(dict(data), msgspec.inspect.type_info(into)), into, strict=False)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from None
