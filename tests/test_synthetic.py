"""The synthetic report generator: its truth obeys (or breaks) the rules, and every layout prints it."""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import replace

import docx
import pymupdf
import pytest

from govreports.keys import OTHER_SUB_ROWS
from indexer.synthetic import FORMATS, LAYOUTS, RULES, TOPICS, Rule, forms, random_report, render, vocabulary
from indexer.synthetic.report import Style

SEEDS = range(12)


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("rule", [None, *RULES])
def test_numbers_obey_the_rules_or_break_exactly_one(template: str, rule: Rule | None) -> None:
    for seed in SEEDS:
        report = random_report(random.Random(seed), template=template, break_rule=rule, blank_cells=seed % 4)  # type: ignore[arg-type]
        failing = {check.rule for check in report.truth.checks if check.passed is False}
        assert failing == ({rule} if rule else set())
        assert report.truth.consistent is (False if rule else report.truth.consistent)
        assert report.template == template and report.truth.template == template


def test_blank_cells_are_null_in_the_truth() -> None:
    report = random_report(random.Random(3), blank_cells=5)
    assert len(report.blanked) == 5
    truth = report.truth.model_dump()
    for table, row, column in report.blanked:
        assert truth[table][row][column] is None


@pytest.mark.parametrize("seed", SEEDS)
def test_template_2021_other_is_the_sum_of_its_sub_rows(seed: int) -> None:
    report = random_report(random.Random(seed), template="2021")
    apps = report.truth.applications
    assert apps is not None
    subs = [apps.row(row) for row in OTHER_SUB_ROWS]
    if report.other_sub_rows_printed:
        assert apps.other.total == sum(row.total or 0 for row in subs)
    else:
        assert all(row.is_blank() for row in subs)


def test_identity() -> None:
    for seed in SEEDS:
        truth = random_report(random.Random(seed)).truth
        assert truth.title == f"{truth.office}{truth.year}年政府信息公开工作年度报告"
        assert truth.published_date is not None and truth.year is not None
        assert truth.published_date.year == truth.year + 1 and truth.published_date.month in (1, 2)
        assert truth.region.county and truth.region.county in (truth.office or "")


def test_topic_keywords_appear_only_in_reports_that_chose_them() -> None:
    always = {"行政复议", "过程性信息"}  # also in every report's headings or table labels
    seen_with: set[str] = set()
    seen_without: set[str] = set()
    for seed in range(40):
        report = random_report(random.Random(seed))
        text = render(report, "tab_rows").decode()
        for keyword in set(TOPICS) - always:
            present = keyword in text
            assert present == (keyword in report.topics), keyword
            (seen_with if present else seen_without).add(keyword)
    assert seen_with == seen_without == set(TOPICS) - always


def test_base_sentences_carry_no_topic_keyword() -> None:
    pools = vocabulary.OVERVIEW_SENTENCES + vocabulary.PROBLEM_SENTENCES + vocabulary.OTHER_SENTENCES
    assert not [s for s in pools for keyword in TOPICS if keyword in s]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rendering_is_deterministic(layout: str) -> None:
    report = random_report(random.Random(9), blank_cells=2)
    first, second = render(report, layout), render(report, layout)
    assert first == second


def test_docx_bytes_do_not_depend_on_the_clock() -> None:
    """Same report, same bytes: no save time in the zip entries or the core properties."""
    report = random_report(random.Random(9))
    published = report.truth.published_date
    assert published is not None
    package = zipfile.ZipFile(io.BytesIO(render(report, "docx")))
    assert {info.date_time[:3] for info in package.infolist()} == {
        (published.year, published.month, published.day)
    }
    properties = docx.Document(io.BytesIO(render(report, "docx"))).core_properties
    assert properties.created == properties.modified
    assert properties.created is not None and properties.created.date() == published


def test_html_gbk_declares_and_uses_gbk() -> None:
    data = render(random_report(random.Random(1)), "html_gbk")
    assert re.search(rb'charset="?gb2312', data)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "政府信息公开工作年度报告" in data.decode("gbk")


def test_pdf_has_an_extractable_text_layer() -> None:
    report = random_report(random.Random(2))
    document = pymupdf.open(stream=render(report, "pdf"), filetype="pdf")
    text = "".join(page.get_text() for page in document)
    assert "三、收到和处理政府信息公开申请情况" in text
    assert len(document[0].get_drawings()) > 0


def test_tab_rows_wraps_long_labels_onto_the_next_line() -> None:
    report = random_report(random.Random(1), template="2021")
    report = replace(report, style=replace(report.style, wrap_width=16, other_as_one_row=False))
    lines = render(report, "tab_rows").decode().splitlines()
    first = next(i for i, line in enumerate(lines) if "\t1.申请人无正当理由逾期不补正、\t0\t" in line)
    assert lines[first + 1] == "\t\t行政机关不再处理其政府信息公开申请" + "\t" * 7


@pytest.mark.parametrize(
    ("yuan", "style_money", "printed"),
    [
        (3622400.0, "wan_suffix", "362.24万元"),
        (12850.0 * 100, "yuan_suffix", "1285000元"),
        (525000.0, "wan_header", "52.5"),
        (100000.0, "wan_header", "10"),
        (0.0, "wan_suffix", "0万元"),
        (None, "wan_suffix", ""),
    ],
)
def test_money(yuan: float | None, style_money: str, printed: str) -> None:
    style = Style(True, False, True, style_money, False, 0, False, "trs")  # type: ignore[arg-type]
    assert forms.money(yuan, style) == printed


@pytest.mark.parametrize(
    ("value", "plus", "printed"), [(163, True, "+163"), (163, False, "163"), (-2, True, "-2"), (0, True, "0")]
)
def test_signed_changes(value: int, plus: bool, printed: str) -> None:
    style = Style(True, False, plus, "wan_suffix", False, 0, False, "trs")
    assert forms.signed(value, style) == printed


def test_label_variants() -> None:
    half = Style(False, True, True, "wan_suffix", False, 0, False, "trs")
    assert forms.label("（三）不予公开 3.危及“三安全一稳定”", half) == '(三)不予公开 3.危及"三安全一稳定"'


def test_every_layout_has_a_format() -> None:
    assert set(FORMATS.values()) <= {"txt", "html", "pdf", "docx", "doc"}
    with pytest.raises(ValueError, match="unknown layout"):
        render(random_report(random.Random(0)), "xlsx")
    assert re.fullmatch(r"[a-z_]+", "_".join(LAYOUTS))
