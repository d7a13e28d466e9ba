"""GeoReport v2's pure parts: service definitions, the answers to a service's attributes, and
the XML form (wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from procure.cases.open311 import (
    BY_CODE, SERVICES, answers_in_words, attribute_answers, sent_attributes, service_definition, service_entry, to_xml,
)

FACILITY, LIGHT = BY_CODE["facility_damage"], BY_CODE["street_light"]


def test_a_service_with_questions_says_so_and_defines_them_in_order():
    assert service_entry(FACILITY)["metadata"] is True and service_entry(BY_CODE["litter"])["metadata"] is False
    definition = service_definition(FACILITY)
    assert definition["service_code"] == "facility_damage"
    first, second = definition["attributes"]  # type: ignore[misc]
    assert (first["code"], first["datatype"], first["required"], first["order"]) == ("facility", "singlevaluelist", True, 1)
    assert first["values"][:2] == [{"key": "railing", "name": "护栏"}, {"key": "bench", "name": "座椅"}]
    assert second["code"] == "hazard" and second["required"] is False
    assert service_definition(BY_CODE["litter"]) == {"service_code": "litter", "attributes": []}
    assert "values" not in service_definition(LIGHT)["attributes"][0]  # type: ignore[index]


def test_attribute_fields_are_read_by_code():
    form = {"attribute[facility]": "bench", "attribute[hazard][]": "yes", "service_code": "x", "attributes": "no"}
    assert sent_attributes(form) == {"facility": ["bench"], "hazard": ["yes"]}
    assert sent_attributes({"attribute[facility]": ["bench", "sign"]}) == {"facility": ["bench", "sign"]}


@pytest.mark.parametrize(("sent", "answers"), [
    ({"facility": ["bench"]}, {"facility": "bench"}),
    ({"facility": [" sign "], "hazard": ["no"]}, {"facility": "sign", "hazard": "no"}),
    # Another service's question left empty on a form that shows every question is no answer.
    ({"facility": ["manhole"], "pole_number": [""]}, {"facility": "manhole"}),
])
def test_answers_that_fit_the_definition_are_kept(sent, answers):  # type: ignore[no-untyped-def]
    assert attribute_answers(FACILITY, sent) == answers


@pytest.mark.parametrize(("service", "sent", "problem"), [
    (FACILITY, {}, "attribute[facility] is required"),
    (FACILITY, {"facility": ["  "]}, "attribute[facility] is required"),
    (FACILITY, {"facility": ["bridge"]}, "attribute[facility] must be one of: railing, bench, sign, manhole, other"),
    (FACILITY, {"facility": ["bench", "sign"]}, "attribute[facility] takes one value"),
    (FACILITY, {"facility": ["bench"], "colour": ["red"]}, "attribute[colour] is not an attribute of service facility_damage"),
    (LIGHT, {"lights_out": ["three"]}, "attribute[lights_out] is not a number"),
    (LIGHT, {"lights_out": ["NaN"]}, "attribute[lights_out] is not a number"),
    (LIGHT, {"pole_number": ["x" * 201]}, "attribute[pole_number] is longer than 200 characters"),
    (BY_CODE["litter"], {"facility": ["bench"]}, "attribute[facility] is not an attribute of service litter"),
])
def test_answers_that_do_not_fit_are_refused_by_name(service, sent, problem):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as refused:
        attribute_answers(service, sent)
    assert str(refused.value) == problem


def test_answers_read_in_words():
    assert answers_in_words("facility_damage", {"facility": "manhole", "hazard": "yes"}) == [
        ("哪一种设施？", "井盖"), ("是否危及行人或车辆安全？", "是")]
    assert answers_in_words("street_light", {"pole_number": "YH-0231"}) == [("灯杆编号（杆身上的铭牌）", "YH-0231")]
    assert answers_in_words("gone", {"a": "b"}) == [("a", "b")]


def test_the_xml_form_is_the_specs():
    services = ET.fromstring(to_xml("services", [service_entry(s) for s in SERVICES]))
    assert services.tag == "services" and [e.tag for e in services] == ["service"] * len(SERVICES)
    assert services[0].findtext("service_code") == "litter" and services[0].findtext("metadata") == "false"
    definition = ET.fromstring(to_xml("service_definition", service_definition(FACILITY)))
    attribute = definition.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("required") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["railing", "bench", "sign", "manhole", "other"]
    assert attribute.findtext("datatype_description") == ""  # present and empty: no value
    errors = ET.fromstring(to_xml("errors", [{"code": 404, "description": "no such service request"}]))
    assert [(e.findtext("code"), e.findtext("description")) for e in errors] == [("404", "no such service request")]
    assert to_xml("errors", []).startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_control_characters_never_break_the_xml():
    from xml.etree.ElementTree import fromstring

    from procure.cases.open311 import to_xml

    body = to_xml("service_requests", [{"description": "井盖\x0b松动\x00，\t第二行\n", "status_notes": "\x1f"}])
    parsed = fromstring(body)  # well-formed XML 1.0
    assert parsed.find("request/description").text == "井盖松动，\t第二行\n"
