"""A synthetic report as a sequence of blocks (headings, paragraphs, tables) in reading order.

Every renderer walks the same blocks, so all layouts carry the same content.
"""

from __future__ import annotations

from dataclasses import dataclass

from govreports.model import Active2019
from indexer.synthetic import forms
from indexer.synthetic.forms import Grid
from indexer.synthetic.report import SyntheticReport


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 the title, 1 一、…六、, 2 （一）… inside 一


@dataclass(frozen=True)
class Paragraph:
    text: str
    align_right: bool = False


@dataclass(frozen=True)
class Table:
    grid: Grid


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
    truth, style, narrative = report.truth, report.style, report.narrative
    out: list[Block] = [
        Heading(truth.title or "", 0),
        Paragraph(narrative.preamble),
        Heading(SECTION_HEADINGS[0], 1),
    ]
    for index, (sub_heading, paragraph) in enumerate(narrative.overview):
        out += [Heading(forms.label(f"（{_NUMERALS[index]}）{sub_heading}", style), 2), Paragraph(paragraph)]
    if truth.active is not None and truth.applications is not None and truth.appeals is not None:
        active = (
            forms.active_2019(truth.active, style)
            if isinstance(truth.active, Active2019)
            else forms.active_2021(truth.active, style)
        )
        applications = forms.applications(
            truth.applications, style, other_sub_rows=report.other_sub_rows_printed
        )
        out += [
            Heading(SECTION_HEADINGS[1], 1),
            Table(active),
            Heading(SECTION_HEADINGS[2], 1),
            Table(applications),
            Heading(SECTION_HEADINGS[3], 1),
            Table(forms.appeals(truth.appeals)),
        ]
    out.append(Heading(SECTION_HEADINGS[4], 1))
    out += [Paragraph(sentence) for sentence in narrative.problems]
    out += [Heading(SECTION_HEADINGS[5], 1), Paragraph(narrative.other)]
    out += [Paragraph(line, align_right=True) for line in narrative.closing]
    return out
