"""Title recognition: which listing items are reports, which link the 年报 column. Pure, no I/O."""

from __future__ import annotations

import re

import pytest

from crawler.heuristics.titles import (
    is_column_title,
    is_hub_title,
    is_report_title,
    is_year_column_title,
    matches_title_pattern,
    title_year,
)

REPORTS = [
    "建章路街道2022年政府信息公开工作年度报告",
    "新下陆街道办事处2022年度 政府信息公开工作年度报告",
    "2022年度和平街道政府信息公开工作年度报告",
    "义乌市廿三里街道办事处2022年政府信息公开工作年度报告",
    "剑阁县义兴镇人民政府2021年政府信息公开工作年度报告",
    "会仪镇人民政府2021年信息公开年度报告",
    "信访局2021年度政府信息公开工作报告",
    "2019年上海市人民政府办公厅政府信息公开工作年度报告",
    "孝感市人民政府办公室\n2020年政府信息公开工作年度报告",
    "义乌市廿三里街道办事处2022年政府信息公开工作年...",
    "下陆区东方山街道办事处2022年政府信息公开工作年…",
    "二〇二一年度沧县教育局政府信息公开工作年度报告",
    "某局2022年政府信息公开工作年度报告（更正版）",
    "某局2022年政府信息公开工作年度报告.pdf",
    "某县2022年政务公开工作年度报告",
    "2022年年报",
]

NOT_REPORTS = [
    "关于做好2022年政府信息公开工作年度报告编制和发布工作的通知",
    "关于做好2022年政府信息公开工作年度报告编制...",
    "2023年政务公开工作要点",
    "下陆区2023年度工作计划",
    "《下陆区人民政府2022年政府信息公开工作年度报告》解读",
    "图解：2022年政府信息公开工作年度报告",
    "沧县政府信息公开指南",
    "某区2022年度法治政府建设年度报告",
    "县政府召开2023年政务公开工作推进会",
    "2022年度企业年报公示的通知",
    "河包镇政府信息公开工作年度报告",  # no year: the column's own name looks like this
    "政府信息公开年报",
    "",
]


@pytest.mark.parametrize("title", REPORTS)
def test_report_titles_are_recognised(title: str) -> None:
    assert is_report_title(title)


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_other_items_of_the_section_are_not_reports(title: str) -> None:
    assert not is_report_title(title)


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("建章路街道2022年政府信息公开工作年度报告", 2022),
        ("2019年上海市人民政府办公厅政府信息公开工作年度报告", 2019),
        ("二〇二一年度沧县教育局政府信息公开工作年度报告", 2021),
        ("二零一九年度某镇政府信息公开工作年度报告", 2019),
        ("河包镇政府信息公开工作年度报告", None),
    ],
)
def test_title_year(title: str, year: int | None) -> None:
    assert title_year(title) == year


def test_a_portal_exclusion_pattern_removes_matching_reports() -> None:
    title = "某局2022年度统计信息公开年报"
    assert is_report_title(title)
    assert not is_report_title(title, exclude=re.compile("统计"))


def test_a_configured_title_pattern_replaces_the_recogniser() -> None:
    pattern = re.compile(r"\d{4}年度报告$")
    assert matches_title_pattern("某局 2022年度报告", pattern)
    assert not matches_title_pattern("某局2022年度报告", pattern, exclude=re.compile("某局"))
    assert not matches_title_pattern("关于某事的通知", pattern)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政府信息公开年报", True),
        ("政府信息公开工作年度报告", True),
        ("信息公开年报", True),
        ("年度报告", True),
        ("部门年报", True),
        ("乡镇（街道）年报", True),
        ("企业年报", False),
        ("政府信息公开指南", False),
        ("2022年政府信息公开工作年度报告", False),  # a report, not the column
        ("", False),
    ],
)
def test_column_titles(text: str, expected: bool) -> None:
    assert is_column_title(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"), [("2022年", True), ("2022年度", True), ("2022", True), ("2022年年报", True),
                           ("2022年工作要点", False), ("第2页", False)]
)
def test_year_folder_titles(text: str, expected: bool) -> None:
    assert is_year_column_title(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("政府信息公开", True), ("政务公开", True), (" 信息公开 ", True), ("政府信息公开指南", False),
     ("首页", False)],
)
def test_hub_titles(text: str, expected: bool) -> None:
    assert is_hub_title(text) is expected
