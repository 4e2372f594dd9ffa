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
from indexer.parser.normalize import clean_line, compact, nfkc
from indexer.parser.region import place_rank, rank_of, zone_level

_TITLE_LINES = 40  # the title is near the top; paragraphs after that are never titles
_TITLE_MAX = 80
_CANDIDATE_MAX = 300  # a title with the portal's metadata glued on; longer lines are paragraphs
_CLOSING_LINES = 6
_REPORT = r"(?:政府)?(?:信息|政务)公开(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
_YEAR = r"((?:19|20)\d\d)"
_OFFICE_FIRST = re.compile(rf"(.{{0,60}}?){_YEAR}年度?{_REPORT}")
_YEAR_FIRST = re.compile(rf"{_YEAR}年度?(.{{1,60}}?){_REPORT}")
# `XX局政府信息公开工作年度报告（2022年）`, `(2022)`, `【2022年度】` (NFKC has made （） ASCII).
_YEAR_LAST = re.compile(rf"(.{{0,60}}?){_REPORT}[(\[【]{_YEAR}(?:年度?)?[)\]】]")
_NO_YEAR = re.compile(rf"(.{{0,60}}?){_REPORT}")
# Pages that only speak of the report: 解读, 图解, notices (关于印发…的通知), 报告的说明.
_NOT_A_TITLE = re.compile(r"解读|图解|一图读懂|图说|问答|通知|印发|转发|说明")
_HAN_YEAR = re.compile(r"[一二][〇零○一二三四五六七八九]{3}(?=年)")
_HAN_YEAR_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_TITLE_WRAPPERS = "《》<>\"“”'‘’[]【】#*"
_HINT_SEPARATORS = re.compile(r"[_|｜\-—–－＿]+")  # NFKC forms too: the hint is read as printed
# What portals print beside the title (来源：… 发布时间：… 浏览次数：… 字号：大 中 小), ending it:
# a label and its colon or, in the metadata table's TAB rows, a TAB. Labels come spaced out to
# the width of the longest (`索 引 号：`, `名　　称：`).
_METADATA_LABELS = (
    "信息来源|文章来源|来源|发布时间|发布日期|发布机构|发文机关|发文日期|生成日期|成文日期|更新时间|更新日期|时间|日期"
    "|浏览次数|浏览量|阅读次数|阅读量|点击数|点击次数|点击量|访问量|访问次数|作者|责任编辑|编辑|索引号|主题分类"
    "|体裁分类|主题词|文号|发文字号|字号|字体|分享到"
)


def _spaced(labels: str) -> str:
    return "|".join(r"\s*".join(label) for label in labels.split("|"))


_METADATA = re.compile(
    rf"(?:{_spaced(_METADATA_LABELS)})\s*[:：\t]"
    r"|(?:浏览|阅读|点击)(?:次数|量)?\s*\d+|字号\s*大\s*中\s*小|打印本页|关闭窗口"
)
# The metadata table's title row (`标题：…`, `名　　称⇥…`): the title follows the label.
_TITLE_LABEL = re.compile(rf"\s*(?:{_spaced('文章标题|信息名称|标题|名称')})\s*[:：\t]")
# A publication date after a listing's or a page's title: `2018-03-30`, `[2018-03-30 09:30]`.
_TRAILING_DATE = re.compile(
    r"[(\[【（]?(?:(?:19|20)\d\d(?:[-/.]\d{1,2}){2}(?:\d{1,2}[:：]\d\d(?:[:：]\d\d)?)?|(?:19|20)\d\d年\d{1,2}月\d{1,2}日)"
    r"[)\]】）]?$"
)
_DATE_ENDS = frozenset(")]】）日")
_OPENERS = {"]": "[", "】": "【", ")": "(", "）": "（", "》": "《", "”": "“", "’": "‘", ">": "<"}

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


def title_candidate(line: str) -> str:
    """A line as a title can be read from it: without the portal's metadata and the marks around
    it, and without whitespace, but otherwise as printed (`（2022年）` stays full-width)."""
    if not line or len(line) > _CANDIDATE_MAX or "。" in line:
        return ""  # a sentence is never a title
    text = line
    if label := _TITLE_LABEL.match(text):
        text = text[label.end() :]
    if metadata := _METADATA.search(text):
        text = text[: metadata.start()]
    text = _unwrap("".join(clean_line(text).split()))
    if text and (text[-1] in _DATE_ENDS or text[-1].isdigit()):
        text = _unwrap(_TRAILING_DATE.sub("", text))
    return text


def _unwrap(text: str) -> str:
    """Without the marks around a title (《…》, 【…】, `#`); a bracket closing one inside it stays."""
    if not text or (text[0] not in _TITLE_WRAPPERS and text[-1] not in _TITLE_WRAPPERS):
        return text
    text = text.lstrip(_TITLE_WRAPPERS)
    end = len(text)
    while end and text[end - 1] in _TITLE_WRAPPERS:
        opener = _OPENERS.get(text[end - 1])
        if opener is not None and opener in text[: end - 1]:
            break  # `…报告【2022年度】`: the year's own bracket
        end -= 1
    return text[:end]


def _office(name: str) -> str | None:
    name = name.strip(_TITLE_WRAPPERS + ",，:：")
    name = name.removeprefix("关于")
    if name.endswith("人民"):  # `…人民政府信息公开…` read with the 政府 taken by the report words
        name += "政府"
    return name or None


def read_title(text: str) -> Title | None:
    """`text` as a report title: office and year from `office YYYY年…报告`, `YYYY年 office …报告`,
    `office …报告（YYYY年）`, or an office alone (`河包镇政府信息公开工作年度报告`).

    Read in NFKC (full-width brackets and digits as ASCII, a year in Chinese numerals as digits);
    the title is kept as printed, the office as read.
    """
    if len(text) > _TITLE_MAX:
        return None
    key = nfkc(text)
    if not key.endswith(("报告", "年报", ")", "]", "】")) or _NOT_A_TITLE.search(key):
        return None
    if "年" in key:
        key = _HAN_YEAR.sub(lambda year: year.group().translate(_HAN_YEAR_DIGITS), key)
    if match := _OFFICE_FIRST.fullmatch(key):
        return Title(text, _office(match.group(1)), int(match.group(2)))
    if match := _YEAR_FIRST.fullmatch(key):
        return Title(text, _office(match.group(2)), int(match.group(1)))
    if match := _YEAR_LAST.fullmatch(key):
        return Title(text, _office(match.group(1)), int(match.group(2)))
    if (match := _NO_YEAR.fullmatch(key)) and (office := _office(match.group(1))):
        return Title(text, office, None)
    return None  # no office and no year: the column's name (`政府信息公开年报`), not a report's


def _body_title(lines: Sequence[str], stop: int) -> Title | None:
    """The first title line (or two lines, a title split in two) before line `stop`."""
    # Lazily: the title is usually the first line, and the overview after it need not be read.
    tops = islice(filter(None, map(title_candidate, lines[:stop])), _TITLE_LINES)
    line = next(tops, None)
    while line is not None:
        found = read_title(line)
        if found is not None and found.year is not None:
            return found
        following = next(tops, None)
        if following is not None:
            # `孝感市人民政府办公室` / `2020年…报告`; `…年度报告` / `（2022年）`
            found = read_title(line + following) or found
        if found:
            return found
        line = following
    return None


def _hint_title(hint: str | None) -> Title | None:
    """The page's heading (<meta name="ArticleTitle">, <h1>, <title> minus the site's name) as a title."""
    if not hint:
        return None
    for piece in _HINT_SEPARATORS.split(title_candidate(hint)):
        if found := read_title(_unwrap(piece)):
            return found
    return None


def _year_word_free(title: str) -> str:
    return nfkc(title).replace("年度", "年")


def find_title(lines: Sequence[str], stop: int, hint: str | None) -> Title | None:
    """The report's title from its first lines; else from the page's heading (`hint`).

    The heading wins over a body line that differs from it only by 年/年度, or that has no year
    where the heading of the same office has one.
    """
    body = _body_title(lines, stop)
    heading = _hint_title(hint)
    if body is None or heading is None:
        return body or heading
    if _year_word_free(heading.title) == _year_word_free(body.title):  # both NFKC
        return heading
    if body.year is None and heading.year is not None and heading.office == body.office:
        return heading
    return body


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
    if zone := zone_level(office):  # `两江新区管理委员会`: a zone's government, not a department
        return zone
    if _TOWNSHIP.search(office):
        return "township"
    if match := _GOVERNMENT.fullmatch(office):
        return _government_level(match.group(1))
    if _DEPARTMENT.search(office):
        return "department"
    return place_rank(office)  # a place's name alone (`柞水县2015年…报告`): its own government


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
