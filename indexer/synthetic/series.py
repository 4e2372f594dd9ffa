"""Series of reports of one office over the years, for testing the audit across the years.

`office_series` makes an office's reports for 2019–2025 whose numbers chain correctly (四、结转
of one year is 二、上年结转 of the next, in every column; 现行有效 follows 本年制发 and 本年废止
from 2021; 上一年项目数量 follows 本年增/减 from 2019 to 2020), published on time, with a
narrative of its own each year, printed under varying region prefixes (广州市海珠区… one year,
海珠区… the next). Asked to, a series breaks one chain, publishes one year late, copies last
year's narrative with light edits, or skips a year; `corpus` also copies other offices'
narratives. Every departure is recorded as a `Planted` finding, so a test can check the audit
finds all of them and nothing else.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from govreports.keys import APPLICANT_COLUMNS, APPLICATION_ROWS, OTHER_SUB_ROWS
from govreports.model import Active2019, Active2021, Appeals, Applications, Level, Region, Report, Sections
from indexer.synthetic import numbers, vocabulary

YEARS: tuple[int, ...] = tuple(range(2019, 2026))
Departure = Literal["carry_chain", "in_force_chain", "items_chain", "late", "copied", "missing"]
DEPARTURES: tuple[Departure, ...] = (
    "carry_chain",
    "in_force_chain",
    "items_chain",
    "late",
    "copied",
    "missing",
)

# The form's own boilerplate: in every report (digits differ by year, nothing else).
BOILERPLATE: tuple[str, ...] = (
    "本报告根据《中华人民共和国政府信息公开条例》要求编制，统计期限自{year}年1月1日起至{year}年12月31日止。",
    "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止，如对本报告有疑问请与本机关联系。",
)
# A sentence every office of one province prints (a provincial template): shared, but no copy.
PROVINCE_SENTENCE = "根据{province}政务公开工作要点部署，本机关扎实推进决策、执行、管理、服务、结果公开。"
# Characters the narratives' own sentences are made of: 2- and 3-character words drawn from them.
_CHARACTERS = (
    "政府信息公开工作年度报告主动依申请平台建设监督保障管理制度规范完善推进落实加强组织培训宣传网站栏目"
    "更新发布审查机制群众关切回应解读政策文件办理答复程序时限质量效率服务事项目录清单标准基层数据统计"
    "考核评议整改问题措施计划重点领域财政预算决算民生就业教育医疗卫生住房交通环境保护安全生产市场监管"
    "农业农村乡村振兴营商优化改革创新数字智能便民热线咨询窗口大厅线上线下融合共享开放协同联动督查检查"
)
_PREFIX_FORMS = ("{province}{city}{county}", "{city}{county}", "{county}")


@dataclass(frozen=True)
class Planted:
    """A departure the audit must find: its rule, the year of the report (or missing year) it is
    on, and for a copy the report it was copied from."""

    rule: Departure
    year: int
    other_report_id: str | None = None


@dataclass
class OfficeSeries:
    office: str  # the name without a region prefix, e.g. 海珠区财政局 → 财政局 in 海珠区
    region: Region
    level: Level
    site: str
    sentences: tuple[int, int] = (9, 14)  # of its own, in each year's 一、总体情况
    reports: list[Report] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)


# --- narratives ---------------------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    words = ["".join(rng.choices(_CHARACTERS, k=rng.choice((2, 2, 3)))) for _ in range(rng.randint(7, 12))]
    cut = rng.randint(3, len(words) - 2)
    return "".join(words[:cut]) + "，" + "".join(words[cut:]) + "。"


def _narrative(
    rng: random.Random, printed: str, year: int, region: Region, sentences: tuple[int, int]
) -> Sections:
    own = [_sentence(rng) for _ in range(rng.randint(*sentences))]
    opening = f"{year}年，{printed}{own[0]}"
    overview = [opening, *(line.format(year=year) for line in BOILERPLATE), *own[1:]]
    overview.insert(rng.randint(2, len(overview)), PROVINCE_SENTENCE.format(province=region.province))
    problems = [_sentence(rng) for _ in range(rng.randint(2, 4))]
    other = rng.choice(("无。", "本机关无其他需要报告的事项。", _sentence(rng)))
    return Sections(overview="\n".join(overview), problems="\n".join(problems), other=other)


def lightly_edited(rng: random.Random, sections: Sections, replacements: dict[str, str]) -> Sections:
    """A copy with light edits: names and years replaced, one sentence rewritten, one added."""

    def edit(text: str | None) -> str | None:
        if not text:
            return text
        for old, new in replacements.items():
            text = text.replace(old, new)
        lines = text.split("\n")
        if len(lines) > 3:
            lines[rng.randrange(1, len(lines))] = _sentence(rng)
        return "\n".join(lines)

    overview = edit(sections.overview)
    return Sections(
        overview=f"{overview}\n{_sentence(rng)}", problems=edit(sections.problems), other=sections.other
    )


# --- numbers that chain -----------------------------------------------------------------------------


def _split(rng: random.Random, count: int, keys: list[str], weights: list[int]) -> dict[str, int]:
    shares = dict.fromkeys(keys, 0)
    for key in rng.choices(keys, weights=weights, k=count):
        shares[key] += 1
    return shares


_RESULTS = [
    "granted",
    "partially_granted",
    "unavailable_not_held",
    "rejected_repeat",
    "withheld_process_info",
    "other",
]
_RESULT_WEIGHTS = [40, 8, 12, 2, 3, 3]


def applications(rng: random.Random, carried_over: dict[str, int], sub_rows: bool) -> numbers.Table:
    """Table 三 whose 二、上年结转 is `carried_over` (by applicant column), balanced in every column."""
    table: numbers.Table = {row: dict.fromkeys(APPLICANT_COLUMNS, 0) for row in APPLICATION_ROWS}
    for column in APPLICANT_COLUMNS:
        received = rng.randint(0, 40) if column == "natural_person" else rng.choice((0, 0, rng.randint(0, 6)))
        incoming = received + carried_over[column]
        forward = rng.randint(0, incoming // 4) if incoming else 0
        results = _split(rng, incoming - forward, _RESULTS, _RESULT_WEIGHTS)
        cells = {
            "received": received,
            "carried_over": carried_over[column],
            **results,
            "handled_total": incoming - forward,
            "carried_forward": forward,
        }
        if sub_rows:
            cells.update(_split(rng, results["other"], list(OTHER_SUB_ROWS), [1, 1, 1]))
        for row, value in cells.items():
            table[row][column] = value
    if not sub_rows:
        for row in OTHER_SUB_ROWS:
            table[row] = dict.fromkeys(APPLICANT_COLUMNS, None)
    for values in table.values():
        cells_of_row = [values[column] for column in APPLICANT_COLUMNS]
        values["total"] = None if None in cells_of_row else sum(int(value or 0) for value in cells_of_row)
    return table


def _forward(table: numbers.Table) -> dict[str, int]:
    return {column: int(table["carried_forward"][column] or 0) for column in APPLICANT_COLUMNS}


def _break_carry(rng: random.Random, table: numbers.Table) -> None:
    """二、上年结转 off by a few in one column; the report's own sums still hold."""
    column, delta = rng.choice(APPLICANT_COLUMNS), rng.randint(1, 5)
    for row in ("carried_over", "granted", "handled_total"):
        for key in (column, "total"):
            table[row][key] = int(table[row][key] or 0) + delta


def _documents_2021(rng: random.Random, in_force: int) -> dict[str, int]:
    issued = rng.choice((0, rng.randint(1, 12)))
    repealed = rng.randint(0, min(in_force + issued, 5))
    return {"issued": issued, "repealed": repealed, "in_force": in_force + issued - repealed}


@dataclass
class _Carry:
    """What a year hands on to the next: 四、结转, 现行有效, 上一年项目数量 + 本年增/减."""

    forward: dict[str, int]
    in_force: dict[str, int]
    items: dict[str, int] = field(default_factory=dict)


def _active(rng: random.Random, year: int, carry: _Carry, break_rule: str | None) -> numbers.Table:
    if year < 2021:
        table = numbers.active_2019(rng)
        if year == 2020 and carry.items:
            for row, previous in carry.items.items():
                table[row]["previous_items"] = previous
                table[row]["change"] = rng.randint(-previous, 30)
            if break_rule == "items_chain":
                row = rng.choice(sorted(carry.items))
                table[row]["previous_items"] = int(table[row]["previous_items"] or 0) + rng.randint(1, 9)
        carry.items = {
            row: int(values["previous_items"] or 0) + int(values["change"] or 0)
            for row, values in table.items()
            if "previous_items" in values
        }
        return table
    table = numbers.active_2021(rng)
    for row in ("regulations", "normative_documents"):
        table[row] = dict(_documents_2021(rng, carry.in_force[row]))
        carry.in_force[row] = int(table[row]["in_force"] or 0)
    if break_rule == "in_force_chain":
        row = rng.choice(("regulations", "normative_documents"))
        table[row]["in_force"] = int(table[row]["in_force"] or 0) + rng.randint(3, 20)  # a consolidation
        carry.in_force[row] = int(table[row]["in_force"] or 0)
    return table


# --- the series ---------------------------------------------------------------------------------------


def deadline_of(level: Level, year: int) -> date:
    """The deadline (art. 49) the series is made against; 乡镇 and 街道 by the default, 31 March."""
    return date(year + 1, 1, 31) if level == "department" else date(year + 1, 3, 31)


def _published(rng: random.Random, level: Level, year: int, late: bool) -> date:
    deadline = deadline_of(level, year)
    if late:
        return deadline + timedelta(days=rng.randint(5, 90))
    return max(date(year + 1, 1, 2), deadline - timedelta(days=rng.randint(0, 50)))


def _report_id(site: str, office: str, year: int) -> str:
    return hashlib.sha1(f"{site}/{office}/{year}".encode()).hexdigest()


def printed_name(rng: random.Random, office: str, region: Region) -> str:
    """The office's name under one of the prefixes real reports print it with."""
    province = "" if region.province == region.city else region.province  # a municipality prints once
    prefix = rng.choice(_PREFIX_FORMS).format(province=province, city=region.city, county=region.county)
    return prefix + office


def _plan(rng: random.Random, departures: set[Departure]) -> dict[Departure, int]:
    """The year of each departure, so that they do not hide one another."""
    years: dict[Departure, int] = {}
    if "missing" in departures:
        years["missing"] = rng.randint(2020, 2023)  # a later report proves it missing
    free = [year for year in YEARS[1:] if year not in (years.get("missing"), (years.get("missing") or 0) + 1)]
    if "items_chain" in departures and 2020 in free:
        years["items_chain"] = 2020
    if "carry_chain" in departures:
        years["carry_chain"] = rng.choice(free)
    if "in_force_chain" in departures:
        choices = [year for year in free if year >= 2022]
        years["in_force_chain"] = rng.choice(choices)
    if "copied" in departures:
        years["copied"] = rng.choice(free)
    if "late" in departures:
        years["late"] = rng.choice(YEARS)
    return years


def office_series(
    rng: random.Random,
    *,
    office: str,
    region: Region,
    level: Level,
    site: str,
    departures: Collection[Departure] = (),
    sentences: tuple[int, int] = (9, 14),
) -> OfficeSeries:
    """An office's reports for 2019–2025, departing from the rules only as `departures` asks."""
    series = OfficeSeries(office, region, level, site, sentences)
    plan = _plan(rng, set(departures))
    carry = _Carry(
        forward=dict.fromkeys(APPLICANT_COLUMNS, 0),
        in_force={"regulations": rng.randint(0, 60), "normative_documents": rng.randint(0, 200)},
    )
    previous: Report | None = None
    for year in YEARS:
        if plan.get("missing") == year:
            series.planted.append(Planted("missing", year))
            _skip(rng, year, carry)
            continue
        report = _year_report(rng, series, year, carry, plan, previous)
        series.reports.append(report)
        previous = report
    return series


def _skip(rng: random.Random, year: int, carry: _Carry) -> None:
    """A year the office published nothing for: its numbers still move on."""
    carry.forward = _forward(applications(rng, carry.forward, sub_rows=year >= 2021))
    _active(rng, year, carry, None)


def _year_report(
    rng: random.Random,
    series: OfficeSeries,
    year: int,
    carry: _Carry,
    plan: dict[Departure, int],
    previous: Report | None,
) -> Report:
    template = "2019" if year < 2021 else "2021"
    apps = applications(rng, carry.forward, sub_rows=template == "2021")
    if plan.get("carry_chain") == year:
        _break_carry(rng, apps)
        series.planted.append(Planted("carry_chain", year))
    carry.forward = _forward(apps)
    broken = next((rule for rule in ("items_chain", "in_force_chain") if plan.get(rule) == year), None)
    active = _active(rng, year, carry, broken)
    if broken is not None:
        series.planted.append(Planted(broken, year))  # type: ignore[arg-type]
    late = plan.get("late") == year
    if late:
        series.planted.append(Planted("late", year))
    printed = printed_name(rng, series.office, series.region)
    published = _published(rng, series.level, year, late)
    report_id = _report_id(series.site, series.office, year)
    sections = _narrative(rng, printed, year, series.region, series.sentences)
    if plan.get("copied") == year and previous is not None:
        replacements = {str(previous.year): str(year), previous.office or "": printed}
        sections = lightly_edited(rng, previous.sections, replacements)
        series.planted.append(Planted("copied", year, previous.id))
    seen = datetime.combine(published + timedelta(days=rng.randint(0, 3)), time(2), tzinfo=UTC)
    return Report(
        id=report_id,
        office=printed,
        title=f"{printed}{year}年政府信息公开工作年度报告",
        region=series.region,
        level=series.level,
        year=year,
        published_date=published,
        template=template,
        source_url=f"https://{series.site}.example.gov.cn/zwgk/{report_id[:12]}.html",
        source_site=series.site,
        fetched_at=seen,
        first_seen_at=seen,
        content_sha256=hashlib.sha256(report_id.encode()).hexdigest(),
        format="html",
        sections=sections,
        text="\n".join(part for part in (sections.overview, sections.problems, sections.other) if part),
        active=(Active2019 if template == "2019" else Active2021).model_validate(active),
        applications=Applications.model_validate(apps),
        appeals=Appeals.model_validate(numbers.appeals(rng)),
    )


# --- a corpus of offices -------------------------------------------------------------------------------


def _identities(count: int) -> list[tuple[str, Region, Level]]:
    """`count` distinct (office, region, level): every office the vocabulary names, then (for
    benchmark-sized corpora) numbered communities' offices in the same places."""
    found: list[tuple[str, Region, Level]] = []
    for province, city, county in vocabulary.PLACES:
        region = Region(province=province, city=city, county=county)
        found.append(("人民政府", region, "county"))
        found += [(department, region, "department") for department in vocabulary.DEPARTMENTS[1:]]
        found += [(f"{street}街道办事处", region, "township") for street in vocabulary.STREETS]
        found += [(f"{town}镇人民政府", region, "township") for town in vocabulary.TOWNS]
    places = vocabulary.PLACES
    for number in range(max(0, count - len(found))):
        province, city, county = places[number % len(places)]
        round_ = number // len(places)
        name = f"{vocabulary.TOWNS[round_ % len(vocabulary.TOWNS)]}第{round_}社区工作站"
        found.append((name, Region(province=province, city=city, county=county), "township"))
    return found


def corpus(
    seed: int,
    offices: int,
    departing: float = 0.4,
    copies_across: int = 0,
    sentences: tuple[int, int] = (9, 14),
) -> list[OfficeSeries]:
    """`offices` series; a `departing` share of them with one to three departures, and
    `copies_across` reports that copy another office's earlier narrative (planted too); each
    year's overview has `sentences` (a range) of the office's own."""
    rng = random.Random(seed)
    identities = _identities(offices)
    chosen = rng.sample(identities, offices)
    series = []
    for number, (office, region, level) in enumerate(chosen):
        departures: set[Departure] = set()
        if rng.random() < departing:
            departures = set(rng.sample(DEPARTURES, rng.randint(1, 3)))
        site = f"portal{number:04d}"
        series.append(
            office_series(
                rng,
                office=office,
                region=region,
                level=level,
                site=site,
                departures=departures,
                sentences=sentences,
            )
        )
    _copy_across(rng, series, copies_across)
    return series


def _copy_across(rng: random.Random, series: list[OfficeSeries], copies: int) -> None:
    """Replace the narrative of `copies` clean reports by another office's earlier one, lightly edited;
    each source is copied once, and neither side is part of another copy."""
    used: set[str] = {
        planted.other_report_id for item in series for planted in item.planted if planted.other_report_id
    }
    copied_years: set[tuple[int, int | None]] = {
        (id(item), planted.year) for item in series for planted in item.planted if planted.rule == "copied"
    }
    for _ in range(copies):
        target_series, source_series = rng.sample(series, 2)
        targets = [
            report
            for report in target_series.reports
            if (id(target_series), report.year) not in copied_years and report.id not in used
        ]
        if not targets:
            continue
        target = rng.choice(targets)
        sources = [
            report
            for report in source_series.reports
            if report.published_date
            and target.published_date
            and report.published_date < target.published_date
            and report.id not in used
            and (id(source_series), report.year) not in copied_years
        ]
        if not sources:
            continue
        source = rng.choice(sources)
        replacements = {source.office or "": target.office or "", str(source.year): str(target.year)}
        sections = lightly_edited(rng, source.sections, replacements)
        text = "\n".join(part for part in (sections.overview, sections.problems, sections.other) if part)
        position = target_series.reports.index(target)
        target_series.reports[position] = target.model_copy(update={"sections": sections, "text": text})
        target_series.planted.append(Planted("copied", target.year or 0, source.id))
        used |= {source.id, target.id}
        copied_years |= {(id(target_series), target.year), (id(source_series), source.year)}


def reports_of(series: list[OfficeSeries]) -> list[Report]:
    return [report for item in series for report in item.reports]


def without_year(item: OfficeSeries, year: int) -> OfficeSeries:
    """The series as it was before its report for `year` was published (for incremental tests)."""
    return replace(item, reports=[report for report in item.reports if report.year != year])
