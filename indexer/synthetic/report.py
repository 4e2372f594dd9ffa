"""`random_report`: a random but realistic report whose every number is known."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from govreports.keys import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICATION_COLUMNS, OTHER_SUB_ROWS
from govreports.model import (
    Active2019,
    Active2021,
    Appeals,
    Applications,
    Level,
    Region,
    Report,
    Sections,
)
from indexer.synthetic import numbers, vocabulary
from indexer.synthetic.numbers import CellRef, Rule, Table
from indexer.synthetic.realism import NO_QUIRKS, Quirks, Realism, draw_options, side_stream

TemplateName = Literal["2019", "2021"]
Money = Literal["wan_suffix", "yuan_suffix", "wan_header"]
HTML_PORTALS: tuple[str, ...] = ("trs", "jcms", "vsb")
TEMPLATES: tuple[TemplateName, ...] = ("2019", "2021")
# Most reports come from townships and departments.
LEVELS: tuple[Level, ...] = ("township", "township", "department", "county")


@dataclass(frozen=True)
class Style:
    """How one report is printed: the variations real reports show."""

    full_width_brackets: bool  # （一） or (一)
    ascii_quotes: bool  # "三安全一稳定" or “三安全一稳定”
    plus_sign: bool  # +163 or 163 for a positive 本年增/减
    money: Money  # 362.24万元, 12850元, or a 单位：万元 header over 52.5
    other_as_one_row: bool  # template 2021 printing （六）其他处理 as one row, as 2019 does
    wrap_width: int  # tab_rows: labels longer than this continue on the next line; 0 = never
    markdown_headings: bool  # text layouts: `## 二、…` instead of `二、…`
    portal: str  # which government page template the HTML layouts use


@dataclass(frozen=True)
class Narrative:
    preamble: str
    overview: tuple[tuple[str, str], ...]  # (sub-heading, paragraph)
    problems: tuple[str, ...]
    other: str
    closing: tuple[str, str]  # the office and the date line that end the report


@dataclass(frozen=True)
class SyntheticReport:
    """The truth (`truth.active/applications/appeals`, identity, checks) and how to print it."""

    truth: Report
    style: Style
    narrative: Narrative
    topics: tuple[str, ...]  # TOPICS keywords present in this report's narrative
    broken_rule: Rule | None
    blanked: tuple[CellRef, ...]  # cells printed empty (null in the truth)
    quirks: Quirks = NO_QUIRKS  # the real-world patterns this document is printed with

    @property
    def titles(self) -> tuple[str, ...]:
        """The title as the body prints it, then the page heading when that differs (年 vs 年度)."""
        body = self.truth.title or ""
        return (body, self.quirks.page_heading) if self.quirks.page_heading else (body,)

    @property
    def certain_region(self) -> Region:
        """The region the printed document makes certain (the truth's, less what a name leaves open)."""
        region = self.truth.region
        province, city, county = vocabulary.certain_place((region.province, region.city, region.county))
        return Region(province=province, city=city, county=county)

    @property
    def template(self) -> TemplateName:
        return "2019" if isinstance(self.truth.active, Active2019) else "2021"

    @property
    def other_sub_rows_printed(self) -> bool:
        return self.template == "2021" and not self.style.other_as_one_row


def _random_style(rng: random.Random, template: TemplateName) -> Style:
    return Style(
        full_width_brackets=rng.random() < 0.7,
        ascii_quotes=rng.random() < 0.2,
        plus_sign=rng.random() < 0.7,
        money=rng.choice(("wan_suffix", "yuan_suffix", "wan_header")),
        other_as_one_row=template == "2021" and rng.random() < 0.15,
        wrap_width=rng.choice((0, 0, 16, 20, 24)),
        markdown_headings=rng.random() < 0.2,
        portal=rng.choice(HTML_PORTALS),
    )


def _narrative(rng: random.Random, office: str, year: int, published: date, topics: list[str]) -> Narrative:
    topic_sentences = [sentence for topic in topics for sentence in vocabulary.TOPICS[topic]]
    rng.shuffle(topic_sentences)
    headings = list(vocabulary.OVERVIEW_HEADINGS)
    if "依申请公开" in topics:
        headings.insert(1, "依申请公开")
    pool = rng.sample(vocabulary.OVERVIEW_SENTENCES, 2 * len(headings))
    overview: list[tuple[str, str]] = []
    for index, heading in enumerate(headings):
        # Two base sentences per sub-section, the topic sentences spread over them.
        sentences = pool[2 * index : 2 * index + 2] + topic_sentences[index :: len(headings)]
        overview.append((heading, "".join(sentences)))
    preamble = (
        f"本报告根据《中华人民共和国政府信息公开条例》要求编制，统计期限自{year}年1月1日起至"
        f"{year}年12月31日止。本报告电子版可在{office}门户网站查阅。"
    )
    problems = tuple(rng.sample(vocabulary.PROBLEM_SENTENCES, 3))
    closing = (office, f"{published.year}年{published.month}月{published.day}日")
    return Narrative(preamble, tuple(overview), problems, rng.choice(vocabulary.OTHER_SENTENCES), closing)


def _sections(narrative: Narrative) -> Sections:
    overview = "\n".join(f"（{'一二三四五六'[i]}）{h}\n{p}" for i, (h, p) in enumerate(narrative.overview))
    return Sections(overview=overview, problems="\n".join(narrative.problems), other=narrative.other)


def _zone_office(side: random.Random) -> tuple[Region, str, Level]:
    (province, city, zone), offices = side.choice(vocabulary.ZONES)
    office, kind = side.choice(offices)
    return Region(province=province, city=city, county=zone), office, kind


_YEAR_BRACKETS = ("（{}年）", "({})", "【{}年度】", "（{}年度）")
_METADATA_LINES = (
    "来源：{office}　发布时间：{date} 09:30",
    "发布日期：{date}",
    "浏览次数：{views}",
    "字号：大 中 小",
    "信息来源：{office}　　发布时间：{date}　　【字体：大 中 小】",
)


def _title_quirks(
    side: random.Random, quirks: Quirks, office: str, year: int, published: date
) -> tuple[str, Quirks]:
    """A title as real pages print it: the year in brackets at the end, portal metadata lines
    under it, a page heading that says 年度 where the body says 年 (or the reverse); at least one."""
    kinds = [kind for kind in ("bracket", "metadata", "heading") if side.random() < 0.5] or [
        side.choice(("bracket", "metadata", "heading"))
    ]
    title = f"{office}{year}年政府信息公开工作年度报告"
    if "bracket" in kinds:
        title = f"{office}政府信息公开工作年度报告" + side.choice(_YEAR_BRACKETS).format(year)
    heading = None
    if "heading" in kinds and f"{year}年" in title:
        long_form = title.replace(f"{year}年度", f"{year}年").replace(f"{year}年", f"{year}年度")
        short_form = long_form.replace(f"{year}年度", f"{year}年")
        title, heading = (short_form, long_form) if side.random() < 0.5 else (long_form, short_form)
    lines: tuple[str, ...] = ()
    if "metadata" in kinds:
        chosen = side.sample(_METADATA_LINES, side.randint(1, 3))
        lines = tuple(
            line.format(office=office, date=published.isoformat(), views=side.randint(30, 5000))
            for line in chosen
        )
    return title, replace(quirks, page_heading=heading, metadata_lines=lines)


def _printed_cells(sub_rows: bool, apps: Table, appeals: Table, active: Table) -> list[CellRef]:
    hidden = set() if sub_rows else set(OTHER_SUB_ROWS)
    if sub_rows:
        hidden.add("other")
    cells = [("applications", row, c) for row in apps if row not in hidden for c in APPLICATION_COLUMNS]
    cells += [("appeals", group, c) for group in APPEAL_GROUPS for c in APPEAL_COLUMNS]
    cells += [("active", row, key) for row, values in active.items() for key in values]
    return cells


def random_report(
    rng: random.Random,
    *,
    template: TemplateName | None = None,
    year: int | None = None,
    office: str | None = None,
    region: Region | None = None,
    level: Level | None = None,
    break_rule: Rule | None = None,
    blank_cells: int = 0,
    narrative_only: bool = False,
    style: Style | None = None,
    realism: Realism = Realism.NONE,
) -> SyntheticReport:
    """A report of `template` whose numbers satisfy the four rules, or break exactly `break_rule`.

    `blank_cells` printed cells are left empty (null in the truth), never ones
    that would hide the broken rule. Unspecified identity is chosen at random.
    `realism` lets the document show real-world patterns (see `realism.py`); they
    are drawn from a side stream, so `rng` is consumed exactly as without them.
    """
    side = side_stream(rng)
    form: TemplateName = rng.choice(TEMPLATES) if template is None else template
    options = draw_options(realism, side, template=form)
    if office is not None or region is not None or level is not None:
        options -= {"zones"}  # the caller fixed the identity
    year = year or (rng.choice((2019, 2020)) if form == "2019" else rng.randint(2021, 2024))
    place = rng.choice(vocabulary.PLACES)
    if region is None:
        region = Region(province=place[0], city=place[1], county=place[2])
    kind: Level = rng.choice(LEVELS) if level is None else level
    if office is None:
        names: dict[str, tuple[str, ...]] = {
            "township": vocabulary.STREETS + vocabulary.TOWNS,
            "department": vocabulary.DEPARTMENTS,
        }
        name = rng.choice(names.get(kind, ("",)))
        office = vocabulary.office_for(
            kind, (region.province or "", region.city or "", region.county or ""), name
        )
    if "zones" in options:
        region, office, kind = _zone_office(side)
    style = style or _random_style(rng, form)
    published = date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 45))
    topics = sorted(rng.sample(sorted(vocabulary.TOPICS), rng.randint(1, 4)))
    narrative = _narrative(rng, office, year, published, topics)
    title = f"{office}{year}年政府信息公开工作年度报告"
    quirks = Quirks(options, seed=f"{side.getrandbits(64):016x}")
    if "titles" in options:
        title, quirks = _title_quirks(side, quirks, office, year, published)

    sub_rows = form == "2021" and not style.other_as_one_row
    apps = numbers.applications(rng, sub_rows=sub_rows, at_least_one=break_rule is not None)
    appeals = numbers.appeals(rng)
    active = numbers.active_2019(rng) if form == "2019" else numbers.active_2021(rng)
    keep: set[CellRef] = set()
    if break_rule is not None:
        keep = numbers.break_rule(rng, break_rule, apps, appeals)
    tables = {"applications": apps, "appeals": appeals, "active": active}
    candidates = [cell for cell in _printed_cells(sub_rows, apps, appeals, active) if cell not in keep]
    blanked = numbers.blank(rng, candidates, blank_cells, tables)
    if sub_rows:
        numbers.resolve_other(apps)

    truth = Report(
        id=hashlib.sha1(title.encode()).hexdigest(),
        title=title,
        office=office,
        region=region,
        level=kind,
        year=year,
        published_date=published,
        template=form,
        content_sha256=hashlib.sha256(title.encode()).hexdigest(),
        format="txt",
        sections=_sections(narrative),
        text="\n".join([narrative.preamble, *(s or "" for s in _sections(narrative).model_dump().values())]),
        active=None
        if narrative_only
        else (Active2019 if form == "2019" else Active2021).model_validate(active),
        applications=None if narrative_only else Applications.model_validate(apps),
        appeals=None if narrative_only else Appeals.model_validate(appeals),
    )
    return SyntheticReport(truth, style, narrative, tuple(topics), break_rule, tuple(blanked), quirks)
