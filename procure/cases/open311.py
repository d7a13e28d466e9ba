"""Open311 GeoReport v2 for citizen reports: the service list and request routing. Pure."""

from __future__ import annotations

import re

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


#: GeoReport v2 attribute datatypes (wiki.open311.org/GeoReport_v2#GET_Service_Definition).
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


@dataclass(frozen=True)
class Attribute:
    """A question a service asks beyond the description (GET Service Definition)."""

    code: str
    datatype: str
    required: bool
    description: str
    order: int
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the list datatypes
    datatype_description: str = ""


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    group: str
    category: str          # the 四化 category it concerns
    limit_hours: int       # the rectification limit once an inspector verifies it
    attributes: tuple[Attribute, ...] = ()

    @property
    def metadata(self) -> bool:
        """GeoReport's flag: a client must fetch the service definition and ask its questions."""
        return bool(self.attributes)


SERVICES = (
    Service("litter", "暴露垃圾", "路面、绿地、广场上的垃圾、积存渣土", "洁化", "clean", 24),
    Service("overflowing_bin", "果皮箱满溢", "果皮箱、垃圾桶满溢或破损", "洁化", "clean", 12),
    Service("river_floating", "河道漂浮物", "河面漂浮垃圾、水草", "洁化", "clean", 24),
    Service("greenery_damage", "绿化损坏", "树木倒伏、缺株、黄土裸露、病虫害", "绿化", "green", 72),
    Service("road_damage", "道路破损", "路面坑洼、人行道板松动破损", "序化", "order", 72),
    Service("facility_damage", "设施损坏", "护栏、座椅、标识牌、井盖等损坏缺失", "序化", "order", 48, attributes=(
        Attribute("facility", "singlevaluelist", True, "哪一种设施？", 1,
                  (("railing", "护栏"), ("bench", "座椅"), ("sign", "标识牌"), ("manhole", "井盖"), ("other", "其他"))),
        Attribute("hazard", "singlevaluelist", False, "是否危及行人或车辆安全？", 2, (("yes", "是"), ("no", "否"))),
    )),
    Service("street_light", "路灯不亮", "路灯、景观灯不亮或灯杆损坏", "亮化", "light", 48, attributes=(
        Attribute("pole_number", "string", False, "灯杆编号（杆身上的铭牌）", 1,
                  datatype_description="例如 YH-0231"),
        Attribute("lights_out", "number", False, "有几盏灯不亮？", 2),
    )),
)
BY_CODE = {s.code: s for s in SERVICES}

#: The services' texts in English for English pages. GeoReport clients get the bureau's Chinese,
#: as the standard's service list is the jurisdiction's own words.
ENGLISH = {
    "暴露垃圾": "Litter", "路面、绿地、广场上的垃圾、积存渣土": "Litter or dumped soil on a road, green space or square",
    "果皮箱满溢": "Overflowing litter bin", "果皮箱、垃圾桶满溢或破损": "A litter bin overflowing or broken",
    "河道漂浮物": "Rubbish floating on a river", "河面漂浮垃圾、水草": "Floating rubbish or weed on a river",
    "绿化损坏": "Damaged greenery", "树木倒伏、缺株、黄土裸露、病虫害": "Fallen or missing trees, bare soil, pests",
    "道路破损": "Damaged road or pavement", "路面坑洼、人行道板松动破损": "Potholes, loose or broken paving",
    "设施损坏": "Damaged facility", "护栏、座椅、标识牌、井盖等损坏缺失": "A railing, bench, sign or manhole cover damaged or missing",
    "路灯不亮": "Street light out", "路灯、景观灯不亮或灯杆损坏": "A street or feature light out, or its pole damaged",
    "哪一种设施？": "Which facility?", "护栏": "Railing", "座椅": "Bench", "标识牌": "Sign", "井盖": "Manhole cover",
    "其他": "Other", "是否危及行人或车辆安全？": "Does it endanger pedestrians or vehicles?", "是": "Yes", "否": "No",
    "灯杆编号（杆身上的铭牌）": "Pole number (on the plate on the pole)", "例如 YH-0231": "e.g. YH-0231",
    "有几盏灯不亮？": "How many lights are out?",
    "洁化": "Cleanliness", "绿化": "Greenery", "序化": "Order", "亮化": "Lighting",
}


def in_language(text: str, locale: str) -> str:
    """A service's text (name, description, question, answer) in the reader's language."""
    return ENGLISH.get(text, text) if locale == "en" else text

#: The longest answer kept for one attribute (a pole number, a count; the description is the free text).
MAX_ATTRIBUTE_CHARS = 200


def service_entry(service: Service) -> dict[str, object]:
    """One service of GET Service List."""
    return {"service_code": service.code, "service_name": service.name, "description": service.description,
            "metadata": service.metadata, "type": "realtime", "keywords": service.category, "group": service.group}


def service_definition(service: Service) -> dict[str, object]:
    """GET Service Definition: the service's attributes, in their order."""
    return {"service_code": service.code, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description or None, "order": a.order, "description": a.description,
         **({"values": [{"key": k, "name": n} for k, n in a.values]} if a.values else {})}
        for a in sorted(service.attributes, key=lambda a: a.order)]}


def attribute_answers(service: Service, sent: dict[str, list[str]]) -> dict[str, str | list[str]]:
    """The answers to a service's attributes from ``attribute[code]`` (``[]`` for a multivaluelist),
    checked against its definition. Raises ``ValueError`` naming the first problem."""
    # An empty field of another service's question (a form that shows every question) is no answer.
    unknown = sorted(code for code, values in sent.items()
                     if code not in {a.code for a in service.attributes} and any(v.strip() for v in values))
    if unknown:
        raise ValueError(f"attribute[{unknown[0]}] is not an attribute of service {service.code}")
    answers: dict[str, str | list[str]] = {}
    for a in service.attributes:
        values = [v.strip() for v in sent.get(a.code, []) if v.strip()]
        if not values:
            if a.required:
                raise ValueError(f"attribute[{a.code}] is required")
            continue
        if any(len(v) > MAX_ATTRIBUTE_CHARS for v in values):
            raise ValueError(f"attribute[{a.code}] is longer than {MAX_ATTRIBUTE_CHARS} characters")
        if a.datatype != "multivaluelist" and len(values) > 1:
            raise ValueError(f"attribute[{a.code}] takes one value")
        if a.values and any(v not in dict(a.values) for v in values):
            raise ValueError(f"attribute[{a.code}] must be one of: {', '.join(k for k, _ in a.values)}")
        if a.datatype == "number" and not _is_number(values[0]):
            raise ValueError(f"attribute[{a.code}] is not a number")
        answers[a.code] = values if a.datatype == "multivaluelist" else values[0]
    return answers


def answers_in_words(service_code: str, answers: dict[str, object]) -> list[tuple[str, str]]:
    """(question, answer) in the bureau's words, for the inspector who verifies the report."""
    service = BY_CODE.get(service_code)
    if service is None:
        return [(code, str(value)) for code, value in answers.items()]
    out = []
    for a in service.attributes:
        if a.code in answers:
            given = answers[a.code]
            values = [str(v) for v in given] if isinstance(given, list) else [str(given)]
            names = dict(a.values)
            out.append((a.description, "、".join(names.get(v, v) for v in values)))
    return out


def sent_attributes(form: dict[str, object]) -> dict[str, list[str]]:
    """The ``attribute[code]`` (or ``attribute[code][]``) fields of a POST, by code."""
    sent: dict[str, list[str]] = {}
    for key, value in form.items():
        if key.startswith("attribute[") and key.endswith("]"):
            code = key[len("attribute["):].removesuffix("[]").removesuffix("]")
            values = value if isinstance(value, list) else [value]
            sent.setdefault(code, []).extend(str(v) for v in values)
    return sent


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:
        return False
#: A report this close to a site's recorded point is routed to it.
ROUTING_RADIUS_M = 300


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class SitePoint:
    id: int
    name: str
    lat: Decimal | None
    lon: Decimal | None


def route(sites: Iterable[SitePoint], lat: Decimal | None, lon: Decimal | None, text: str) -> int | None:
    """The site a report concerns: the nearest within the radius, else one named in the text."""
    candidates = list(sites)
    if lat is not None and lon is not None:
        near = [(distance_m(float(lat), float(lon), float(s.lat), float(s.lon)), s.id)
                for s in candidates if s.lat is not None and s.lon is not None]
        near = [n for n in near if n[0] <= ROUTING_RADIUS_M]
        if near:
            return min(near)[1]
    named = [s for s in candidates if s.name and s.name in text]
    if named:
        return max(named, key=lambda s: len(s.name)).id  # the most specific name wins
    return None


# --- the XML form (GeoReport v2's default format) ---------------------------------------------

#: The element of each member of a list, by the list's element (GeoReport v2's examples).
XML_MEMBERS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
               "errors": "error"}


#: Characters XML 1.0 does not allow (C0 controls but tab, newline and carriage return).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def to_xml(root: str, payload: list[dict[str, object]] | dict[str, object]) -> bytes:
    """``payload`` as GeoReport v2 XML: a list becomes ``<root><member>…</member>…</root>``
    (``XML_MEMBERS``), a mapping ``<root><field>…</field>…</root>``; true/false in lower case and
    an empty element for a missing value, as the spec's examples write them."""
    from xml.etree.ElementTree import Element, SubElement, tostring  # building, never parsing, XML

    def fill(element: Element, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                fill(SubElement(element, key), inner)
        elif isinstance(value, list):
            for inner in value:
                fill(SubElement(element, XML_MEMBERS[element.tag]), inner)
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        elif value is not None:
            # XML 1.0 has no place for most control characters: one in a citizen's text would
            # make the whole list unreadable to every client, so they are dropped here.
            element.text = NOT_XML.sub("", str(value))

    top = Element(root)
    fill(top, payload)
    return tostring(top, encoding="utf-8", xml_declaration=True)
