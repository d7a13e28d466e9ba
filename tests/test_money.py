"""Amounts in Chinese capitals (大写), as 会计基础工作规范 第五十二条 writes them: exact cases from
the rule's text and the edges (zeros inside and between sections, no 元, 整 or not)."""

from decimal import Decimal

import pytest

from procure.kernel.money import chinese_capitals


@pytest.mark.parametrize(("amount", "capitals"), [
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),   # the rule's own example: 零 where the 元 place is 0
    ("107000.53", "壹拾万柒仟元零伍角叁分"),   # the rule's own example: 壹拾 in full, zeros in a run as one 零
    ("1409.50", "壹仟肆佰零玖元伍角整"),       # 整 after 角
    ("6007.14", "陆仟零柒元壹角肆分"),         # no 整 after 分
    ("325.04", "叁佰贰拾伍元零肆分"),          # no 角: 零 before 分
    ("4532000.00", "肆佰伍拾叁万贰仟元整"),
    ("10", "壹拾元整"),
    ("0.50", "伍角整"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("100000000", "壹亿元整"),
    ("100010000", "壹亿零壹万元整"),           # an empty 万 section between: one 零
    ("10000001", "壹仟万零壹元整"),
    ("1010.10", "壹仟零壹拾元零壹角整"),
    ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),  # NUMERIC(14,2)'s largest
    ("-5", "负伍元整"),
    ("12.345", "壹拾贰元叁角伍分"),           # rounded half-up to the fen first
])
def test_chinese_capitals(amount: str, capitals: str) -> None:
    assert chinese_capitals(Decimal(amount)) == capitals


def test_capitals_and_separators_in_the_templates() -> None:
    from procure.kernel.web import capitals, money

    assert money("4532000.00") == "4,532,000.00" and money(Decimal("0.5")) == "0.50" and money(None) == "—"
    assert capitals("182602.50") == "壹拾捌万贰仟陆佰零贰元伍角整" and capitals(None) == "—"


def test_map_tiles_are_the_only_images_from_elsewhere() -> None:
    from procure.kernel.maps import MapPoint, features, tile_origins

    assert tile_origins(None) == ""
    assert tile_origins("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}", "01") == \
        " https://t0.tianditu.gov.cn https://t1.tianditu.gov.cn"
    collection = features([MapPoint(Decimal("120.1"), Decimal("30.3"), "仓前公园"), MapPoint(None, None, "无坐标")])
    assert collection["features"] == [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.1, 30.3]},
                                       "properties": {"name": "仓前公园", "link": "", "group": ""}}]
