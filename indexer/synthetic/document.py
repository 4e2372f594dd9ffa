"""A synthetic report as a sequence of blocks (headings, paragraphs, tables) in reading order.

Every renderer walks the same blocks, so all layouts carry the same content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from govreports.model import Active2019
from indexer.synthetic import forms
from indexer.synthetic.forms import Grid
from indexer.synthetic.report import Style, SyntheticReport


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 the title, 1 一、…六、, 2 （一）… inside 一


@dataclass(frozen=True)
class Paragraph:
    text: str
    align_right: bool = False


@dataclass(frozen=True)
class PageBreak:
    """A page break inside a table (quirk `page_breaks`), for the layouts that show pages.

    The page `number` ends before grid row `row`; the next page starts with the
    `running_header` line, then the table's first `repeat_header` rows again.
    """

    row: int
    repeat_header: int
    number: str  # the page-number line, e.g. `- 4 -`
    number_format: str  # how this document prints page numbers: `- {} -`, `第 {} 页 共 {} 页`, …
    running_header: str


@dataclass(frozen=True)
class Table:
    grid: Grid
    name: str = ""  # active, applications or appeals
    page_break: PageBreak | None = None


Block = Heading | Paragraph | Table

SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
_NUMERALS = "一二三四五六七八九"


def blocks(report: SyntheticReport) -> list[Block]:
    truth, style, narrative, quirks = report.truth, report.style, report.narrative, report.quirks
    out: list[Block] = [
        Heading(truth.title or "", 0),
        *(Paragraph(line) for line in quirks.metadata_lines),
        Paragraph(narrative.preamble),
        Heading(SECTION_HEADINGS[0], 1),
    ]
    for index, (sub_heading, paragraph) in enumerate(narrative.overview):
        out += [Heading(forms.label(f"（{_NUMERALS[index]}）{sub_heading}", style), 2), Paragraph(paragraph)]
    if truth.active is not None and truth.applications is not None and truth.appeals is not None:
        active = (
            forms.active_2019(truth.active, style)
            if isinstance(truth.active, Active2019)
            else forms.active_2021(truth.active, style, fee_header_rows="fee_header_row" in quirks)
        )
        applications = forms.applications(
            truth.applications, style, other_sub_rows=report.other_sub_rows_printed
        )
        grids = {"active": active, "applications": applications, "appeals": forms.appeals(truth.appeals)}
        if "misprints" in quirks:
            grids = misprinted(grids, style, quirks.rng("misprints"))
        breaks = page_breaks(grids, report) if "page_breaks" in quirks else {}
        out += [
            Heading(SECTION_HEADINGS[1], 1),
            Table(grids["active"], "active", breaks.get("active")),
            Heading(SECTION_HEADINGS[2], 1),
            Table(grids["applications"], "applications", breaks.get("applications")),
            Heading(SECTION_HEADINGS[3], 1),
            Table(grids["appeals"], "appeals", breaks.get("appeals")),
        ]
    out.append(Heading(SECTION_HEADINGS[4], 1))
    out += [Paragraph(sentence) for sentence in narrative.problems]
    out += [Heading(SECTION_HEADINGS[5], 1), Paragraph(narrative.other)]
    out += [Paragraph(line, align_right=True) for line in narrative.closing]
    return out


# --- quirk `misprints` ------------------------------------------------------------------

# (label as the form prints it, as a misprinted or badly recognised copy prints it)
MISPRINTS: tuple[tuple[str, str], ...] = (
    ("1.属于国家秘密", "1.属于国秘密"),  # characters lost
    ("8.属于行政查询事项", "8.属于行政查事项"),
    ("2.没有现成信息需要另行制作", "2.没有现成信息需要另行制"),
    ("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数"),
    ("四、结转下年度继续办理", "四四、结转下年度继续办理"),  # a doubled numeral
    ("2.重复申请", "重复申请"),  # the item number dropped
    ("4.保护第三方合法权益", "保护第三方合法权益"),
    ("（四）无法提供", "（四）无法提洪"),  # OCR: 洪 for 供
    ("3.要求提供公开出版物", "3.要求提洪公开出版物"),
    ("5.要求行政机关确认或重新出具已获取信息", "5.要求行政机关确认或重新出具己获取信息"),  # 己 for 已
    ("行政事业性收费", "行政事业型收费"),
    ("其他对外管理服务事项", "其他对外管理服事项"),
    ("现行有效件数", "现行有效件"),
)
ZERO_MISREAD = "〇"  # OCR: the character 〇 for the digit 0


def misprinted(grids: dict[str, Grid], style: Style, rng: random.Random) -> dict[str, Grid]:
    """One or two labels misprinted; sometimes a 0 in table 三 or 四 read as 〇 instead."""
    printed = {cell.text for grid in grids.values() for cell in grid.cells}
    candidates = [
        (forms.label(good, style), forms.label(bad, style))
        for good, bad in MISPRINTS
        if forms.label(good, style) in printed
    ]
    chosen = dict(rng.sample(candidates, 2 if rng.random() < 0.3 else 1))
    out = {name: forms.retext(grid, chosen) for name, grid in grids.items()}
    if rng.random() < 0.3:
        name = rng.choice(("applications", "appeals"))
        zeros = [cell for cell in out[name].cells if cell.text == "0"]
        if zeros:
            out[name] = forms.retext(out[name], {}, cells={rng.choice(zeros): ZERO_MISREAD})
    return out


# --- quirk `page_breaks` ----------------------------------------------------------------

_PAGE_NUMBERS = ("- {} -", "— {} —", "-{}-", "第{}页", "第 {} 页 共 {} 页")


def page_breaks(grids: dict[str, Grid], report: SyntheticReport) -> dict[str, PageBreak]:
    """One or two of the tables cut by a page: 二 between two 第二十条 blocks, 三 between two of
    its rows (its header rows sometimes repeated), 四 between its header and its numbers."""
    rng = report.quirks.rng("page_breaks")
    chosen = rng.sample(list(grids), rng.choice((1, 1, 2)))
    page = rng.randint(2, 4)
    pages = page + rng.randint(4, 6)
    truth = report.truth
    running = rng.choice(
        (
            truth.title or "",
            f"{truth.office}政府信息公开工作年度报告",
            f"政府信息公开工作年度报告（{truth.year}）",
        )
    )
    number_format = rng.choice(_PAGE_NUMBERS)
    out: dict[str, PageBreak] = {}
    for name in (name for name in grids if name in chosen):
        grid = grids[name]
        header_rows = forms.header_rows(grid)
        if name == "active":
            captions = [c.row for c in grid.cells if c.row > 0 and c.header and c.text.startswith("第二十条")]
            row, repeat = rng.choice(captions), 0
        elif name == "applications":
            row = rng.randrange(header_rows + 1, grid.height)
            repeat = header_rows if rng.random() < 0.5 else 0
        else:
            row, repeat = header_rows, header_rows if rng.random() < 0.5 else 0
        out[name] = PageBreak(row, repeat, number_format.format(page, pages), number_format, running)
        page += rng.randint(1, 2)
    return out
