"""Is this listing title a 政府信息公开工作年度报告? Pure functions on strings.

Titles come as `建章路街道2022年政府信息公开工作年度报告`, `2022年度和平街道政府信息公开
工作年度报告`, `会仪镇人民政府2021年信息公开年度报告`, `信访局2021年度政府信息公开工作报告`,
truncated with `...` in listings, with a year in Chinese numerals, with the year only in
brackets at the end (`…工作年度报告（2022年）`), or followed by the item's date. The forms the
parser and this recogniser must agree on are listed in tests/files/title_forms.json. The section's other
items (notices about compiling the report, 工作要点, 年度工作计划, 解读 of a report) must
not be taken, so a report title must name the report, carry a year, and end with it.
"""

from __future__ import annotations

import re
import unicodedata

_CHINESE_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CHINESE_YEAR = re.compile(r"([一二][〇零○一二三四五六七八九]{3})年")
# The year only in brackets at the end: `…年度报告（2022年）`, `(2022)`, `【2022年度】`.
_BRACKETED_YEAR = re.compile(r"[(\[【]((?:19|20)\d{2})(?:年度?)?[)\]】]$")
# The report itself, ending the title: …信息公开(工作)(年度)报告, …年报; some localities say 政务公开.
_REPORT = re.compile(r"(?:(?:信息|政务)公开[^。；;，,]{0,12}?报告|年报)$")
_NAMES_THE_REPORT = re.compile(r"(?:信息|政务)公开|年报")
# Items of the 年报 section that mention the report without being it.
_NOT_A_REPORT = re.compile(
    r"通知|印发|要点|计划|方案|解读|图解|一图读懂|说明|指南|培训|会议|通报|征求意见|编制|做好|考核|评议|发布会|问答"
    r"|公示|企业年报"
)
# Decorations after the title: （更正版）, [PDF], 【附件】, file extensions.
_TRAILING_TAG = re.compile(
    r"(?:[（(【\[][^）)】\]]{0,12}[）)】\]]|\.(?:pdf|docx?|wps|html?))+$", re.IGNORECASE
)
_TRUNCATED = re.compile(r"(?:\.{2,}|…+)$")
_QUOTES = "《》“”\"'‘’"
# The item's date printed after its title in a listing: `2018-03-30`, `[2018-03-30]`, `2018-03-30 09:30`.
_TRAILING_DATE = re.compile(
    r"[(\[【]?(?:19|20)\d{2}(?:[-/.]\d{1,2}){2}(?:\d{1,2}:\d{2}(?::\d{2})?)?[)\]】]?$"
)
# The column's own name, with no office before the report: `政府信息公开年报（2022年）` opens a year folder.
_NO_OFFICE = re.compile(r"(?:政府)?(?:(?:信息|政务)公开)?(?:工作)?(?:年度)?(?:报告|年报)")


def compact(text: str) -> str:
    """NFKC-normalised with all whitespace removed: how titles are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def title_year(title: str) -> int | None:
    """The first year written in the title (Arabic or Chinese numerals, or bracketed at its end), if any."""
    text = _TRAILING_DATE.sub("", compact(title))
    match = _YEAR.search(text)
    if match:
        return int(match.group(1))
    chinese = _CHINESE_YEAR.search(text)
    if chinese:
        return int(chinese.group(1).translate(_CHINESE_DIGITS))
    bracketed = _BRACKETED_YEAR.search(text)
    return int(bracketed.group(1)) if bracketed else None


def is_report_title(title: str, *, exclude: re.Pattern[str] | None = None) -> bool:
    """True for a report's own title; `exclude` adds a portal's own never-take pattern."""
    text = _TRAILING_DATE.sub("", compact(title))
    truncated = bool(_TRUNCATED.search(text))
    text = _TRUNCATED.sub("", text)
    year = title_year(text)  # before the trailing tags go: the year may be one (`…报告（2022年）`)
    text = _TRAILING_TAG.sub("", text).strip(_QUOTES)
    if not text or year is None or _NOT_A_REPORT.search(text):
        return False
    if _NO_OFFICE.fullmatch(text):
        return False  # only the year in brackets names anything
    if exclude is not None and exclude.search(text):
        return False
    if truncated:
        # `义乌市廿三里街道办事处2022年政府信息公开工作年...`: the end is lost, the start must do.
        return bool(_NAMES_THE_REPORT.search(text))
    return bool(_REPORT.search(text))


def matches_title_pattern(
    title: str, pattern: re.Pattern[str], *, exclude: re.Pattern[str] | None = None
) -> bool:
    """A portal's configured title regex, tried on the compacted title."""
    text = compact(title)
    if exclude is not None and exclude.search(text):
        return False
    return bool(pattern.search(text))


_COLUMN = re.compile(r"年报|年度报告")
_NOT_A_COLUMN = re.compile(r"企业|个体|农民专业合作社")
_HUB = frozenset(
    {"政府信息公开", "信息公开", "政务公开", "政府信息公开专栏", "政府信息公开目录", "政府信息公开平台",
     "政务公开专栏"}
)
_YEAR_ONLY = re.compile(r"^(?:19|20)\d{2}年?度?(?:年报|报告)?$")


def is_column_title(text: str) -> bool:
    """A link to the 年报 column (or a sub-column): 政府信息公开年报, 年度报告, 部门年报 …, no year."""
    value = compact(text)
    return (
        0 < len(value) <= 20
        and bool(_COLUMN.search(value))
        and not _NOT_A_COLUMN.search(value)
        and title_year(value) is None
    )


def is_year_column_title(text: str) -> bool:
    """A year folder inside the column: `2022年`, `2022年度`, `2022`, `2022年年报`."""
    return bool(_YEAR_ONLY.match(compact(text)))


def is_hub_title(text: str) -> bool:
    """The 政府信息公开 hub a home page links to, one step before the 年报 column."""
    return compact(text) in _HUB
