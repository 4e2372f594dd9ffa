"""The six section headings, found by their names (numbered, Markdown, or bare), and the narrative text.

A heading is a short line whose whole text, after its numbering, is one of the known
names of a section (formats-in-the-wild §1). Sub-headings inside 一 (`（一）主动公开`)
and sentences that mention a section never match: the names are matched whole.
Headings must come in the form's order; among candidate lines the longest ordered
chain wins, so a stray early match cannot swallow the sections after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from indexer.parser.memo import short_text_cache
from indexer.parser.normalize import clean_text, compact, compact_line

SECTION_ORDER: tuple[str, ...] = ("overview", "active", "applications", "appeals", "problems", "other")
SECTION_TITLES: dict[str, str] = {
    "overview": "一、总体情况",
    "active": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}

_NUMERAL = "[一二三四五六七八九十]"
_TOP_NUMBERING = re.compile(rf"(?:第{_NUMERAL}+部分|{_NUMERAL}+[、.,:])")
_SUB_NUMBERING = re.compile(rf"(?:\({_NUMERAL}+\)|\d{{1,2}}[、.](?!\d))")
_NAMES: dict[str, re.Pattern[str]] = {
    "overview": re.compile(
        r"总体情况|總體情況|(?:工作)?基本情况|(?:总体|工作)?概述|(?:工作)?总体(?:工作)?情况"
    ),
    "active": re.compile(r"(?:行政机关)?主动公开政府(?:信息|政府)?(?:工作)?(?:的)?情况"),
    "applications": re.compile(r"(?:行政机关)?收到和处理政府信息公开(?:申请)?(?:的)?情况"),
    "appeals": re.compile(
        r"(?:因?政府信息公开(?:工作|申请)?)?(?:被申请)?行政复议[、,和及与]?(?:提起)?行政诉讼(?:的)?情况"
    ),
    "problems": re.compile(
        r"(?:政府信息公开)?(?:工作)?中?存在(?:的)?(?:主要)?问题(?:及|和|与|以及)?(?:改进|整改)?(?:情况|措施|计划|方向|打算)?"
    ),
    "other": re.compile(r"其[他它](?:需要|需)报告(?:的)?事项"),
}
# The official wording: the only form a sub-heading-style number `（二）` may carry.
_OFFICIAL = {key: compact(title)[2:] for key, title in SECTION_TITLES.items()}
_MAX_HEADING = 40
# Every heading name holds one of these words: lines without any are skipped unread.
_HEADING_WORD = re.compile("情况|情況|概述|问题|措施|计划|方向|打算|事项")
_TRAILING_PUNCTUATION = ":：。.;；"


class Heading(NamedTuple):
    section: str
    line: int


# Headings and table rows repeat across reports: each such line is judged once.
@short_text_cache(limit=4 * _MAX_HEADING)
def heading_section(line: str) -> str | None:
    """The section a line heads, or None."""
    if len(line) > 4 * _MAX_HEADING or not _HEADING_WORD.search(line):
        return None
    text = compact_line(line)
    if not text or len(text) > _MAX_HEADING:
        return None
    text = text.rstrip(_TRAILING_PUNCTUATION)
    top = _TOP_NUMBERING.match(text)
    sub = None if top else _SUB_NUMBERING.match(text)
    numbering = top or sub
    name = text[numbering.end() :] if numbering else text
    for section, pattern in _NAMES.items():
        if pattern.fullmatch(name) and (sub is None or name == _OFFICIAL[section]):
            return section
    return None


def find_headings(lines: Sequence[str]) -> dict[str, int]:
    """Section → line index of its heading, for the sections whose heading is present."""
    candidates = [
        Heading(section, index)
        for index, line in enumerate(lines)
        if line and (section := heading_section(line)) is not None  # blank lines (a third) head nothing
    ]
    return {heading.section: heading.line for heading in _longest_ordered_chain(candidates)}


def _longest_ordered_chain(candidates: list[Heading]) -> list[Heading]:
    """The longest run of candidates whose sections strictly follow the form's order; earliest on ties."""
    rank = {section: position for position, section in enumerate(SECTION_ORDER)}
    # best[r]: the best chain ending in a heading of rank r seen so far (at most six ranks).
    best: dict[int, list[Heading]] = {}
    for heading in candidates:
        r = rank[heading.section]
        before = max((best[k] for k in best if k < r), key=len, default=[])
        chain = [*before, heading]
        if len(chain) > len(best.get(r, [])):
            best[r] = chain
    return max(best.values(), key=len, default=[])


def section_text(
    lines: Sequence[str], headings: dict[str, int], section: str, drop: Sequence[str] = ()
) -> str | None:
    """The plain text under `section`'s heading up to the next heading; None when absent or empty."""
    start = headings.get(section)
    if start is None:
        return None
    end = min((line for line in headings.values() if line > start), default=len(lines))
    dropped = {compact(text) for text in drop if text}
    body = [line for line in lines[start + 1 : end] if line and compact_line(line) not in dropped]
    return clean_text(body) or None
