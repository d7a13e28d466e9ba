"""Money: the bureau's one rounding rule and the one way to read an amount someone typed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: A fen (分), the smallest amount the bureau pays.
CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """DESIGN §4: half-up to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(text: object) -> Decimal | None:
    """The one reading of a number someone typed: None when empty, thousands separators (1,000 or
    1，000) dropped, ``ValueError`` when it is not a finite number. Range and decimal places are the
    caller's (``bounds.fixed``, ``bidding.rules.parse_price``)."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a number")
    return value


def format_amount(value: Decimal | None) -> str:
    """How pages, PDFs and messages write an amount (or an area): thousands separated, two
    places; a dash for none."""
    return "—" if value is None else f"{value:,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SECTIONS = ("", "万", "亿", "万亿")


def _section(n: int) -> str:
    """0 < n < 10000 in capitals: 仟佰拾 with one 零 for any run of inner zeros."""
    out, zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10 ** power % 10
        if digit == 0:
            zero = zero or bool(out)
        else:
            out += ("零" if zero else "") + _DIGITS[digit] + unit
            zero = False
    return out


def chinese_capitals(value: Decimal) -> str:
    """An amount in Chinese capitals (大写), as 会计基础工作规范 第五十二条 writes it on bills and
    vouchers: 壹仟陆佰捌拾元零叁角贰分, 肆佰伍拾叁万贰仟元整. 整 after 元 or 角, none after 分; one 零
    for a run of zeros, and before 角 or 分 when the 元 place is zero; 壹拾 is written in full.
    Rounded half-up to the fen first; "负" before a negative amount. Without 人民币 (the caller
    writes it where the form asks)."""
    cents = int(round2(value) * 100)
    sign, cents = ("负", -cents) if cents < 0 else ("", cents)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    text, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = gap or bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _section(group) + _SECTIONS[index]
        gap = False
    if not jiao and not fen:
        return sign + (text or "零") + "元整"
    if text:
        ends_in_zero = groups[0] % 10 == 0
        text += "元" + ("零" if ends_in_zero or not jiao else "")
    if jiao:
        text += _DIGITS[jiao] + "角"
    return sign + text + (_DIGITS[fen] + "分" if fen else "整")
