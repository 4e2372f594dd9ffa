"""Who published the report, for which year and when: title, office, year, date, level.

All from text: the title line (or the page's title hint), the signature and date
lines that close the report, and, when there is no title, the narrative's own words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from itertools import islice
from typing import NamedTuple

from govreports.model import Level
from indexer.parser.normalize import compact, compact_line
from indexer.parser.region import rank_of

_TITLE_LINES = 40  # the title is near the top; paragraphs after that are never titles
_TITLE_MAX = 80
_CLOSING_LINES = 6
_REPORT = r"(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:工作)?报告"
_OFFICE_FIRST = re.compile(rf"(.{{0,60}}?)((?:19|20)\d\d)年度?{_REPORT}")
_YEAR_FIRST = re.compile(rf"((?:19|20)\d\d)年度?(.{{1,60}}?){_REPORT}")
_NO_YEAR = re.compile(rf"(.{{2,60}}?){_REPORT}")
_TITLE_WRAPPERS = "《》<>\"“”'‘’[]【】#*"
_HINT_SEPARATORS = re.compile(r"[_|｜\-—–]+")

_ORG_SUFFIX = (
    r"(?:街道办事处|办事处|街道|人民政府|政府|委员会|办公室|办公厅|管理局|局|委|办|厅|署|中心|院|所|站|队|会"
    r"|镇|乡|街)"
)
_SIGNATURE = re.compile(rf"[\u4e00-\u9fff()]{{2,40}}{_ORG_SUFFIX}")
# `均禾街严格依照…`, `陈州街回族街道办事处深刻认识到…`: a body name opening a clause, then its verb.
_NARRATIVE_OFFICE = re.compile(
    rf"([\u4e00-\u9fff]{{1,24}}{_ORG_SUFFIX})(?=严格|深刻|认真|坚持|按照|紧紧|始终|围绕|积极|全面|高度|扎实|切实"
    r"|不断|持续|立足|进一步|深入|依法|着力|大力|聚焦|以|在|把|对|通过|共|全年|主动)"
)
_NOT_AN_OFFICE = ("我", "本", "该", "全", "各", "贵", "在", "年")
_CLAUSE = re.compile(r"[,，。;；:：]")

_DIGIT_DATE = re.compile(r"((?:19|20)\d\d)年(\d{1,2})月(\d{1,2})日$")
_ISO_DATE = re.compile(r"((?:19|20)\d\d)[-./](\d{1,2})[-./](\d{1,2})$")
_HAN_DIGIT, _HAN_NUMBER = "[〇零一二三四五六七八九]", "[一二三四五六七八九十]"
_HAN_DATE = re.compile(rf"({_HAN_DIGIT}{{4}})年({_HAN_NUMBER}{{1,3}})月({_HAN_NUMBER}{{1,3}})日$")
_HAN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")


class Title(NamedTuple):
    title: str
    office: str | None
    year: int | None


def _clean_title(line: str) -> str:
    return compact_line(line).strip(_TITLE_WRAPPERS)


def _office(name: str) -> str | None:
    name = name.strip(_TITLE_WRAPPERS + ",，:：")
    name = re.sub(r"^关于", "", name)
    if name.endswith("人民"):  # `…人民政府信息公开…` read with the 政府 taken by the report words
        name += "政府"
    return name or None


def read_title(text: str) -> Title | None:
    """`text` as a report title: office and year from `^office YYYY年…报告$` or `^YYYY年 office …报告$`."""
    if len(text) > _TITLE_MAX or not text.endswith("报告"):  # every title pattern ends with 报告
        return None
    if match := _OFFICE_FIRST.fullmatch(text):
        return Title(text, _office(match.group(1)), int(match.group(2)))
    if match := _YEAR_FIRST.fullmatch(text):
        return Title(text, _office(match.group(2)), int(match.group(1)))
    if match := _NO_YEAR.fullmatch(text):
        return Title(text, _office(match.group(1)), None)
    return None


def find_title(lines: Sequence[str], stop: int, hint: str | None) -> Title | None:
    """The first title line (or two lines, a title split in two) before line `stop`; else the hint."""
    # Lazily: the title is usually the first line, and the overview after it need not be cleaned.
    tops = islice(filter(None, map(_clean_title, lines[:stop])), _TITLE_LINES)
    line = next(tops, None)
    while line is not None:
        if found := read_title(line):
            return found
        following = next(tops, None)
        if following is not None and (found := read_title(line + following)):
            return found
        line = following
    for piece in _HINT_SEPARATORS.split(compact(hint or "")):
        if found := read_title(piece.strip(_TITLE_WRAPPERS)):
            return found
    return None


def _last_lines(lines: Sequence[str]) -> list[str]:
    tail: list[str] = []
    for line in reversed(lines):
        text = compact(line)
        if text:
            tail.append(text)
            if len(tail) == _CLOSING_LINES:
                break
    return tail


def _han_number(text: str) -> int:
    if "十" not in text:
        return int("".join(str(_HAN_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_HAN_DIGITS[tens] if tens else 1) * 10 + (_HAN_DIGITS[ones] if ones else 0)


def read_date(text: str) -> date | None:
    """A date ending `text`: `2020年1月22日`, `2020-01-22`, `二〇二〇年一月二十二日`."""
    try:
        if match := _DIGIT_DATE.search(text) or _ISO_DATE.search(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _HAN_DATE.search(text):
            year = int("".join(str(_HAN_DIGITS[c]) for c in match.group(1)))
            return date(year, _han_number(match.group(2)), _han_number(match.group(3)))
    except ValueError:
        return None
    return None


def _is_signature(text: str) -> bool:
    return _SIGNATURE.fullmatch(text) is not None and not text.startswith(_NOT_AN_OFFICE)


def signature_office(lines: Sequence[str]) -> str | None:
    """The issuing body signed under the report: a short line that is only an office name."""
    for text in _last_lines(lines):
        if _is_signature(name := _DIGIT_DATE.sub("", text)):
            return name
    return None


class Closing(NamedTuple):
    """The signature and date lines that close the report (compact), and the date they give."""

    lines: list[str]
    published: date | None


def closing(lines: Sequence[str]) -> Closing:
    """The closing lines (not part of any section) and the date of the date line, read together."""
    closing_lines: list[str] = []
    published: date | None = None
    for text in _last_lines(lines):
        dated = read_date(text) if len(text) <= 40 else None  # a date line is short
        if dated or _is_signature(_DIGIT_DATE.sub("", text)):
            closing_lines.append(text)
        published = published or dated
    return Closing(closing_lines, published)


def narrative_office(text: str) -> str | None:
    """A body named at the start of a clause of the narrative (`…，均禾街严格依照…`)."""
    for clause in _CLAUSE.split(compact(text[:4000])):
        match = _NARRATIVE_OFFICE.match(clause)
        if match and not match.group(1).startswith(_NOT_AN_OFFICE):
            return match.group(1)
    return None


def narrative_year(text: str) -> int | None:
    """The year the narrative talks about: the most frequent `YYYY年` (the first on ties)."""
    years = Counter(int(year) for year in _YEAR_IN_TEXT.findall(text[:20000]))
    if not years:
        return None
    top = max(years.values())
    return next(year for year, count in years.items() if count == top)


_TOWNSHIP = re.compile(r"(?:街道办事处|街道|办事处|镇|乡|街|苏木)(?:人民政府|政府|党委|党工委)?$")
_DEPARTMENT = re.compile(
    r"(?:局|委员会|委|办公室|办公厅|办|厅|署|中心|院|所|站|队|会|部|处|馆|公司|协会|集团)$"
)
_GOVERNMENT = re.compile(r"(.*?)(?:人民政府|政府|行政公署)$")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def level_of(office: str | None) -> Level | None:
    """township / county / city / province / department, from the office name; None when unsure."""
    if not office:
        return None
    if _TOWNSHIP.search(office):
        return "township"
    if match := _GOVERNMENT.fullmatch(office):
        return _government_level(match.group(1))
    if _DEPARTMENT.search(office):
        return "department"
    return None


def _government_level(place: str) -> Level | None:
    if place.endswith(("省", "自治区")) or place in _MUNICIPALITIES:
        return "province"
    if place.endswith(("县", "区", "旗")):
        return "county"
    if place.endswith(("州", "盟")):
        return "city"
    if place.endswith("市"):
        name = re.sub(r"^.*?(?:省|自治区)", "", place)
        rank = rank_of(name)
        if rank == "city" or rank == "county":
            return rank
    return None
