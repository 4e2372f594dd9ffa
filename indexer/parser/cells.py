"""One table cell's text → a value and, when the value had to be interpreted, a warning code.

Policy (report-model.md): blank → null + `missing_cell`; a dash → 0 + `dash_as_zero`;
`/`, 不适用, N/A → null + `not_applicable`; anything else that is not a number →
null + `unreadable_cell`. Money is converted to yuan.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

from indexer.parser.memo import short_text_cache

Kind = Literal["value", "blank", "label"]
Unit = Literal["yuan", "wan"]

_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_COUNT_UNIT = r"件|个|项|条|次|宗|人|家"
_MONEY_UNIT = r"万元|元|万"
_VALUE = re.compile(rf"({_NUMBER})((?:{_COUNT_UNIT}|{_MONEY_UNIT})?)")
# `226.` or `1,` at a line's end: a number cut in two (`1.` alone is an item's numbering).
_CUT_NUMBER = re.compile(r"[+-]?(?:\d{2,}\.|\d+,)")
# After NFKC: hyphen, minus and the dash family; one to three of them mean zero.
_DASH = re.compile(r"[-‐‑‒–—―−─━]{1,3}")
_NOT_APPLICABLE = frozenset({"/", "//", "\\", "不适用", "N/A", "n/a", "NA", "无"})


class Reading(NamedTuple):
    value: int | float | None
    warning: str | None  # a warning code, or None when the cell was read as printed


class Count(NamedTuple):
    """A count cell's reading: a count is an int."""

    value: int | None
    warning: str | None


# Longer texts are not cells of the forms' tables: they are not worth remembering.
CELL_CACHE_LIMIT = 100


def is_number_token(text: str) -> bool:
    return _VALUE.fullmatch(text) is not None


def classify(text: str) -> Kind:
    """`text` is NFKC and stripped. Values are numbers, dashes and not-applicable marks."""
    if not text:
        return "blank"
    if text.isascii() and text.isdigit():  # the common case, without a regex
        return "value"
    if _VALUE.fullmatch(text) or _DASH.fullmatch(text) or text in _NOT_APPLICABLE:
        return "value"
    if _CUT_NUMBER.fullmatch(text):  # unreadable as it stands, but never a label
        return "value"
    return "label"


def ocr_digits(token: str) -> str:
    """`〇` read for the digit 0 (`1〇` → `10`): only in a token that is then a number."""
    digits = token.replace("〇", "0")
    return digits if _VALUE.fullmatch(digits) else token


def _special(text: str) -> Count | None:
    if not text:
        return Count(None, "missing_cell")
    if _DASH.fullmatch(text):
        return Count(0, "dash_as_zero")
    if text in _NOT_APPLICABLE:
        return Count(None, "not_applicable")
    return None


def _decimal(digits: str) -> Decimal | None:
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None


@short_text_cache(limit=CELL_CACHE_LIMIT)  # the same few cell texts (0, 1, blanks) fill most tables
def read_count(text: str) -> Count:
    """A count or a signed change: `+163` → 163, `-2` → -2, `1,234` → 1234, `0.00` → 0, `5件` → 5."""
    if text.isascii() and text.isdigit():
        return Count(int(text), None)
    special = _special(text)
    if special is not None:
        return special
    match = _VALUE.fullmatch(text)
    if match is None or match.group(2) in ("万元", "元", "万"):
        return Count(None, "unreadable_cell")
    number = _decimal(match.group(1))
    if number is None or number != number.to_integral_value():
        return Count(None, "unreadable_cell")
    return Count(int(number), None)


def count_value(text: str) -> int | None:
    """Just the number of a count cell (null for anything that is not one)."""
    return read_count(text).value


def read_money(text: str, header_unit: Unit | None, default_unit: Unit) -> Reading:
    """Yuan from a cell: its own unit wins, then the header's; else `default_unit` + `unit_assumed`."""
    special = _special(text)
    if special is not None:
        value, warning = special
        return Reading(None if value is None else 0.0, warning)
    match = _VALUE.fullmatch(text)
    number = _decimal(match.group(1)) if match else None
    if match is None or number is None or match.group(2) not in ("", "万元", "元", "万"):
        return Reading(None, "unreadable_cell")
    warning = None
    if match.group(2):
        unit: Unit = "yuan" if match.group(2) == "元" else "wan"
    elif header_unit is not None:
        unit = header_unit
    else:
        unit, warning = default_unit, "unit_assumed" if number else None  # zero is zero in any unit
    factor = Decimal(10000) if unit == "wan" else Decimal(1)
    return Reading(float(number * factor), warning)


def header_unit(header: str) -> Unit | None:
    """The money unit a header names (`采购总金额（单位：万元，保留4位小数）` → wan)."""
    if "万元" in header:
        return "wan"
    if re.search(r"单位:?元|\(元\)", header):
        return "yuan"
    return None


def digits_only(text: str) -> bool:
    """A bare run of digits: the only kind of token a number split in two can be rejoined from."""
    return text.isascii() and text.isdigit()
